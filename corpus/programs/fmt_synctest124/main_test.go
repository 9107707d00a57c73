package main

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Go 1.24 with GOEXPERIMENT=synctest: synctest.Run; every goroutine of the
// bubble blocks, so Run panics "deadlock: all goroutines in bubble are blocked".
func TestBubbleDeadlock(t *testing.T) {
	synctest.Run(func() {
		c := make(chan int)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { <-c }()
		go func() { time.Sleep(time.Hour) }()
		go func() {
			select {
			case <-c:
			case c <- 1:
			}
		}()
		go func() { wg.Wait() }()
		<-c
	})
}
