// Early return through a recovered panic: handleUpload starts
// renderThumbnail and then panics on a refused file type; its deferred
// recover turns the panic into an error and the function returns without
// reading the thumbnail channel. Two refused uploads leave two
// renderThumbnail goroutines in chan send.
//
// Beside the bug runs healthy traffic: a scheduler (5 ticker loops reading
// an RWMutex config, a reloader, a supervisor in WaitGroup.Wait).
package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:noinline
func renderThumbnail(path string, out chan<- []byte) {
	time.Sleep(3 * time.Millisecond)
	out <- make([]byte, 32+len(path))
}

//go:noinline
func handleUpload(path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("upload %s: %v", path, r)
		}
	}()
	out := make(chan []byte)
	go renderThumbnail(path, out)
	if strings.HasSuffix(path, ".exe") {
		panic("refused file type") // bug: out is never read on this path
	}
	<-out
	return nil
}

func setup() {
	startTraffic()
	for _, p := range []string{"a.png", "setup.exe", "b.jpg", "tool.exe"} {
		go handleUpload(p)
	}
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
