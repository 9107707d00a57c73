// One real AB-BA deadlock (hiddenTransferAB / hiddenTransferBA) hidden among
// ~500 healthy, busy goroutines: pool workers idle on a job channel fed by a
// ticker dispatcher, periodic sleepers, timer waits, loopback TCP connections
// whose both ends sit in IO wait (one side is written to periodically), and a
// briefly contended mutex whose holder keeps making progress.
package main

import (
	"io"
	"net"
	"sync"
	"time"
)

var (
	sinkHidden int64
	hotMu      sync.Mutex
	keepConns  []net.Conn // connections stay reachable: live service state
)

type ledger struct {
	mu      sync.Mutex
	name    string
	balance int64
}

//go:noinline
func hiddenTransferAB(a, b *ledger) {
	a.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	b.mu.Lock()
	a.balance--
	b.balance++
	b.mu.Unlock()
	a.mu.Unlock()
}

//go:noinline
func hiddenTransferBA(a, b *ledger) {
	b.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	a.mu.Lock()
	b.balance--
	a.balance++
	a.mu.Unlock()
	b.mu.Unlock()
}

//go:noinline
func busyPoolWorker(jobs <-chan int) {
	for j := range jobs {
		hotMu.Lock()
		sinkHidden += int64(j)
		hotMu.Unlock()
	}
}

//go:noinline
func busyDispatcher(jobs chan<- int) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-t.C:
			select {
			case jobs <- i:
			default:
			}
		}
	}
}

//go:noinline
func periodicSleeper(d time.Duration) {
	for {
		time.Sleep(d)
	}
}

//go:noinline
func timerWaiter(d time.Duration) {
	for {
		select {
		case <-time.After(d):
		}
	}
}

//go:noinline
func hotLockUser() {
	for {
		hotMu.Lock()
		time.Sleep(500 * time.Microsecond)
		hotMu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

//go:noinline
func connServer(c net.Conn) {
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

//go:noinline
func connClient(c net.Conn, every time.Duration) {
	for {
		time.Sleep(every)
		if _, err := io.WriteString(c, "ping"); err != nil {
			return
		}
	}
}

//go:noinline
func acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go connServer(c)
	}
}

func setup() {
	jobs := make(chan int)
	for i := 0; i < 200; i++ {
		go busyPoolWorker(jobs)
	}
	go busyDispatcher(jobs)
	for i := 0; i < 100; i++ {
		go periodicSleeper(time.Duration(5+i%20) * time.Millisecond)
	}
	for i := 0; i < 50; i++ {
		go timerWaiter(time.Duration(100+i) * time.Millisecond)
	}
	for i := 0; i < 8; i++ {
		go hotLockUser()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go acceptLoop(ln)
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		keepConns = append(keepConns, c)
		go connClient(c, time.Duration(1+i%3)*time.Second)
	}
	// The bug, started in the middle of everything else.
	a, b := &ledger{name: "settlement"}, &ledger{name: "fees"}
	go hiddenTransferAB(a, b)
	go hiddenTransferBA(a, b)
	for i := 0; i < 10; i++ {
		go timerWaiter(time.Duration(1+i) * time.Second)
	}
}
