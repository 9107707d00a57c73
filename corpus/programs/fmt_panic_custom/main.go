// fmt_panic_custom: panic with a custom error whose text spans two lines.
package main

import "fmt"

type MyErr struct{ Code int }

func (e *MyErr) Error() string { return fmt.Sprintf("custom error code=%d\nsecond line", e.Code) }

//go:noinline
func handle() error { return &MyErr{Code: 42} }

func setup() {
	if err := handle(); err != nil {
		panic(err)
	}
}
