// AB-BA between a parent and a child node: childSync locks the child then
// its parent (bubbleUp); parentSync locks the parent then the child
// (pushDown). The mutexes are the last field of the nodes, not at offset 0.
// A nodeStats goroutine queues on the parent.
//
// Beside the bug runs healthy traffic: an event bus (sync.Cond queue with 3
// consumers, a producer, 4 select subscribers, a publisher).
package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

type treeNode struct {
	key    string
	parent *treeNode
	count  int
	mu     sync.Mutex
}

//go:noinline
func (n *treeNode) bubbleUp() {
	n.mu.Lock()
	defer n.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	n.parent.mu.Lock()
	n.parent.count += n.count
	n.parent.mu.Unlock()
}

//go:noinline
func (n *treeNode) pushDown(c *treeNode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	c.mu.Lock()
	c.count = n.count
	c.mu.Unlock()
}

//go:noinline
func childSync(c *treeNode) { c.bubbleUp() }

//go:noinline
func parentSync(p, c *treeNode) { p.pushDown(c) }

//go:noinline
func nodeStats(n *treeNode) int {
	time.Sleep(60 * time.Millisecond)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.count
}

func setup() {
	startTraffic()
	p := &treeNode{key: "root", count: 3}
	c := &treeNode{key: "leaf", parent: p, count: 1}
	go childSync(c)
	go parentSync(p, c)
	go nodeStats(p)
}

// ---- healthy traffic: an event bus. A producer feeds a sync.Cond queue that
// three consumers drain; a publisher fans events out to four subscribers that
// each select on their channel and the bus context ----

type busQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

var (
	busQ                = newBusQueue()
	busCtx, busShutdown = context.WithCancel(context.Background())
	busSubs             []chan int
	busSink             int64
)

func newBusQueue() *busQueue {
	q := &busQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

//go:noinline
func busConsumer(q *busQueue) {
	for {
		q.mu.Lock()
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		it := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		atomic.AddInt64(&busSink, int64(it))
	}
}

//go:noinline
func busProducer(q *busQueue) {
	t := time.NewTicker(3 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		q.mu.Lock()
		q.items = append(q.items, i)
		q.mu.Unlock()
		q.cond.Signal()
	}
}

//go:noinline
func busSubscriber(ctx context.Context, in <-chan int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-in:
			atomic.AddInt64(&busSink, int64(v))
		}
	}
}

//go:noinline
func busPublisher() {
	t := time.NewTicker(4 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-busCtx.Done():
			return
		case <-t.C:
		}
		for _, s := range busSubs {
			select {
			case s <- i:
			default:
			}
		}
	}
}

func startTraffic() {
	for i := 0; i < 3; i++ {
		go busConsumer(busQ)
	}
	go busProducer(busQ)
	for i := 0; i < 4; i++ {
		s := make(chan int, 1)
		busSubs = append(busSubs, s)
		go busSubscriber(busCtx, s)
	}
	go busPublisher()
}
