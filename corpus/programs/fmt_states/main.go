// fmt_states: one goroutine in each blocking state reachable from user code.
package main

import (
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	mu    sync.Mutex
	rw    sync.RWMutex // write-locked by setup: RLock blocks
	rw2   sync.RWMutex // read-locked by setup: Lock blocks
	wg    sync.WaitGroup
	cond  = sync.NewCond(&sync.Mutex{})
	never = make(chan int)
	full  = make(chan int)
	spin  int64
	keep  []interface{}
)

func chanRecv()       { <-never }
func chanSend()       { full <- 1 }
func nilChanRecv()    { var c chan int; <-c }
func nilChanSend()    { var c chan int; c <- 1 }
func selectCases()    { select { case <-never: case full <- 2: } }
func selectNoCases()  { select {} }
func mutexLock()      { mu.Lock() }
func rwmutexRLock()   { rw.RLock() }
func rwmutexLock()    { rw2.Lock() }
func waitGroupWait()  { wg.Wait() }
func condWait()       { cond.L.Lock(); cond.Wait() }
func sleeper()        { time.Sleep(time.Hour) }
func lockedChanRecv() { runtime.LockOSThread(); <-never }

var accepted []net.Conn

func acceptLoop(l net.Listener) {
	for {
		c, err := l.Accept() // the first call returns the dialed conn, the next one parks
		if err != nil {
			return
		}
		accepted = append(accepted, c)
	}
}

func connRead(c net.Conn) {
	buf := make([]byte, 16)
	c.Read(buf)
}

func pipeRead(r *os.File) {
	buf := make([]byte, 16)
	r.Read(buf) // os.Pipe is non-blocking: parks in the netpoller (IO wait)
}

func syscallRead(fd int) {
	runtime.LockOSThread()
	buf := make([]byte, 16)
	syscall.Read(fd, buf) // raw fd, blocking: the goroutine sits in a syscall
}

func spinner() {
	for atomic.LoadInt64(&spin) >= 0 {
		atomic.AddInt64(&spin, 1)
	}
}

func setup() {
	mu.Lock()
	rw.Lock()
	rw2.RLock()
	wg.Add(1)

	go chanRecv()
	go chanSend()
	go nilChanRecv()
	go nilChanSend()
	go selectCases()
	go selectNoCases()
	go mutexLock()
	go rwmutexRLock()
	go rwmutexLock()
	go waitGroupWait()
	go condWait()
	go sleeper()
	go lockedChanRecv()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		go acceptLoop(l)
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			keep = append(keep, c)
			go connRead(c)
		}
		keep = append(keep, l)
	}
	if r, w, err := os.Pipe(); err == nil {
		keep = append(keep, r, w)
		go pipeRead(r)
	}
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err == nil {
		go syscallRead(fds[0])
	}
	go spinner()
}
