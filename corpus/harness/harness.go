// Capture harness shared by every corpus program.
//
// corpus/generate.py copies this file next to a program's main.go (which
// defines `func setup()` and no main) and builds the pair with each Go
// toolchain. setup() starts the goroutines that put the program in the state
// the dump should show and returns (or crashes, for programs whose dump is
// their own panic / fatal error). The capture mode comes from the environment:
//
//	STACKPARSE_MODE   stack | stack4k | sigquit | pprof1 | pprof2 | leak | natural
//	STACKPARSE_SETTLE how long to wait after setup before capturing (Go duration,
//	                  default 300ms; "65s" gives real "N minutes" headers)
//	STACKPARSE_LEAKOUT for mode leak: file that receives the goroutineleak
//	                  profile (debug=2), written right after the plain dump;
//	                  STACKPARSE_LEAKOUT1 the same profile at debug=1.
//
// The dump goes to stdout (stack, stack4k, pprof*, leak) or to stderr as the
// runtime writes it (sigquit, natural). Compatible with Go 1.19.
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

func settle() {
	d := 300 * time.Millisecond
	if s := os.Getenv("STACKPARSE_SETTLE"); s != "" {
		if v, err := time.ParseDuration(s); err == nil {
			d = v
		}
	}
	time.Sleep(d)
	for i := 0; i < 10; i++ {
		runtime.Gosched()
	}
}

func writeProfile(name string, debug int, path string) {
	p := pprof.Lookup(name)
	if p == nil {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		os.Exit(3)
	}
	p.WriteTo(f, debug)
	f.Close()
}

func main() {
	mode := os.Getenv("STACKPARSE_MODE")
	setup()
	if mode == "natural" {
		// The program's own crash (panic, fatal error, the runtime's deadlock
		// report) is the dump. Block main forever without a timer so that the
		// runtime can see a global deadlock.
		select {}
	}
	settle()
	switch mode {
	case "stack", "":
		buf := make([]byte, 64<<20)
		n := runtime.Stack(buf, true)
		os.Stdout.Write(buf[:n])
	case "stack4k":
		// A fixed small buffer, as services often use: the runtime cuts the
		// text at 4096 bytes with no marker.
		buf := make([]byte, 4096)
		n := runtime.Stack(buf, true)
		os.Stdout.Write(buf[:n])
	case "pprof1":
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 1)
	case "pprof2":
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)
	case "leak":
		pprof.Lookup("goroutine").WriteTo(os.Stdout, 2)
		if out := os.Getenv("STACKPARSE_LEAKOUT"); out != "" {
			writeProfile("goroutineleak", 2, out)
		}
		if out := os.Getenv("STACKPARSE_LEAKOUT1"); out != "" {
			writeProfile("goroutineleak", 1, out)
		}
	case "sigquit":
		syscall.Kill(os.Getpid(), syscall.SIGQUIT)
		time.Sleep(10 * time.Second)
	}
	os.Exit(0)
}
