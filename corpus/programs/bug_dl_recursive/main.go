// Recursive double locking: (*dirNode).totalSize locks the tree-wide mutex
// and recurses into the children, whose totalSize locks the same mutex
// again. runDuScan deadlocks on itself at the first child; an fsMkdir
// goroutine queues on the tree lock.
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

type fsTree struct {
	name string
	mu   sync.Mutex
	root *dirNode
}

type dirNode struct {
	tree     *fsTree
	size     int
	children []*dirNode
}

var duTotal int64

//go:noinline
func (n *dirNode) totalSize() int {
	n.tree.mu.Lock()
	defer n.tree.mu.Unlock()
	t := n.size
	for _, c := range n.children {
		t += c.totalSize() // bug: the recursion locks the tree again
	}
	return t
}

//go:noinline
func runDuScan(t *fsTree) {
	time.Sleep(5 * time.Millisecond)
	atomic.StoreInt64(&duTotal, int64(t.root.totalSize()))
}

//go:noinline
func fsMkdir(t *fsTree, size int) {
	time.Sleep(30 * time.Millisecond)
	t.mu.Lock()
	t.root.children = append(t.root.children, &dirNode{tree: t, size: size})
	t.mu.Unlock()
}

func setup() {
	startTraffic()
	t := &fsTree{name: "/srv"}
	t.root = &dirNode{tree: t, size: 4}
	t.root.children = []*dirNode{{tree: t, size: 1}, {tree: t, size: 2}}
	go runDuScan(t)
	go fsMkdir(t, 7)
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
