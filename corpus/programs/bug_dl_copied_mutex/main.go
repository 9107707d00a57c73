// Double locking through a copied mutex: settings.lookup has a value
// receiver, so (*settings).update, which holds s.mu, copies the struct with
// its mutex locked and then locks the copy, which nobody will ever unlock.
// Two settingsReader goroutines queue on the original s.mu.
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

type settings struct {
	mu     sync.Mutex
	values map[string]string
}

//go:noinline
func (s settings) lookup(k string) string { // bug: value receiver copies s.mu
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[k]
}

//go:noinline
func (s *settings) update(k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[k] = v
	_ = s.lookup(k) // the copy is taken while s.mu is held
}

//go:noinline
func settingsWriter(s *settings) {
	time.Sleep(5 * time.Millisecond)
	s.update("region", "eu-west")
}

//go:noinline
func settingsReader(s *settings, k string) string {
	time.Sleep(30 * time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values[k]
}

func setup() {
	startTraffic()
	s := &settings{values: map[string]string{}}
	go settingsWriter(s)
	go settingsReader(s, "region")
	go settingsReader(s, "zone")
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
