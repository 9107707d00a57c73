// fmt_panic_struct: panic with a non-basic, non-error value.
package main

type T struct{ A, B int }

func setup() {
	panic(T{1, 2})
}
