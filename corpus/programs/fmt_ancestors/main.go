// fmt_ancestors: chains of goroutines created by goroutines, for
// GODEBUG=tracebackancestors=5; one chain is started from a 60-deep recursion
// so that the ancestor section is cut. In mode natural the grandchild panics.
package main

import "os"

var never = make(chan int)

//go:noinline
func deep(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	deep(n-1, f)
}

func setup() {
	crash := os.Getenv("STACKPARSE_MODE") == "natural"
	done := make(chan bool)
	go func() {
		go func() {
			go func() {
				if crash {
					panic("from grandchild")
				}
				done <- true
				<-never
			}()
			<-never
		}()
		<-never
	}()
	if !crash {
		<-done
	}
	deep(60, func() {
		go func() { <-never }()
	})
}
