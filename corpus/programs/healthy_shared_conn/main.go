// A healthy service sharing one TCP connection between goroutines: three
// readers call Read on the same net.Conn and three writers call Write on the
// peer's end, whose reader is slow. One reader is in IO wait holding the fd's
// read lock (internal/poll.fdMutex); the other two wait for that lock in
// semacquire. One writer is in IO wait (the socket buffer is full) holding the
// fd's write lock; the other two wait for it. Nothing is stuck for good: the
// slow reader drains the writers' data, and a feeder sends the readers a byte
// now and then.
package main

import (
	"net"
	"time"
)

var sinkSC int

//go:noinline
func sharedReader(c net.Conn) {
	buf := make([]byte, 1)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		sinkSC += n
	}
}

//go:noinline
func sharedWriter(c net.Conn, chunk []byte) {
	for {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

//go:noinline
func slowDrain(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		time.Sleep(500 * time.Millisecond)
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		sinkSC += n
	}
}

//go:noinline
func feeder(c net.Conn) {
	for {
		time.Sleep(700 * time.Millisecond)
		if _, err := c.Write([]byte{1}); err != nil {
			return
		}
	}
}

// pair dials the listener and returns both ends of the connection.
func pair(ln net.Listener) (dialed, accepted net.Conn) {
	ch := make(chan net.Conn)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			panic(err)
		}
		ch <- c
	}()
	d, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	return d, <-ch
}

func setup() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	// three readers share one end; the other end sends them a byte now and then
	rd, feed := pair(ln)
	for i := 0; i < 3; i++ {
		go sharedReader(rd)
	}
	go feeder(feed)
	// three writers share one end; the other end reads it slowly
	wr, drain := pair(ln)
	chunk := make([]byte, 1<<20)
	for i := 0; i < 3; i++ {
		go sharedWriter(wr, chunk)
	}
	go slowDrain(drain)
}
