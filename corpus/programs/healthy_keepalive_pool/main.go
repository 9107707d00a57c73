// Healthy look-alike: an HTTP client with a keep-alive pool polls three
// loopback servers in bursts of four concurrent requests every 40ms, so
// between bursts the dump holds idle persistConn readLoop/writeLoop pairs
// and server connections waiting for the next request, plus the burst loop
// asleep.
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
	kaClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 2 * time.Second}
	kaBytes  int64
)

//go:noinline
func kaHandle(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "pong %s\n", r.URL.Path)
}

//go:noinline
func kaFetch(wg *sync.WaitGroup, url string) {
	defer wg.Done()
	resp, err := kaClient.Get(url)
	if err != nil {
		return
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	atomic.AddInt64(&kaBytes, n)
}

//go:noinline
func kaBurstLoop(urls []string) {
	for {
		var wg sync.WaitGroup
		for _, u := range urls {
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go kaFetch(&wg, u)
			}
		}
		wg.Wait()
		time.Sleep(40 * time.Millisecond)
	}
}

func setup() {
	var urls []string
	for i := 0; i < 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/", kaHandle)
		go http.Serve(ln, mux)
		urls = append(urls, fmt.Sprintf("http://%s/ping/%d", ln.Addr(), i))
	}
	go kaBurstLoop(urls)
}
