// A healthy, busy service: a real net/http server on 127.0.0.1:0 with slow
// handlers in flight (started by client goroutines), the accept loop in IO
// wait, a worker pool idle on a job channel fed by a ticker-driven producer,
// time.After waits, a signal.Notify wait, a context-cancel watcher, and a
// briefly contended sync.Mutex whose holder is making progress. Nothing is
// stuck: every wait has a live party that will end it.
package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var (
	shutdownCancel context.CancelFunc // kept reachable: a real shutdown path
	signalCh       chan os.Signal
	statsMu        sync.Mutex
	statsCount     int
)

//go:noinline
func slowHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(2 * time.Second):
	case <-r.Context().Done():
	}
	io.WriteString(w, "ok\n")
}

//go:noinline
func serveHTTP(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", slowHandler)
	srv := &http.Server{Handler: mux}
	srv.Serve(ln)
}

//go:noinline
func httpClientLoop(url string) {
	c := &http.Client{Timeout: 10 * time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

//go:noinline
func poolWorkerIdle(jobs <-chan int) {
	for j := range jobs {
		statsMu.Lock()
		statsCount += j
		statsMu.Unlock()
	}
}

//go:noinline
func tickerProducer(jobs chan<- int) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		jobs <- i
	}
}

//go:noinline
func timeoutWaiter() {
	for {
		<-time.After(500 * time.Millisecond)
	}
}

//go:noinline
func signalWaiter() {
	for s := range signalCh {
		_ = s
	}
}

//go:noinline
func shutdownWatcher(ctx context.Context) {
	<-ctx.Done()
}

//go:noinline
func contendedCounter(id int) {
	for {
		statsMu.Lock()
		statsCount += id
		time.Sleep(time.Millisecond) // holds the lock while sleeping: contended but live
		statsMu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

func setup() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go serveHTTP(ln)
	url := "http://" + ln.Addr().String() + "/slow"
	for i := 0; i < 3; i++ {
		go httpClientLoop(url)
	}
	jobs := make(chan int)
	for i := 0; i < 8; i++ {
		go poolWorkerIdle(jobs)
	}
	go tickerProducer(jobs)
	go timeoutWaiter()
	signalCh = make(chan os.Signal, 1)
	signal.Notify(signalCh, syscall.SIGUSR1)
	go signalWaiter()
	var ctx context.Context
	ctx, shutdownCancel = context.WithCancel(context.Background())
	go shutdownWatcher(ctx)
	for i := 0; i < 3; i++ {
		go contendedCounter(i)
	}
}
