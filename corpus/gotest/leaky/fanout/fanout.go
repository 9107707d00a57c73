// Package fanout asks every replica and keeps the first answer.
// Bug: the answers go through an unbuffered channel and only the first is received, so
// every slower replica's goroutine blocks for ever on its send.
package fanout

type Replica func(key string) string

func First(key string, replicas ...Replica) string {
	answers := make(chan string)
	for _, r := range replicas {
		go func(r Replica) {
			answers <- r(key) // BLOCKS: first-wins
		}(r)
	}
	return <-answers
}
