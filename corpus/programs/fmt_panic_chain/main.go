// fmt_panic_chain: a panic whose deferred calls panic again: a plain value,
// then a two-line string, then an error whose text has two lines.
package main

type thirdErr struct{}

func (thirdErr) Error() string { return "third\nerror second line" }

func setup() {
	go func() { select {} }()
	defer func() { panic(thirdErr{}) }()
	defer func() { panic("second\nmultiline") }()
	panic("first")
}
