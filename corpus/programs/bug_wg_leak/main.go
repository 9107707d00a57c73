// WaitGroup.Wait that can never return: the three workers that should call
// Done are blocked receiving on a channel nobody will ever send on or close.
// The finding is the waiter together with the stuck workers.
package main

import "sync"

var sinkWG int

//go:noinline
func wgWorkerStuckOnChan(wg *sync.WaitGroup, tasks <-chan int) {
	defer wg.Done()
	sinkWG += <-tasks
}

//go:noinline
func wgWaiterForever(wg *sync.WaitGroup) {
	wg.Wait()
	sinkWG++
}

func setup() {
	wg := new(sync.WaitGroup)
	tasks := make(chan int)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go wgWorkerStuckOnChan(wg, tasks)
	}
	go wgWaiterForever(wg)
}
