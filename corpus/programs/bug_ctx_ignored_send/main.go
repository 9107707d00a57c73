// A worker that ignores its context: quoteHandler gives fetchQuote 5ms
// (context.WithTimeout) and returns on ctx.Done(); fetchQuote takes 40ms,
// never looks at ctx, and then blocks sending on the unbuffered result
// channel. Five requests leave five fetchQuote goroutines.
//
// Beside the bug runs healthy traffic: a loopback net/http server polled by
// 2 keep-alive clients, plus a ticker flusher.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

//go:noinline
func fetchQuote(ctx context.Context, sym string, out chan<- float64) {
	time.Sleep(40 * time.Millisecond) // bug: ctx is never consulted
	out <- float64(len(sym)) * 1.5
}

//go:noinline
func quoteHandler(sym string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	out := make(chan float64)
	go fetchQuote(ctx, sym, out)
	select {
	case v := <-out:
		return v
	case <-ctx.Done():
		return -1
	}
}

func setup() {
	startTraffic()
	for _, s := range []string{"ACME", "INIT", "GLOB", "UMBR", "WAYN"} {
		go quoteHandler(s)
	}
}

// ---- healthy traffic: a net/http server on loopback and two keep-alive
// clients polling it, plus a metrics flusher on a ticker ----

var (
	httpHits   int64
	httpFlushC = make(chan int64, 1)
)

//go:noinline
func httpHandle(w http.ResponseWriter, r *http.Request) {
	atomic.AddInt64(&httpHits, 1)
	fmt.Fprintf(w, "ok %s\n", r.URL.Path)
}

//go:noinline
func httpServe(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", httpHandle)
	_ = http.Serve(ln, mux)
}

//go:noinline
func httpPoller(url string) {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(4 * time.Millisecond)
	}
}

//go:noinline
func httpFlusher() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		select {
		case httpFlushC <- atomic.LoadInt64(&httpHits):
		default:
			<-httpFlushC
		}
	}
}

func startTraffic() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go httpServe(ln)
	for i := 0; i < 2; i++ {
		go httpPoller(fmt.Sprintf("http://%s/item/%d", ln.Addr(), i))
	}
	go httpFlusher()
}
