// Package queue hands items to a consumer.
// Bug: Drain waits until every item was handled, but Push adds to the WaitGroup once per
// item and the consumer calls Done only for items it did not skip.
package queue

import "sync"

type Queue struct {
	items   chan string
	pending sync.WaitGroup
	seen    []string
}

func New() *Queue {
	q := &Queue{items: make(chan string, 16)}
	go q.consume()
	return q
}

func (q *Queue) Push(s string) {
	q.pending.Add(1)
	q.items <- s
}

func (q *Queue) Drain() []string {
	q.pending.Wait() // BLOCKS: lost-done
	return q.seen
}

func (q *Queue) consume() {
	for s := range q.items {
		if s == "" {
			continue // forgets q.pending.Done()
		}
		q.seen = append(q.seen, s)
		q.pending.Done()
	}
}
