// A leak the Go 1.26+ leak-detecting GC cannot prove: 20 goroutines receive
// on a channel held in a package-level variable. No code ever sends on it or
// closes it, so they are blocked forever, but because the channel is
// reachable from a global the GC must assume some live goroutine could still
// use it and does not mark them (leaked). A dump-based analyzer sees the same
// shape as a provable leak.
package main

type eventBus struct {
	name    string
	updates chan string
}

var (
	configBus = &eventBus{name: "config", updates: make(chan string)}
	sinkBus   int
)

//go:noinline
func configSubscriberForever(b *eventBus, id int) {
	for u := range b.updates {
		sinkBus += len(u) + id
	}
}

func setup() {
	for i := 0; i < 20; i++ {
		go configSubscriberForever(configBus, i)
	}
}
