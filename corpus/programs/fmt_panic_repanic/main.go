// fmt_panic_repanic: recover and re-panic with the identical value.
package main

func setup() {
	defer func() {
		r := recover()
		panic(r)
	}()
	panic("first")
}
