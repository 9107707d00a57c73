package textutil

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestTitle(t *testing.T) {
	if Title("go") != "Go" || Title("") != "" {
		t.Fatal("Title")
	}
}
