// Double locking through a callback: (*watchHub).Notify holds h.mu while it
// calls the registered watchers, and one watcher (made by reloadOnChange)
// calls h.Watch, which locks h.mu again. Two hubLateWatcher goroutines
// queue on h.mu.
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

type watchHub struct {
	name     string
	mu       sync.Mutex
	watchers []func(string)
}

//go:noinline
func (h *watchHub) Watch(fn func(string)) {
	h.mu.Lock()
	h.watchers = append(h.watchers, fn)
	h.mu.Unlock()
}

//go:noinline
func (h *watchHub) Notify(ev string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.watchers {
		w(ev) // bug: a watcher may call back into the hub
	}
}

func reloadOnChange(h *watchHub) func(string) {
	return func(ev string) {
		if ev == "config-changed" {
			h.Watch(func(string) {})
		}
	}
}

//go:noinline
func hubEventSource(h *watchHub) {
	time.Sleep(5 * time.Millisecond)
	h.Notify("config-changed")
}

//go:noinline
func hubLateWatcher(h *watchHub) {
	time.Sleep(30 * time.Millisecond)
	h.Watch(func(string) {})
}

func setup() {
	startTraffic()
	h := &watchHub{name: "config"}
	h.Watch(reloadOnChange(h))
	go hubEventSource(h)
	go hubLateWatcher(h)
	go hubLateWatcher(h)
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
