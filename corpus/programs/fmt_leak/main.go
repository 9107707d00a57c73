// fmt_leak: goroutines blocked on channels nobody else can reach, for the
// 1.26+ goroutineleak profile (mode leak) and the "(leaked)" status.
package main

import (
	"sync"
	"time"
)

var never = make(chan int) // reachable: not a leak

//go:noinline
func leakSend() {
	c := make(chan int)
	go func() { c <- 1 }()
}

//go:noinline
func leakRecv() {
	c := make(chan string)
	go func() { <-c }()
}

//go:noinline
func leakSelect() {
	a, b := make(chan int), make(chan int)
	go func() {
		select {
		case <-a:
		case b <- 1:
		}
	}()
}

//go:noinline
func leakMutex() {
	var mu sync.Mutex
	mu.Lock()
	go func() { mu.Lock() }()
}

//go:noinline
func leakWaitGroup() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
}

func setup() {
	for i := 0; i < 3; i++ {
		leakSend()
	}
	leakRecv()
	leakSelect()
	leakMutex()
	leakWaitGroup()
	go func() { <-never }()
	go func() { time.Sleep(time.Hour) }()
}
