// Method contract violation in net/http: pollStatus makes a request with a
// fresh Transport, reads the status code and never closes resp.Body. Each
// of the four calls leaves the connection's readLoop and writeLoop
// goroutines (net/http.(*persistConn)) waiting forever; the server side
// keeps the four connections open in IO wait.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

var statusSeen int64

//go:noinline
func statusHandler(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "status ok %s\n", r.URL.Path)
}

//go:noinline
func pollStatus(url string) {
	c := &http.Client{Transport: &http.Transport{}}
	resp, err := c.Get(url)
	if err != nil {
		return
	}
	atomic.AddInt64(&statusSeen, int64(resp.StatusCode))
	// bug: resp.Body.Close() is never called
}

func setup() {
	startTraffic()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", statusHandler)
	go http.Serve(ln, mux)
	for i := 0; i < 4; i++ {
		go pollStatus(fmt.Sprintf("http://%s/health/%d", ln.Addr(), i))
	}
}

// ---- healthy traffic: a job pool fed by a ticker, a result collector and a
// cache janitor, all alive and making progress while the bug sits still ----

type poolJob struct {
	id   int
	data []byte
}

var (
	poolJobs    = make(chan poolJob)
	poolResults = make(chan int, 4)
	poolCacheMu sync.Mutex
	poolCache   = map[int]int{}
	poolSink    int64
)

//go:noinline
func poolWorker(id int) {
	for j := range poolJobs {
		poolCacheMu.Lock()
		poolCache[j.id%16] += len(j.data)
		poolCacheMu.Unlock()
		poolResults <- j.id + id
	}
}

//go:noinline
func poolDispatcher() {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		poolJobs <- poolJob{id: i, data: make([]byte, i%64)}
	}
}

//go:noinline
func poolCollector() {
	for r := range poolResults {
		atomic.AddInt64(&poolSink, int64(r))
	}
}

//go:noinline
func poolJanitor() {
	for {
		time.Sleep(5 * time.Millisecond)
		poolCacheMu.Lock()
		for k, v := range poolCache {
			if v > 1<<20 {
				delete(poolCache, k)
			}
		}
		poolCacheMu.Unlock()
	}
}

func startTraffic() {
	for i := 0; i < 6; i++ {
		go poolWorker(i)
	}
	go poolDispatcher()
	go poolCollector()
	go poolJanitor()
}
