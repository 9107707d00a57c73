// Package hang waits for workers that skip their Done on an empty batch.
package hang

import "sync"

// Process runs one worker per batch and waits for all of them.
func Process(batches [][]int) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, b := range batches {
		wg.Add(1)
		go func(b []int) {
			if len(b) == 0 {
				return // the bug: no wg.Done()
			}
			defer wg.Done()
			mu.Lock()
			for _, v := range b {
				total += v
			}
			mu.Unlock()
		}(b)
	}
	wg.Wait() // BLOCKS: lost-done
	return total
}
