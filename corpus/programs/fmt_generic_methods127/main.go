// fmt_generic_methods127: Go 1.27 generic methods (methods with their own
// type parameters) on generic types: frames read main.Box[...].Conv[...].
package main

type Box[T any] struct{ v T }

//go:noinline
func (b Box[T]) Conv[U any](c chan U) U { return <-c }

//go:noinline
func (b *Box[T]) Swap[U any](c chan U) U { return <-c }

func small[U any](b Box[int], c chan U) U { return b.Conv[U](c) } // inlined caller

func setup() {
	go Box[int]{1}.Conv[string](make(chan string))
	go (&Box[string]{"x"}).Swap[[]byte](make(chan []byte))
	go func() { small[float64](Box[int]{2}, make(chan float64)) }()
}
