// A healthy worker pool: 64 workers idle on a job channel, a dispatcher in a
// select loop with a ticker that feeds them, and a coordinator in
// WaitGroup.Wait on a batch of workers that are making progress (sleeping in
// small steps until their batch is done, far beyond the capture time).
package main

import (
	"sync"
	"time"
)

var (
	processed int64
	procMu    sync.Mutex
)

//go:noinline
func idlePoolWorker(jobs <-chan int, results chan<- int) {
	for j := range jobs {
		results <- j * 2
	}
}

//go:noinline
func dispatcherLoop(jobs chan<- int, results <-chan int, quit <-chan struct{}) {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-t.C:
			select {
			case jobs <- n:
				n++
			default:
			}
		case r := <-results:
			procMu.Lock()
			processed += int64(r)
			procMu.Unlock()
		case <-quit:
			return
		}
	}
}

//go:noinline
func batchStepWorker(wg *sync.WaitGroup, steps int) {
	defer wg.Done()
	for i := 0; i < steps; i++ {
		time.Sleep(10 * time.Millisecond)
	}
}

//go:noinline
func batchCoordinator(wg *sync.WaitGroup, quit chan struct{}) {
	wg.Wait()
	close(quit)
}

func setup() {
	jobs := make(chan int)
	results := make(chan int, 16)
	quit := make(chan struct{})
	for i := 0; i < 64; i++ {
		go idlePoolWorker(jobs, results)
	}
	go dispatcherLoop(jobs, results, quit)
	wg := new(sync.WaitGroup)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go batchStepWorker(wg, 6000) // ~60s of progress
	}
	go batchCoordinator(wg, quit)
}
