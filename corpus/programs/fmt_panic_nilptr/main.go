// fmt_panic_nilptr: a nil pointer dereference in a method.
package main

type T struct{ x int }

//go:noinline
func (t *T) Set(v int) { t.x = v }

func setup() {
	go func() { select {} }()
	var t *T
	t.Set(1)
}
