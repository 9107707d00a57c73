package hang

import "testing"

func TestProcessEmptyBatch(t *testing.T) {
	if got := Process([][]int{{1, 2}, {}, {3}}); got != 6 {
		t.Fatalf("got %d", got)
	}
}
