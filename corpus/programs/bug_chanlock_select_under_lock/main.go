// Lock held across a blocking select: (*jobQueue).enqueue holds q.mu while
// it selects on sending the job or quit; jobDispatcher takes q.mu to read
// the backlog before each select, so it waits for the lock the enqueuer
// holds. The cycle runs through a select, so the dump shows no definite
// wait: the runtime's GC proves both stuck.
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

type jobQueue struct {
	name    string
	mu      sync.Mutex
	pending []int
	notify  chan int
	quit    chan struct{}
}

//go:noinline
func (q *jobQueue) enqueue(j int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, j)
	select { // bug: blocking select under q.mu
	case q.notify <- j:
	case <-q.quit:
	}
}

//go:noinline
func jobProducer(q *jobQueue) {
	time.Sleep(5 * time.Millisecond)
	q.enqueue(1)
}

//go:noinline
func jobDispatcher(q *jobQueue) {
	for {
		time.Sleep(30 * time.Millisecond)
		q.mu.Lock()
		backlog := len(q.pending)
		q.mu.Unlock()
		select {
		case j := <-q.notify:
			_ = j + backlog
		case <-q.quit:
			return
		}
	}
}

func setup() {
	startTraffic()
	q := &jobQueue{name: "mail", notify: make(chan int), quit: make(chan struct{})}
	go jobProducer(q)
	go jobDispatcher(q)
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
