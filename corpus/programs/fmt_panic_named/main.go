// fmt_panic_named: panic with a named string type.
package main

type MyStr string

func setup() {
	panic(MyStr("custom\nstring"))
}
