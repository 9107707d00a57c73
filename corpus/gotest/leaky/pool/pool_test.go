package pool

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPoolRunsEveryJob(t *testing.T) {
	p := New(2)
	defer p.Close()
	var ran sync.WaitGroup
	ran.Add(3)
	for i := 0; i < 3; i++ {
		p.Submit(ran.Done)
	}
	ran.Wait()
}
