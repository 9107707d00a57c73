// Goroutines blocked forever on a nil channel: two senders, two receivers
// (a channel field that was never initialised) and two goroutines in a
// select with no cases. None of them can ever be woken.
package main

type pipeline struct {
	name string
	out  chan int // never made: nil
}

var sinkNil int

//go:noinline
func nilChanSender(p *pipeline, v int) {
	p.out <- v
}

//go:noinline
func nilChanReceiver(p *pipeline) {
	sinkNil += <-p.out
}

//go:noinline
func emptySelectBlocker(id int) {
	sinkNil += id
	select {}
}

func setup() {
	p := &pipeline{name: "uninitialised"}
	for i := 0; i < 2; i++ {
		go nilChanSender(p, i)
		go nilChanReceiver(p)
		go emptySelectBlocker(i)
	}
}
