package queue

import "testing"

func TestDrainSkipsEmpty(t *testing.T) {
	q := New()
	q.Push("a")
	q.Push("")
	q.Push("b")
	if got := q.Drain(); len(got) != 2 {
		t.Fatalf("Drain = %q", got)
	}
}
