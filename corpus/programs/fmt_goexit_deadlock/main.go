// fmt_goexit_deadlock: the main goroutine calls runtime.Goexit and no other
// goroutine exists.
package main

import "runtime"

func setup() {
	runtime.Goexit()
}
