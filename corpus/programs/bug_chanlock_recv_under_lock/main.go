// Lock held across a blocking receive: electPrimary holds rs.mu while it
// waits for a vote; the voter has to read rs.primary under rs.mu before it
// can send the vote. Two replicaStatus goroutines queue on rs.mu.
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

type replicaSet struct {
	name    string
	mu      sync.Mutex
	primary string
	votes   chan string
}

//go:noinline
func electPrimary(rs *replicaSet) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.primary = <-rs.votes // bug: waits holding rs.mu
}

//go:noinline
func voter(rs *replicaSet, id string) {
	time.Sleep(10 * time.Millisecond)
	rs.mu.Lock()
	cur := rs.primary
	rs.mu.Unlock()
	rs.votes <- cur + id
}

//go:noinline
func replicaStatus(rs *replicaSet) string {
	time.Sleep(40 * time.Millisecond)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.primary
}

func setup() {
	startTraffic()
	rs := &replicaSet{name: "rs0", votes: make(chan string)}
	go electPrimary(rs)
	go voter(rs, "n2")
	go replicaStatus(rs)
	go replicaStatus(rs)
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
