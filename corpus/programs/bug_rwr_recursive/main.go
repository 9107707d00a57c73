// RWR deadlock: (*featureFlags).enabledAll holds f.mu.RLock and calls
// f.enabled, which takes RLock again; in between flagUpdater has called
// Lock, so the second RLock waits behind the pending writer, which waits
// for the first read lock. A flagDashboard reader queues behind the writer.
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

type featureFlags struct {
	gen   int
	mu    sync.RWMutex
	flags map[string]bool
}

//go:noinline
func (f *featureFlags) enabled(k string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.flags[k]
}

//go:noinline
func (f *featureFlags) enabledAll(ks ...string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	time.Sleep(30 * time.Millisecond)
	for _, k := range ks {
		if !f.enabled(k) { // recursive read lock
			return false
		}
	}
	return true
}

//go:noinline
func flagEvaluator(f *featureFlags) {
	_ = f.enabledAll("search", "ranking")
}

//go:noinline
func flagUpdater(f *featureFlags) {
	time.Sleep(10 * time.Millisecond)
	f.mu.Lock()
	f.flags["beta"] = true
	f.gen++
	f.mu.Unlock()
}

//go:noinline
func flagDashboard(f *featureFlags) {
	time.Sleep(60 * time.Millisecond)
	_ = f.enabled("search")
}

func setup() {
	startTraffic()
	f := &featureFlags{flags: map[string]bool{"search": true, "ranking": true}}
	go flagEvaluator(f)
	go flagUpdater(f)
	go flagDashboard(f)
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
