// Timeout leak in a real net/http handler: reportHandler gives slowQuery
// 5ms through context.WithTimeout(r.Context()) and answers 504 on
// ctx.Done(); slowQuery takes 50ms and then blocks sending on the
// unbuffered result channel. A client makes three requests: three leaked
// slowQuery goroutines.
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
func slowQuery(ctx context.Context, q string, out chan<- int) {
	time.Sleep(50 * time.Millisecond) // bug: ctx is not watched and out is unbuffered
	out <- len(q)
}

//go:noinline
func reportHandler(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Millisecond)
	defer cancel()
	out := make(chan int)
	go slowQuery(ctx, r.URL.Query().Get("q"), out)
	select {
	case n := <-out:
		fmt.Fprintf(w, "%d\n", n)
	case <-ctx.Done():
		http.Error(w, "timeout", http.StatusGatewayTimeout)
	}
}

//go:noinline
func reportClient(url string) {
	for i := 0; i < 3; i++ {
		resp, err := http.Get(fmt.Sprintf("%s%d", url, i))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

func setup() {
	startTraffic()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/report", reportHandler)
	go http.Serve(ln, mux)
	go reportClient("http://" + ln.Addr().String() + "/report?q=sales-")
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
