// Double locking through a helper: (*sessionStore).Expire holds s.mu and,
// for every session that has not expired, calls s.Touch, which locks s.mu
// again. Three sessionToucher goroutines then queue on s.mu.
//
// Beside the bug runs healthy traffic: a loopback TCP server with 3
// clients, per-connection handlers and a stats reporter.
package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type sessionStore struct {
	ttl      time.Duration
	mu       sync.Mutex
	sessions map[string]time.Time
}

//go:noinline
func (s *sessionStore) Touch(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[id] = time.Now()
}

//go:noinline
func (s *sessionStore) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.sessions {
		if time.Since(t) > s.ttl {
			delete(s.sessions, id)
		} else {
			s.Touch(id) // bug: Touch takes s.mu, which Expire holds
		}
	}
}

//go:noinline
func sessionExpirer(s *sessionStore) {
	time.Sleep(10 * time.Millisecond)
	s.Expire()
}

//go:noinline
func sessionToucher(s *sessionStore, id string) {
	time.Sleep(40 * time.Millisecond)
	s.Touch(id)
}

func setup() {
	startTraffic()
	s := &sessionStore{ttl: time.Hour, sessions: map[string]time.Time{"a": time.Now(), "b": time.Now()}}
	go sessionExpirer(s)
	for _, id := range []string{"c", "d", "e"} {
		go sessionToucher(s, id)
	}
}

// ---- healthy traffic: a line-protocol TCP server on loopback with three
// clients in a request loop, per-connection handlers, and a stats reporter
// reading an RWMutex-guarded table the handlers write ----

var (
	srvStatsMu sync.RWMutex
	srvStats   = map[string]int{}
	srvSink    int64
)

//go:noinline
func srvAcceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go srvHandleConn(c)
	}
}

//go:noinline
func srvHandleConn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		srvStatsMu.Lock()
		srvStats[c.RemoteAddr().String()]++
		srvStatsMu.Unlock()
		if _, err := c.Write([]byte(strings.ToUpper(line))); err != nil {
			return
		}
	}
}

//go:noinline
func srvClient(addr string, id int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	r := bufio.NewReader(c)
	for i := 0; ; i++ {
		fmt.Fprintf(c, "req %d %d\n", id, i)
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
		time.Sleep(3 * time.Millisecond)
	}
}

//go:noinline
func srvReporter() {
	for {
		time.Sleep(10 * time.Millisecond)
		srvStatsMu.RLock()
		n := 0
		for _, v := range srvStats {
			n += v
		}
		srvStatsMu.RUnlock()
		atomic.StoreInt64(&srvSink, int64(n))
	}
}

func startTraffic() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srvAcceptLoop(ln)
	for i := 0; i < 3; i++ {
		go srvClient(ln.Addr().String(), i)
	}
	go srvReporter()
}
