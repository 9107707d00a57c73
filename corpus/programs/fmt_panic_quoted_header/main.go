// fmt_panic_quoted_header: a worker reports its failure with the first line of
// its own stack (runtime.Stack(buf, false): "goroutine N [running]:") and exits;
// a debug goroutine then logs the whole goroutine dump (runtime.Stack of all
// goroutines, as a debug handler would) to stderr and panics with the worker's
// report. The runtime's crash output therefore starts with "panic: goroutine N
// [running]:", quoting a goroutine the logged dump does not have, right after
// that dump; its own traceback follows. (The shape the fuzz job found looping
// the segmenter forever; this is a real one.) Another goroutine is blocked on a
// mutex the debug goroutine holds.
package main

import (
	"bytes"
	"os"
	"runtime"
	"sync"
	"time"
)

//go:noinline
func waiter(mu *sync.Mutex) {
	mu.Lock() // held by debugDump: blocks until the crash
}

//go:noinline
func worker(report chan<- string) {
	buf := make([]byte, 1024)
	n := runtime.Stack(buf, false)
	first, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	report <- string(first)
}

//go:noinline
func debugDump(mu *sync.Mutex) {
	report := make(chan string)
	go worker(report)
	failed := <-report
	mu.Lock()
	go waiter(mu)
	time.Sleep(50 * time.Millisecond)
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	os.Stderr.Write(buf[:n])
	os.Stderr.Write([]byte("\n"))
	panic(failed)
}

func setup() {
	var mu sync.Mutex
	go debugDump(&mu)
}
