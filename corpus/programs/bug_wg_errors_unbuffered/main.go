// Errors channel too small, read after Wait: validateAll starts three
// validatePart goroutines that all fail and send their error on a channel
// of capacity 1, then calls wg.Wait before reading it. Two validators stay
// in chan send, validateAll in WaitGroup.Wait.
//
// Beside the bug runs healthy traffic: a loopback net/http server polled by
// 2 keep-alive clients, plus a ticker flusher.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

//go:noinline
func validatePart(wg *sync.WaitGroup, part int, errc chan<- error) {
	defer wg.Done()
	time.Sleep(time.Duration(part) * time.Millisecond)
	errc <- fmt.Errorf("part %d: checksum mismatch", part)
}

//go:noinline
func validateAll(parts int) error {
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	for i := 0; i < parts; i++ {
		wg.Add(1)
		go validatePart(&wg, i, errc)
	}
	wg.Wait() // bug: only one error fits in errc
	close(errc)
	return <-errc
}

func setup() {
	startTraffic()
	go validateAll(3)
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
