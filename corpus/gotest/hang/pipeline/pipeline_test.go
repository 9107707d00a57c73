package pipeline

import "testing"

func TestSumGood(t *testing.T) {
	if got, err := Sum([]string{"1", "2", "3"}); err != nil || got != 6 {
		t.Fatalf("Sum = %d, %v; want 6", got, err)
	}
}

func TestSumBadRecord(t *testing.T) {
	if _, err := Sum([]string{"1", "two", "3"}); err == nil {
		t.Fatal("want an error for a bad record")
	}
}
