// Package pool runs jobs on a fixed set of workers and reports progress every other job.
// Bugs: nobody receives the progress reports, and a worker sends its report while it
// still holds the pool's mutex, so the other workers then wait on that mutex for ever;
// Close does not close the jobs channel either.
package pool

import "sync"

type Pool struct {
	jobs    chan func()
	mu      sync.Mutex
	done    int
	reports chan int
}

func New(workers int) *Pool {
	p := &Pool{jobs: make(chan func()), reports: make(chan int)}
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	return p
}

func (p *Pool) Submit(job func()) { p.jobs <- job }

func (p *Pool) Close() {} // forgets close(p.jobs)

func (p *Pool) worker() {
	for job := range p.jobs {
		job()
		p.mu.Lock() // BLOCKS: behind-holder
		p.done++
		if p.done%2 == 0 {
			p.reports <- p.done // BLOCKS: send-under-lock
		}
		p.mu.Unlock()
	}
}
