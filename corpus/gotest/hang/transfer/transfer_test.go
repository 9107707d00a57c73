package transfer

import (
	"sync"
	"testing"
)

func TestTransferBothWays(t *testing.T) {
	a, b := NewAccount(100), NewAccount(100)
	var first sync.WaitGroup // both transfers hold their first lock
	first.Add(2)
	locked := func() { first.Done(); first.Wait() }
	var done sync.WaitGroup
	done.Add(2)
	go func() { defer done.Done(); Transfer(a, b, 10, locked) }()
	go func() { defer done.Done(); Transfer(b, a, 20, locked) }()
	done.Wait()
	if a.Balance()+b.Balance() != 200 {
		t.Fatal("money was created or lost")
	}
}
