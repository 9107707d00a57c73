// A goroutine that sends on an unbuffered channel only it holds, meaning to
// read it back afterwards: selfNotify blocks in chan send forever. Two of
// them.
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

//go:noinline
func selfNotify(name string) {
	done := make(chan string)
	done <- name // bug: nobody else can receive
	_ = <-done
}

func setup() {
	startTraffic()
	go selfNotify("rebalance")
	go selfNotify("compact")
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
