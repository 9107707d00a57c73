package leakmain

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestAdd(t *testing.T) {
	c := New()
	go c.Add()
	go c.Add()
	time.Sleep(50 * time.Millisecond)
}
