// Lost wake-up: flushAndNotify sets flushed and calls Signal before anyone
// waits, then exits. The two awaitFlush goroutines come later and call
// Cond.Wait without checking the predicate, so nothing will ever wake them.
//
// Beside the bug runs healthy traffic: a scheduler (5 ticker loops reading
// an RWMutex config, a reloader, a supervisor in WaitGroup.Wait).
package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type flushGate struct {
	name    string
	mu      sync.Mutex
	cond    *sync.Cond
	flushed bool
}

//go:noinline
func flushAndNotify(g *flushGate) {
	g.mu.Lock()
	g.flushed = true
	g.mu.Unlock()
	g.cond.Signal()
}

//go:noinline
func awaitFlush(g *flushGate) {
	time.Sleep(20 * time.Millisecond)
	g.mu.Lock()
	g.cond.Wait() // bug: no "for !g.flushed" loop, the signal is already gone
	g.mu.Unlock()
}

func setup() {
	startTraffic()
	g := &flushGate{name: "wal"}
	g.cond = sync.NewCond(&g.mu)
	go flushAndNotify(g)
	go awaitFlush(g)
	go awaitFlush(g)
}

// ---- healthy traffic: a scheduler. Five per-target loops tick and read an
// RWMutex-guarded config, a reloader rewrites it, and a supervisor waits in
// WaitGroup.Wait for the loops (which run for the life of the process) ----

type schedTarget struct {
	name     string
	interval time.Duration
}

var (
	schedCtx, schedStop = context.WithCancel(context.Background())
	schedWG             sync.WaitGroup
	schedCfgMu          sync.RWMutex
	schedCfg            = map[string]int{}
	schedSink           int64
)

//go:noinline
func schedLoop(ctx context.Context, t *schedTarget) {
	defer schedWG.Done()
	tk := time.NewTicker(t.interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			schedCfgMu.RLock()
			v := schedCfg[t.name]
			schedCfgMu.RUnlock()
			atomic.AddInt64(&schedSink, int64(v))
		}
	}
}

//go:noinline
func schedReloader() {
	for i := 0; ; i++ {
		time.Sleep(7 * time.Millisecond)
		schedCfgMu.Lock()
		schedCfg[fmt.Sprintf("target-%d", i%5)] = i
		schedCfgMu.Unlock()
	}
}

//go:noinline
func schedSupervisor() {
	schedWG.Wait()
	schedStop()
}

func startTraffic() {
	for i := 0; i < 5; i++ {
		schedWG.Add(1)
		go schedLoop(schedCtx, &schedTarget{name: fmt.Sprintf("target-%d", i), interval: time.Duration(2+i) * time.Millisecond})
	}
	go schedReloader()
	go schedSupervisor()
}
