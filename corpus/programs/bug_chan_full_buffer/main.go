// Send on a full buffered channel after the consumer left: auditConsumer
// stops when quit is closed (5ms in); auditShipper keeps producing, fills
// the 4-slot buffer and blocks in chan send forever.
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

var auditShipped int64

//go:noinline
func auditShipper(events chan<- string) {
	for i := 0; ; i++ {
		events <- fmt.Sprintf("event-%d", i)
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func auditConsumer(events <-chan string, quit <-chan struct{}) {
	for {
		select {
		case e := <-events:
			atomic.AddInt64(&auditShipped, int64(len(e)))
		case <-quit:
			return // bug: the shipper is never told
		}
	}
}

func setup() {
	startTraffic()
	events := make(chan string, 4)
	quit := make(chan struct{})
	go auditShipper(events)
	go auditConsumer(events, quit)
	time.AfterFunc(5*time.Millisecond, func() { close(quit) })
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
