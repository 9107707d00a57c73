// prodgen: a real Go program that puts N goroutines into production-like shapes and writes
// runtime.Stack(buf, true) of all of them to a file, unedited.
//
//	go run . -n 100000 -o /tmp/prodgen-100000.txt
//
// Shapes: each goroutine enters through a server-like chain (accept loop -> conn handler ->
// middleware layers -> a recursive router -> a service call), about 20 frames deep on average
// (the depth varies per goroutine), with pointer, string, interface, slice and integer arguments
// that differ per goroutine. It then blocks in one of a realistic mix of states: chan receive /
// send, select, sync.Mutex.Lock on a few hundred contended mutexes (each held by a goroutine that
// itself waits on a channel), sync.RWMutex (readers behind a writer), sync.WaitGroup.Wait,
// sync.Cond.Wait, sleep, IO wait on a few hundred loopback TCP connections (readers behind them
// queue on the fd lock), nil channels and empty selects. "N minutes" headers need goroutines
// blocked for over a minute, which a benchmark does not wait for.
//
// The process never unblocks its goroutines: it exits after writing the file.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type request struct {
	id      int
	path    string
	payload []byte
	attrs   map[string]string
	next    *request
}

type handler interface{ serve(r *request, depth int) }

type tenant struct {
	name string
	mu   sync.Mutex
	rw   sync.RWMutex
	cond *sync.Cond
	wg   sync.WaitGroup
	in   chan *request
	out  chan *request
	conn net.Conn
}

var (
	nMutex  = flag.Int("mutexes", 300, "contended mutexes (each held by one goroutine)")
	nConns  = flag.Int("conns", 200, "loopback TCP connections read from (IO wait)")
	ready   sync.WaitGroup
	started atomic.Int64
	tenants []*tenant
	nilCh   chan int
	keep    []net.Conn
)

// ------------------------------------------------------------------ the chain

//go:noinline
func acceptLoop(t *tenant, r *request, depth int) {
	handleConn(t, r, r.path, depth)
}

//go:noinline
func handleConn(t *tenant, r *request, path string, depth int) {
	var h handler = &router{t: t}
	withLogging(h, r, r.payload, depth)
}

//go:noinline
func withLogging(h handler, r *request, body []byte, depth int) {
	withAuth(h, r, r.id, depth)
}

//go:noinline
func withAuth(h handler, r *request, uid int, depth int) {
	withTimeout(h, r, time.Duration(uid)*time.Millisecond, depth)
}

//go:noinline
func withTimeout(h handler, r *request, d time.Duration, depth int) {
	h.serve(r, depth)
}

type router struct{ t *tenant }

//go:noinline
func (rt *router) serve(r *request, depth int) {
	rt.route(r, r.path, depth)
}

// route recurses: the dump shows the same function at many depths, as a real
// tree walk or middleware stack does.
//
//go:noinline
func (rt *router) route(r *request, seg string, depth int) {
	if depth > 0 {
		if depth%3 == 0 {
			rt.decode(r, r.payload[:depth%len(r.payload)], depth-1)
			return
		}
		rt.route(r, seg, depth-1)
		return
	}
	rt.call(r, any(r.attrs), r.id)
}

//go:noinline
func (rt *router) decode(r *request, b []byte, depth int) {
	rt.route(r, r.path, depth)
}

//go:noinline
func (rt *router) call(r *request, v any, n int) {
	block(rt.t, r, n%100)
}

// ------------------------------------------------------------------ blocking

//go:noinline
func block(t *tenant, r *request, kind int) {
	ready.Done()
	switch {
	case kind < 28: // mutex contention
		lockMutex(t, r)
	case kind < 46:
		recvChan(t.in, r)
	case kind < 54:
		sendChan(t.out, r)
	case kind < 64:
		selectWait(t, r, time.Hour)
	case kind < 70:
		readLocked(t, r)
	case kind < 76:
		waitGroup(t, r)
	case kind < 81:
		condWait(t, r)
	case kind < 88:
		sleepLong(r, time.Duration(24+r.id%5)*time.Hour)
	case kind < 94:
		readConn(t, r)
	case kind < 97:
		<-nilCh
	default:
		select {}
	}
}

//go:noinline
func lockMutex(t *tenant, r *request) {
	t.mu.Lock()
	t.mu.Unlock()
}

