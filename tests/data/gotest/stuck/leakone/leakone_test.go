package leakone

import (
	"testing"

	"go.uber.org/goleak"
)

func TestWatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	stop := make(chan struct{})
	done := make(chan bool, 1)
	Watch(stop, done)
	Watch(stop, done)
	t.Log("watchers started")
}
