// fmt_fault: write through a wild pointer.
package main

import "unsafe"

var never = make(chan int)

//go:noinline
func poke(addr uintptr) {
	*(*int)(unsafe.Pointer(addr)) = 1
}

func setup() {
	go func() { <-never }()
	poke(0xdeadbeef)
}
