// fmt_fatal_unlock: unlock an unlocked sync.Mutex.
package main

import "sync"

var never = make(chan int)

func setup() {
	go func() { <-never }()
	var mu sync.Mutex
	mu.Unlock()
}
