// fmt_labels: goroutines carrying pprof labels (pprof.Do), including values
// that need quoting and an empty value.
package main

import (
	"context"
	"runtime/pprof"
)

var never = make(chan int)

func worker(ctx context.Context) { <-never }

func setup() {
	ctx := context.Background()
	sets := [][]string{
		{"worker", "w1", "kind", "needs quoting"},
		{"worker", "w2", "path", "/api/v1/items.json"},
		{"tricky", "a]b,c}d: e\"f\\g", "nl", "line1\nline2\ttab"},
		{"unicode", "héllo ✓ \U0001F600", "ctl", "\x01\x7f"},
		{"empty", "", "k", "v"},
	}
	for _, kv := range sets {
		kv := kv
		go pprof.Do(ctx, pprof.Labels(kv...), worker)
	}
	// nested pprof.Do: the inner label set extends the outer one
	go pprof.Do(ctx, pprof.Labels("outer", "o"), func(ctx context.Context) {
		pprof.Do(ctx, pprof.Labels("inner", "i"), worker)
	})
	go worker(ctx) // no labels
}
