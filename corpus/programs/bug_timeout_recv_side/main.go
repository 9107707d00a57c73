// Timeout leak on the receiving side: submitWithDeadline starts
// serveOneRequest, which waits to receive the request, then builds the
// request body too slowly, sees its 2ms deadline has passed and returns
// without sending. Three serveOneRequest goroutines stay in chan receive.
//
// Beside the bug runs healthy traffic: a loopback TCP server with 3
// clients, per-connection handlers and a stats reporter.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type request struct {
	id   int
	body string
}

var requestsServed int64

//go:noinline
func serveOneRequest(in <-chan request) {
	r := <-in
	atomic.AddInt64(&requestsServed, int64(r.id))
}

//go:noinline
func buildBody(id int) string {
	time.Sleep(10 * time.Millisecond)
	return fmt.Sprintf("payload-%d", id)
}

//go:noinline
func submitWithDeadline(id int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	in := make(chan request)
	go serveOneRequest(in)
	body := buildBody(id)
	if err := ctx.Err(); err != nil {
		return err // bug: serveOneRequest still waits for its request
	}
	in <- request{id: id, body: body}
	return nil
}

func setup() {
	startTraffic()
	for i := 0; i < 3; i++ {
		go submitWithDeadline(i)
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
