package cache

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestPutHas(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := New(time.Hour)
	c.Put("a")
	if !c.Has("a") {
		t.Fatal("a is missing")
	}
}
