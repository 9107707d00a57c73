// NCast leak in hedged requests: hedgedGet sends the same request to three
// backends one millisecond apart and returns the first answer; the two
// slower hedgeAttempt goroutines block forever sending on the unbuffered
// channel. Two calls, four stuck attempts.
//
// Beside the bug runs healthy traffic: a loopback net/http server polled by
// 2 keep-alive clients, plus a ticker flusher.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

//go:noinline
func hedgeAttempt(backend string, out chan<- string) {
	time.Sleep(time.Duration(2+len(backend)) * time.Millisecond)
	out <- backend
}

//go:noinline
func hedgedGet(backends []string) string {
	out := make(chan string)
	for _, b := range backends {
		go hedgeAttempt(b, out)
		time.Sleep(time.Millisecond)
	}
	return <-out // bug: the slower attempts are never received
}

func setup() {
	startTraffic()
	go hedgedGet([]string{"b1", "b22", "b333"})
	go hedgedGet([]string{"c1", "c22", "c333"})
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
