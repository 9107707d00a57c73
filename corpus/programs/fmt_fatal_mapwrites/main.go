// fmt_fatal_mapwrites: two goroutines writing one map.
package main

var never = make(chan int)

func setup() {
	m := map[int]int{}
	go func() { <-never }()
	for w := 0; w < 2; w++ {
		go func() {
			for i := 0; ; i++ {
				m[i%1000] = i
			}
		}()
	}
}
