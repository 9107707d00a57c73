// fmt_test_timeout: `go test -timeout 2s` with subtests still running
// (1.21+ prints "running tests:"). Mode test only: no harness, own main.
package main

func main() {}
