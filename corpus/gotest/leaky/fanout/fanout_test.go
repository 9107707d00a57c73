package fanout

import (
	"testing"

	"go.uber.org/goleak"
)

func TestFirst(t *testing.T) {
	defer goleak.VerifyNone(t)
	echo := func(k string) string { return k }
	if got := First("k", echo, echo, echo); got != "k" {
		t.Fatalf("First = %q", got)
	}
}
