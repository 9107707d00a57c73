// Package pool runs jobs on a fixed set of workers; Close closes the jobs channel and
// waits for every worker to return.
package pool

import "sync"

type Pool struct {
	jobs    chan func()
	mu      sync.Mutex
	done    int
	workers sync.WaitGroup
}

func New(workers int) *Pool {
	p := &Pool{jobs: make(chan func())}
	p.workers.Add(workers)
	for i := 0; i < workers; i++ {
		go p.worker()
	}
	return p
}

func (p *Pool) Submit(job func()) { p.jobs <- job }

func (p *Pool) Done() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

func (p *Pool) Close() {
	close(p.jobs)
	p.workers.Wait()
}

func (p *Pool) worker() {
	defer p.workers.Done()
	for job := range p.jobs {
		job()
		p.mu.Lock()
		p.done++
		p.mu.Unlock()
	}
}
