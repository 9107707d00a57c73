// Healthy look-alike: four unrelated job resumers share package-level state
// (a global registry struct with its mutex and a global wake-up channel,
// i.e. static addresses). Each waits in select for the wake-up or its own
// retry timer; a re-arming time.AfterFunc wakes one of them every 30ms.
package main

import (
	"sync"
	"time"
)

var (
	jobRegistry struct {
		mu      sync.Mutex
		pending map[string]int
	}
	resumeWake = make(chan string)
)

//go:noinline
func jobResumer(kind string, retry time.Duration) {
	for {
		select {
		case job := <-resumeWake:
			jobRegistry.mu.Lock()
			jobRegistry.pending[job]--
			jobRegistry.mu.Unlock()
		case <-time.After(retry):
			jobRegistry.mu.Lock()
			jobRegistry.pending[kind]++
			jobRegistry.mu.Unlock()
		}
	}
}

func armWaker() {
	time.AfterFunc(30*time.Millisecond, func() {
		select {
		case resumeWake <- "backup":
		default:
		}
		armWaker()
	})
}

func setup() {
	jobRegistry.pending = map[string]int{}
	for i, k := range []string{"backup", "changefeed", "schema-change", "gc"} {
		go jobResumer(k, time.Duration(200+40*i)*time.Millisecond)
	}
	armWaker()
}
