// Condition variable, lock and channel: stageGate takes the Cond's lock,
// sets open, broadcasts and then, still holding the lock, hands work to the
// runner over an unbuffered channel. stageRunner, woken from Cond.Wait,
// must re-take the lock before it can return and receive: it waits in
// Mutex.Lock inside Cond.Wait.
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

type stage struct {
	name    string
	mu      sync.Mutex
	cond    *sync.Cond
	open    bool
	handoff chan string
}

//go:noinline
func stageRunner(s *stage) {
	s.mu.Lock()
	for !s.open {
		s.cond.Wait()
	}
	s.mu.Unlock()
	_ = <-s.handoff
}

//go:noinline
func stageGate(s *stage) {
	time.Sleep(10 * time.Millisecond)
	s.mu.Lock()
	s.open = true
	s.cond.Broadcast()
	s.handoff <- "job-1" // bug: still holding s.mu
	s.mu.Unlock()
}

func setup() {
	startTraffic()
	s := &stage{name: "render", handoff: make(chan string)}
	s.cond = sync.NewCond(&s.mu)
	go stageRunner(s)
	go stageGate(s)
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
