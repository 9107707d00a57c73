// Lock held across a blocking send: metricProducer holds m.mu while it
// hands a full batch to the flusher on an unbuffered channel; metricFlusher
// takes m.mu to read its counters before each receive, so it waits for the
// lock the producer holds.
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

type metricSink struct {
	name    string
	mu      sync.Mutex
	points  []int
	flushed int
	flushC  chan []int
}

//go:noinline
func (m *metricSink) add(p int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.points = append(m.points, p)
	if len(m.points) >= 4 {
		m.flushC <- m.points // bug: blocking send under m.mu
		m.points = nil
	}
}

//go:noinline
func metricProducer(m *metricSink) {
	for i := 0; i < 8; i++ {
		m.add(i)
	}
}

//go:noinline
func metricFlusher(m *metricSink) {
	for {
		time.Sleep(10 * time.Millisecond)
		m.mu.Lock()
		n := m.flushed
		m.mu.Unlock()
		batch := <-m.flushC
		m.flushed = n + len(batch)
	}
}

func setup() {
	startTraffic()
	m := &metricSink{name: "requests", flushC: make(chan []int)}
	go metricProducer(m)
	go metricFlusher(m)
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
