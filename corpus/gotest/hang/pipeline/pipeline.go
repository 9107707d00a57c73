// Package pipeline parses records in a background stage.
// Bug: on a bad record the stage returns without sending its result or closing the
// channel, so Collect waits for ever on a channel nobody will send on.
package pipeline

import (
	"errors"
	"strconv"
)

type result struct {
	sum int
	err error
}

func stage(records []string, out chan<- result) {
	sum := 0
	for _, r := range records {
		n, err := strconv.Atoi(r)
		if err != nil {
			return // forgets: out <- result{err: err}
		}
		sum += n
	}
	out <- result{sum: sum}
}

// Sum parses every record and adds them up.
func Sum(records []string) (int, error) {
	out := make(chan result)
	go stage(records, out)
	r := <-out // BLOCKS: nosender
	if r.err != nil {
		return 0, errors.Join(errors.New("pipeline"), r.err)
	}
	return r.sum, nil
}
