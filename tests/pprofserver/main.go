// Command pprofserver is a tiny service used by stackparse's real-process tests
// (tests/test_capture.py). It starts a few goroutine shapes that stackparse must recognise,
// serves net/http/pprof on 127.0.0.1 and prints the chosen port on stdout:
//
//   - a leak that grows over time: every -leak-every, handleRequest starts compute, gives up
//     waiting for it, and returns; compute stays blocked forever on an unbuffered send that
//     nobody reads (at most -leak-max of them);
//   - a mutex AB-BA deadlock pair (lockAB / lockBA);
//   - -workers idle workers blocked receiving from a job queue.
//
// Besides /debug/pprof/ it serves the failure shapes a capture must report clearly:
// /login (an HTML login page with status 200), /boom (500), /cut (Content-Length larger
// than the body, then the connection is closed), /slow (answers after -slow) and
// /gzip (the debug=2 dump, gzip-compressed, with Content-Encoding: gzip).
//
// It binds 127.0.0.1 only and exits by itself after -lifetime, so a test that dies cannot
// leave it behind for long.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

var (
	leakEvery = flag.Duration("leak-every", 100*time.Millisecond, "start one leaking request this often")
	leakMax   = flag.Int("leak-max", 5000, "stop leaking after this many goroutines")
	workers   = flag.Int("workers", 4, "idle workers")
	slow      = flag.Duration("slow", 5*time.Second, "how long /slow waits before answering")
	lifetime  = flag.Duration("lifetime", 120*time.Second, "exit after this long")
)

// ---------------------------------------------------------------- leak

func compute(ch chan int) {
	time.Sleep(5 * time.Millisecond) // always slower than handleRequest's patience
	ch <- 42                         // nobody receives any more: blocked forever
}

func handleRequest() {
	ch := make(chan int) // unbuffered
	go compute(ch)
	select {
	case <-ch:
	case <-time.After(time.Millisecond):
	}
}

func leaker() {
	handleRequest() // one leak before the port is printed
	t := time.NewTicker(*leakEvery)
	defer t.Stop()
	for n := 1; n < *leakMax; n++ {
		<-t.C
		handleRequest()
	}
}

// ---------------------------------------------------------------- AB-BA deadlock

type account struct {
	mu      sync.Mutex
	balance int
}

var accA, accB account

func transfer(from, to *account, both *sync.WaitGroup) {
	from.mu.Lock()
	both.Done()
	both.Wait()  // both goroutines hold their first lock
	to.mu.Lock() // AB-BA: blocked forever
	from.balance--
	to.balance++
	to.mu.Unlock()
	from.mu.Unlock()
}

func lockAB(both *sync.WaitGroup) { transfer(&accA, &accB, both) }
func lockBA(both *sync.WaitGroup) { transfer(&accB, &accA, both) }

// ---------------------------------------------------------------- idle workers

var jobs = make(chan func())

func worker() {
	for job := range jobs {
		job()
	}
}

// ---------------------------------------------------------------- failure endpoints

const loginPage = `<!DOCTYPE html>
<html><head><title>Sign in</title></head>
<body><form method="post" action="/login"><input name="user"><input name="password" type="password">
<button>Sign in</button></form></body></html>
`

func login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, loginPage)
}

func boom(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "boom: something broke", http.StatusInternalServerError)
}

// cut announces a Content-Length larger than what it writes, then closes the connection.
func cut(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	body := make([]byte, 1<<20)
	n := runtimeStack(body)
	if n > 4096 {
		n = 4096
	}
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", 100000)
	buf.Write(body[:n])
	buf.Flush()
}

func slowHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(*slow):
		fmt.Fprint(w, "goroutine 1 [running]:\n")
	case <-r.Context().Done():
	}
}

func gzipped(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	pprof.Lookup("goroutine").WriteTo(zw, 2)
	zw.Close()
}

func runtimeStack(buf []byte) int {
	pw := &fixedWriter{buf: buf}
	pprof.Lookup("goroutine").WriteTo(pw, 2)
	return pw.n
}

type fixedWriter struct {
	buf []byte
	n   int
}

func (f *fixedWriter) Write(p []byte) (int, error) {
	f.n += copy(f.buf[f.n:], p)
	return len(p), nil
}

// ---------------------------------------------------------------- main

func main() {
	flag.Parse()
	time.AfterFunc(*lifetime, func() { os.Exit(0) })

	var both sync.WaitGroup
	both.Add(2)
	go lockAB(&both)
	go lockBA(&both)
	for i := 0; i < *workers; i++ {
		go worker()
	}
	go leaker()
	both.Wait()
	time.Sleep(50 * time.Millisecond) // let both reach their second Lock, and the first leak its send

	http.HandleFunc("/login", login)
	http.HandleFunc("/boom", boom)
	http.HandleFunc("/cut", cut)
	http.HandleFunc("/slow", slowHandler)
	http.HandleFunc("/gzip", gzipped)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, ln.Addr().(*net.TCPAddr).Port)
	out.Flush()
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
