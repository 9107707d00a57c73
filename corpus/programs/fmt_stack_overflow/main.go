// fmt_stack_overflow: unbounded recursion with a 1 MB stack limit (fast).
package main

import "runtime/debug"

var never = make(chan int)

//go:noinline
func grow(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return grow(n+1) + int(pad[3])
}

func setup() {
	debug.SetMaxStack(1 << 20)
	go func() { <-never }()
	grow(0)
}
