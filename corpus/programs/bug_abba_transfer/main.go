// AB-BA in a bank transfer: transfer locks the source account, then the
// destination. payrollRun moves money from ops to staff while refundRun
// moves it from staff to ops, so each holds the lock the other wants. Each
// account's mutex is a field after its id. Three balanceCheck goroutines
// queue behind the cycle.
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

type account struct {
	id      int
	mu      sync.Mutex
	balance int64
}

//go:noinline
func transfer(from, to *account, amt int64) {
	from.mu.Lock()
	defer from.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	to.mu.Lock()
	defer to.mu.Unlock()
	from.balance -= amt
	to.balance += amt
}

//go:noinline
func payrollRun(ops, staff *account) {
	transfer(ops, staff, 500)
}

//go:noinline
func refundRun(ops, staff *account) {
	transfer(staff, ops, 20)
}

//go:noinline
func balanceCheck(a *account) int64 {
	time.Sleep(60 * time.Millisecond)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance
}

func setup() {
	startTraffic()
	ops, staff := &account{id: 1, balance: 10000}, &account{id: 2}
	go payrollRun(ops, staff)
	go refundRun(ops, staff)
	go balanceCheck(ops)
	go balanceCheck(staff)
	go balanceCheck(ops)
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
