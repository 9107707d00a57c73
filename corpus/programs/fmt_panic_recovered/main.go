// fmt_panic_recovered: recover, then a different panic.
package main

import "fmt"

func setup() {
	defer func() {
		r := recover()
		panic(fmt.Sprintf("after recover (was %v)", r))
	}()
	panic("first")
}
