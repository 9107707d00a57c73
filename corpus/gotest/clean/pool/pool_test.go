package pool

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPoolRunsEveryJob(t *testing.T) {
	p := New(2)
	for i := 0; i < 3; i++ {
		p.Submit(func() {})
	}
	p.Close()
	if p.Done() != 3 {
		t.Fatalf("done = %d, want 3", p.Done())
	}
}
