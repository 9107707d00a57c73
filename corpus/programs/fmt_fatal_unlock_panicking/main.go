// fmt_fatal_unlock_panicking: the fatal error happens during a panic.
package main

import "sync"

var never = make(chan int)

func setup() {
	go func() { <-never }()
	var mu sync.Mutex
	defer mu.Unlock()
	panic("boom")
}
