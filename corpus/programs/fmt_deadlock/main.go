// fmt_deadlock: every goroutine blocks forever; the harness's select{} in
// main completes the deadlock.
package main

import "sync"

var (
	never = make(chan int)
	mu    sync.Mutex
	wg    sync.WaitGroup
)

func setup() {
	mu.Lock()
	wg.Add(1)
	go func() { <-never }()
	go func() { never <- 1 }()
	go func() { mu.Lock() }()
	go func() { wg.Wait() }()
	go func() { var c chan int; <-c }()
}
