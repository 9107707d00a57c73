// Early return on the first error: fetchAll starts one fetchPage per URL,
// all sending on one unbuffered channel, and returns as soon as one result
// carries an error. The other fetchers stay blocked in chan send.
//
// Beside the bug runs healthy traffic: a loopback net/http server polled by
// 2 keep-alive clients, plus a ticker flusher.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

type pageResult struct {
	url  string
	size int
	err  error
}

//go:noinline
func fetchPage(url string, out chan<- pageResult) {
	time.Sleep(time.Duration(len(url)) * time.Millisecond)
	if strings.HasSuffix(url, "/x") {
		out <- pageResult{url: url, err: errors.New("404")}
		return
	}
	out <- pageResult{url: url, size: len(url)}
}

//go:noinline
func fetchAll(urls []string) (int, error) {
	out := make(chan pageResult)
	for _, u := range urls {
		go fetchPage(u, out)
	}
	total := 0
	for range urls {
		r := <-out
		if r.err != nil {
			return 0, r.err // bug: the other fetchers are still sending
		}
		total += r.size
	}
	return total, nil
}

func setup() {
	startTraffic()
	go fetchAll([]string{"/x", "/about", "/pricing", "/contact", "/careers"})
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
