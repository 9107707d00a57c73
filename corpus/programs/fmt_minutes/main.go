// fmt_minutes: goroutines blocked for over a minute (", 1 minutes"). The
// generator waits STACKPARSE_SETTLE=65s; a GC after the goroutines block
// stamps their wait start (the runtime only records it during GC).
package main

import (
	"runtime"
	"sync"
	"time"
)

var (
	never = make(chan int)
	mu    sync.Mutex
)

func setup() {
	mu.Lock()
	go func() { <-never }()
	go func() { mu.Lock() }()
	go func() { time.Sleep(time.Hour) }()
	go func() { runtime.LockOSThread(); <-never }()
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	go func() {
		for {
			time.Sleep(20 * time.Second)
			runtime.GC()
		}
	}()
}
