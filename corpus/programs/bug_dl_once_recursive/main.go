// Double locking through sync.Once: (*pluginSet).init, run by p.once.Do,
// calls p.load, which calls p.once.Do again; the inner Do waits on the
// Once's own mutex, held by the outer Do of the same goroutine. A
// pluginUser arrives later and waits on the same Once.
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

type pluginSet struct {
	name   string
	once   sync.Once
	loaded []string
}

//go:noinline
func (p *pluginSet) load() {
	p.once.Do(p.init)
}

//go:noinline
func (p *pluginSet) init() {
	p.loaded = append(p.loaded, "core")
	p.load() // bug: re-enters once.Do from inside it
}

//go:noinline
func pluginBoot(p *pluginSet) {
	time.Sleep(5 * time.Millisecond)
	p.load()
}

//go:noinline
func pluginUser(p *pluginSet) {
	time.Sleep(30 * time.Millisecond)
	p.load()
}

func setup() {
	startTraffic()
	p := &pluginSet{name: "codecs"}
	go pluginBoot(p)
	go pluginUser(p)
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
