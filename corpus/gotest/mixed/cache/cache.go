// Package cache is a map with entries that expire.
// Bug: New starts a janitor goroutine that nothing ever stops (no Close, no context).
package cache

import (
	"sync"
	"time"
)

type Cache struct {
	mu      sync.Mutex
	entries map[string]time.Time
	ttl     time.Duration
}

func New(ttl time.Duration) *Cache {
	c := &Cache{entries: map[string]time.Time{}, ttl: ttl}
	go c.janitor(time.NewTicker(ttl))
	return c
}

func (c *Cache) Put(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k] = time.Now().Add(c.ttl)
}

func (c *Cache) Has(k string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[k]
	return ok
}

func (c *Cache) janitor(t *time.Ticker) {
	for now := range t.C { // BLOCKS: janitor
		c.mu.Lock()
		for k, exp := range c.entries {
			if now.After(exp) {
				delete(c.entries, k)
			}
		}
		c.mu.Unlock()
	}
}
