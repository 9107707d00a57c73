// fmt_synctest124: synctest bubble deadlock under go test (mode test only, no harness).
package main

func main() {}
