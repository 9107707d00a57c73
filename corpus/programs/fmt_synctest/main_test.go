package main

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Go 1.25+: synctest.Test; every goroutine of the bubble blocks durably.
func TestBubbleDeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
		go func() { var n chan int; <-n }()
		<-c
	})
}
