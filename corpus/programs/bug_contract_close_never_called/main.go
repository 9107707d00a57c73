// Method contract violation: newTailer starts (*tailer).loop, which runs
// until Close closes t.quit. The callers open three tailers, read nothing
// and drop them without calling Close; each loop stays in select on
// channels only it holds.
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

type tailer struct {
	path  string
	lines chan string
	quit  chan struct{}
	seen  int
}

//go:noinline
func newTailer(path string) *tailer {
	t := &tailer{path: path, lines: make(chan string), quit: make(chan struct{})}
	go t.loop()
	return t
}

//go:noinline
func (t *tailer) loop() {
	for {
		select {
		case <-t.quit:
			return
		case l := <-t.lines:
			t.seen += len(l)
		}
	}
}

//go:noinline
func (t *tailer) Close() { close(t.quit) }

//go:noinline
func inspectLogs(paths []string) int {
	n := 0
	for _, p := range paths {
		t := newTailer(p)
		n += len(t.path)
		// bug: t.Close() is never called
	}
	return n
}

func setup() {
	startTraffic()
	inspectLogs([]string{"/var/log/a", "/var/log/b", "/var/log/c"})
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
