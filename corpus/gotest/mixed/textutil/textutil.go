// Package textutil has no goroutines at all; its test passes under goleak.
package textutil

import "strings"

func Title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
