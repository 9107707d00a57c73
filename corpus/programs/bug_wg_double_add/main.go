// Add/Done mismatch: awaitUploads adds 1 per part and so does uploadPart
// itself, which calls Done once; the counter never reaches zero and
// awaitUploads waits forever after every part finished.
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

var partsUploaded int64

//go:noinline
func uploadPart(wg *sync.WaitGroup, part int) {
	wg.Add(1) // bug: the caller already added this part
	defer wg.Done()
	time.Sleep(time.Millisecond)
	atomic.AddInt64(&partsUploaded, int64(part))
}

//go:noinline
func awaitUploads(parts int) {
	var wg sync.WaitGroup
	for i := 0; i < parts; i++ {
		wg.Add(1)
		go uploadPart(&wg, i)
	}
	wg.Wait()
}

func setup() {
	startTraffic()
	go awaitUploads(3)
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
