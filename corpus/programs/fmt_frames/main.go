// fmt_frames: frame shapes: deep recursion (elision), generic functions and
// methods of generic types, closures and nested closures, method values
// (-fm), inlined frames, empty-struct value receivers, runtime.Goexit and an
// in-flight panic mid-stack.
package main

import (
	"runtime"
)

var never = make(chan int)

//go:noinline
func recurse(n int) int {
	if n == 0 {
		return <-never
	}
	return recurse(n-1) + 1
}

type List[T any] struct{ items []T }

//go:noinline
func (l *List[T]) WaitFor(c chan T) T {
	v := <-c
	l.items = append(l.items, v)
	return v
}

type Pair[K comparable, V any] struct {
	k K
	v V
}

//go:noinline
func (p Pair[K, V]) Block(c chan V) V { return <-c }

//go:noinline
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

type Server struct{ name string }

//go:noinline
func (s *Server) Serve() { <-never }

type Empty struct{}

//go:noinline
func (Empty) Run(c chan int) { <-c }

//go:noinline
func call(f func()) { f() }

// small enough to be inlined into its callers
func waitOn(c chan int) int { return <-c }

func inlinedCaller() int { return waitOn(never) + 1 }

func background() {
	go recurse(120)
	go func() {
		l := &List[string]{}
		l.WaitFor(make(chan string))
	}()
	go func() {
		Pair[string, int]{k: "a"}.Block(never)
	}()
	go func() {
		Map([]int{1, 2, 3}, func(i int) string { <-never; return "" })
	}()
	go func() { // nested closures
		func() {
			func() {
				<-never
			}()
		}()
	}()
	s := &Server{name: "srv"}
	go call(s.Serve) // method value: main.(*Server).Serve-fm
	f := s.Serve
	go f()
	go Empty{}.Run(never)
	go func() { inlinedCaller() }()
	go func() { // Goexit running deferred calls
		defer func() { <-never }()
		runtime.Goexit()
	}()
	go func() { // a panic in flight: its deferred call blocks
		defer func() { <-never }()
		panic("in flight")
	}()
}

func setup() { background() }
