// A 3-cycle over package-level mutexes: ingestStage holds ingestMu and
// wants indexMu, indexStage holds indexMu and wants storeMu, storeStage
// holds storeMu and wants ingestMu. No goroutine carries a lock address.
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

var (
	ingestMu, indexMu, storeMu sync.Mutex
	docsIngested, docsIndexed  int
	docsStored                 int
)

//go:noinline
func ingestStage() {
	ingestMu.Lock()
	defer ingestMu.Unlock()
	docsIngested++
	time.Sleep(20 * time.Millisecond)
	indexMu.Lock()
	docsIndexed++
	indexMu.Unlock()
}

//go:noinline
func indexStage() {
	indexMu.Lock()
	defer indexMu.Unlock()
	docsIndexed++
	time.Sleep(20 * time.Millisecond)
	storeMu.Lock()
	docsStored++
	storeMu.Unlock()
}

//go:noinline
func storeStage() {
	storeMu.Lock()
	defer storeMu.Unlock()
	docsStored++
	time.Sleep(20 * time.Millisecond)
	ingestMu.Lock()
	docsIngested--
	ingestMu.Unlock()
}

func setup() {
	startTraffic()
	go ingestStage()
	go indexStage()
	go storeStage()
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
