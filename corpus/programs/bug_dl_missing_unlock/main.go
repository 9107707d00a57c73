// Missing unlock on an error path, then a second lock by the same
// goroutine: (*blobStore).Put returns errBlobTooLarge while still holding
// b.mu; blobUploader's next Put blocks on the lock it never released. No
// frame on its stack shows the first Lock any more. Two blobReader
// goroutines queue behind it.
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
	"sync"
	"sync/atomic"
	"time"
)

var errBlobTooLarge = errors.New("blob too large")

type blobStore struct {
	root  string
	mu    sync.Mutex
	blobs map[string][]byte
}

//go:noinline
func (b *blobStore) Put(k string, v []byte) error {
	b.mu.Lock()
	if len(v) > 1024 {
		return errBlobTooLarge // bug: returns holding b.mu
	}
	b.blobs[k] = v
	b.mu.Unlock()
	return nil
}

//go:noinline
func blobUploader(b *blobStore) {
	time.Sleep(10 * time.Millisecond)
	_ = b.Put("big", make([]byte, 4096))
	_ = b.Put("small", make([]byte, 8))
}

//go:noinline
func blobReader(b *blobStore, k string) {
	time.Sleep(40 * time.Millisecond)
	b.mu.Lock()
	_ = b.blobs[k]
	b.mu.Unlock()
}

func setup() {
	startTraffic()
	b := &blobStore{root: "/var/blobs", blobs: map[string][]byte{}}
	go blobUploader(b)
	go blobReader(b, "small")
	go blobReader(b, "big")
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
