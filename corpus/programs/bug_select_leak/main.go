// Leaks in a select: fetchWithCancel waits for either its result channel or
// ctx.Done(), but the context is context.Background() (Done() is nil: never
// fires) and the only sender on the result channel already gave up; 10 such
// goroutines. Also 10 streamReaderLeak goroutines in a two-case select on
// channels that only they still reference.
package main

import (
	"context"
	"time"
)

var sinkSelect int

//go:noinline
func fetchWithCancel(ctx context.Context, res <-chan int) {
	select {
	case v := <-res:
		sinkSelect += v
	case <-ctx.Done():
	}
}

//go:noinline
func streamReaderLeak(data <-chan []byte, errs <-chan error) {
	for {
		select {
		case b := <-data:
			sinkSelect += len(b)
		case err := <-errs:
			if err != nil {
				return
			}
		}
	}
}

//go:noinline
func startFetches(n int) {
	for i := 0; i < n; i++ {
		res := make(chan int)
		go fetchWithCancel(context.Background(), res)
		// the producer that would send on res was never started
	}
}

func setup() {
	startFetches(10)
	for i := 0; i < 10; i++ {
		go streamReaderLeak(make(chan []byte), make(chan error))
	}
	time.Sleep(time.Millisecond)
}
