// Package fanout asks every replica and keeps the first answer; the channel has room for
// every answer, so the slower replicas' goroutines finish too.
package fanout

type Replica func(key string) string

func First(key string, replicas ...Replica) string {
	answers := make(chan string, len(replicas))
	for _, r := range replicas {
		go func(r Replica) {
			answers <- r(key)
		}(r)
	}
	return <-answers
}
