// Healthy look-alike (false-alarm class B): forty scrape loops parked in
// one select site, each waiting for its next interval (time.After) or the
// fleet context, and a sink draining their results. Forty goroutines at one
// site, none stuck.
package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

type scrapeTarget struct {
	url      string
	interval time.Duration
}

var (
	fleetCtx, fleetStop = context.WithCancel(context.Background())
	fleetResults        = make(chan int, 8)
	fleetSeen           int64
)

//go:noinline
func scrapeLoop(ctx context.Context, t *scrapeTarget, out chan<- int) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(t.interval):
		}
		select {
		case out <- len(t.url):
		case <-ctx.Done():
			return
		}
	}
}

//go:noinline
func fleetSink(in <-chan int) {
	for v := range in {
		atomic.AddInt64(&fleetSeen, int64(v))
	}
}

func setup() {
	for i := 0; i < 40; i++ {
		t := &scrapeTarget{url: fmt.Sprintf("http://10.0.%d.%d/metrics", i/10, i), interval: time.Duration(50+5*i) * time.Millisecond}
		go scrapeLoop(fleetCtx, t, fleetResults)
	}
	go fleetSink(fleetResults)
}