//go:noinline
func recvChan(c chan *request, r *request) { <-c }

//go:noinline
func sendChan(c chan *request, r *request) { c <- r }

//go:noinline
func selectWait(t *tenant, r *request, d time.Duration) {
	tm := time.NewTimer(d)
	select {
	case <-t.in:
	case t.out <- r:
	case <-tm.C:
	}
}

//go:noinline
func readLocked(t *tenant, r *request) {
	if r.id%7 == 0 {
		t.rw.Lock() // a writer queued behind the holder; readers queue behind it
		t.rw.Unlock()
		return
	}
	t.rw.RLock()
	t.rw.RUnlock()
}

//go:noinline
func waitGroup(t *tenant, r *request) { t.wg.Wait() }

//go:noinline
func condWait(t *tenant, r *request) {
	t.cond.L.Lock()
	for {
		t.cond.Wait()
	}
}

//go:noinline
func sleepLong(r *request, d time.Duration) { time.Sleep(d) }

//go:noinline
func readConn(t *tenant, r *request) {
	if t.conn == nil {
		<-t.in
		return
	}
	buf := make([]byte, 16)
	t.conn.Read(buf)
}

// ------------------------------------------------------------------ holders

//go:noinline
func holdMutex(t *tenant, held chan struct{}) {
	t.mu.Lock()
	t.rw.Lock()
	t.wg.Add(1)
	close(held)
	<-t.in // never sent: the mutex stays held
}

func main() {
	n := flag.Int("n", 10000, "goroutines to spawn")
	out := flag.String("o", "", "output file (default prodgen-<n>.txt)")
	depthMean := flag.Int("depth", 18, "mean frames per goroutine (approximate)")
	sigquit := flag.Bool("sigquit", false, "instead of runtime.Stack, send this process SIGQUIT: the runtime "+
		"prints its own dump on stderr and exits (set GOTRACEBACK=system or crash for gp=/m= headers and registers)")
	flag.Parse()
	if *out == "" {
		*out = fmt.Sprintf("prodgen-%d.txt", *n)
	}
	debug.SetGCPercent(400)
	tenants = make([]*tenant, *nMutex)
	for i := range tenants {
		t := &tenant{name: fmt.Sprintf("tenant-%d", i), in: make(chan *request), out: make(chan *request)}
		t.cond = sync.NewCond(&sync.Mutex{})
		held := make(chan struct{})
		go holdMutex(t, held)
		<-held
		tenants[i] = t
	}
	// loopback connections that never receive data
	if *nConns > 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			accepted := make(chan net.Conn)
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					accepted <- c
				}
			}()
			for i := 0; i < *nConns && i < len(tenants); i++ {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					break
				}
				keep = append(keep, <-accepted) // the server side must stay open (and reachable)
				tenants[i].conn = c
			}
		}
	}
	// frames outside the chain: runtime + blocking helper (~3-6) + chain (~8) + route depth
	base := 12
	spread := 2 * (*depthMean - base)
	if spread < 1 {
		spread = 1
	}
	ready.Add(*n)
	for i := 0; i < *n; i++ {
		t := tenants[int(uint32(i)*2654435761>>8)%len(tenants)]
		payload := make([]byte, 1+i%61)
		r := &request{id: i, path: fmt.Sprintf("/api/v1/items/%d", i), payload: payload,
			attrs: map[string]string{"k": t.name}}
		depth := int(uint32(i)*40503>>4) % (spread + 1)
		go acceptLoop(t, r, depth)
	}
	ready.Wait()
	// let the last goroutines reach their parking point
	time.Sleep(500*time.Millisecond + time.Duration(*n/1000)*10*time.Millisecond)
	for i := 0; i < 10; i++ {
		runtime.Gosched()
	}
	if *sigquit {
		runtime.KeepAlive(keep)
		_ = syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		select {}
	}
	size := *n*2200 + 1<<20
	for {
		buf := make([]byte, size)
		m := runtime.Stack(buf, true)
		if m < len(buf) {
			if err := os.WriteFile(*out, buf[:m], 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			runtime.KeepAlive(keep)
			fmt.Fprintf(os.Stderr, "prodgen: %d goroutines, %d bytes -> %s\n", runtime.NumGoroutine(), m, *out)
			return
		}
		buf = nil
		size *= 2
	}
}
