package main

import (
	"testing"
	"time"
)

func TestBackground(t *testing.T) {
	go func() { select {} }() // a goroutine the test leaves behind
}

func TestQuick(t *testing.T) {}

func TestSlow(t *testing.T) {
	t.Run("sub", func(t *testing.T) {
		t.Run("leaf", func(t *testing.T) {
			time.Sleep(time.Hour)
		})
	})
}
