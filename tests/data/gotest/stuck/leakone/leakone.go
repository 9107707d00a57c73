// Package leakone starts a watcher that waits for a stop signal nobody sends.
package leakone

// Watch starts a goroutine that reports on done when stop is closed.
func Watch(stop <-chan struct{}, done chan<- bool) {
	go func() {
		<-stop // BLOCKS: never-stopped
		done <- true
	}()
}
