// AB-BA across an RWMutex and a Mutex: restock holds the inventory's write
// lock and wants the order book's mutex; placeOrder holds the order book
// and wants a read lock on the inventory. A stockViewer reader queues on
// the inventory.
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

type inventory struct {
	name  string
	mu    sync.RWMutex
	stock map[string]int
}

type orderBook struct {
	name   string
	mu     sync.Mutex
	orders []string
}

//go:noinline
func restock(inv *inventory, ob *orderBook) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.stock["widget"] += 10
	time.Sleep(20 * time.Millisecond)
	ob.mu.Lock()
	ob.orders = append(ob.orders, "restocked")
	ob.mu.Unlock()
}

//go:noinline
func placeOrder(inv *inventory, ob *orderBook) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.orders = append(ob.orders, "widget")
	time.Sleep(20 * time.Millisecond)
	inv.mu.RLock()
	_ = inv.stock["widget"]
	inv.mu.RUnlock()
}

//go:noinline
func stockViewer(inv *inventory) {
	time.Sleep(60 * time.Millisecond)
	inv.mu.RLock()
	_ = len(inv.stock)
	inv.mu.RUnlock()
}

func setup() {
	startTraffic()
	inv := &inventory{name: "warehouse", stock: map[string]int{"widget": 1}}
	ob := &orderBook{name: "retail"}
	go restock(inv, ob)
	go placeOrder(inv, ob)
	go stockViewer(inv)
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
