// Healthy look-alike (false-alarm class D): four event consumers wait in
// sync.Cond.Wait on a queue kept in a container/list; the producer is a
// re-arming time.AfterFunc callback that pushes an event and signals every
// 15ms, so no signaller goroutine is in the dump and nothing passes the
// queue as an argument.
package main

import (
	"container/list"
	"sync"
	"sync/atomic"
	"time"
)

type eventQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	events *list.List
}

var (
	eventsQ       = newEventQueue()
	eventsHandled int64
	eventSeq      int64
)

func newEventQueue() *eventQueue {
	q := &eventQueue{events: list.New()}
	q.cond = sync.NewCond(&q.mu)
	return q
}

//go:noinline
func eventConsumer(q *eventQueue) {
	for {
		q.mu.Lock()
		for q.events.Len() == 0 {
			q.cond.Wait()
		}
		e := q.events.Remove(q.events.Front()).(int64)
		q.mu.Unlock()
		atomic.AddInt64(&eventsHandled, e)
	}
}

func armProducer() {
	time.AfterFunc(15*time.Millisecond, func() {
		eventsQ.mu.Lock()
		eventsQ.events.PushBack(atomic.AddInt64(&eventSeq, 1))
		eventsQ.mu.Unlock()
		eventsQ.cond.Signal()
		armProducer()
	})
}

func setup() {
	for i := 0; i < 4; i++ {
		go eventConsumer(eventsQ)
	}
	armProducer()
}
