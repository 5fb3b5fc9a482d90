// Package inmem holds the in-process recom.Cache and recom.Limiter: the default when no
// Redis is configured, and the fallback the redis adapter uses while Redis is down.
// It imports only recom of ours.
package inmem

import (
	"container/heap"
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// Cache is an in-process recom.Cache holding at most maxEntries values. When full, it
// evicts an expired entry if there is one, and otherwise the least recently used.
// Values are copied on Set and Get, so callers never share memory with the cache.
type Cache struct {
	max int
	now func() time.Time // a hook for tests

	mu     sync.Mutex
	items  map[string]*entry
	lru    list.List  // of *entry, most recently used at the front
	expiry expiryHeap // soonest expiry first, so expired entries are found in O(1)
}

type entry struct {
	key     string
	value   []byte // never mutated after Set: a new Set stores a new slice
	expires time.Time
	elem    *list.Element
	index   int // position in the expiry heap
}

// NewCache returns an empty cache bounded to maxEntries values. It panics if maxEntries
// is less than 1.
func NewCache(maxEntries int) *Cache {
	return newCache(maxEntries, time.Now)
}

func newCache(maxEntries int, now func() time.Time) *Cache {
	if maxEntries < 1 {
		panic(fmt.Sprintf("inmem: NewCache(%d): maxEntries must be at least 1", maxEntries))
	}
	return &Cache{max: maxEntries, now: now, items: make(map[string]*entry)}
}

// Get returns a copy of the value under key. A miss, expired or never set, is
// (nil, false, nil).
func (c *Cache) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.items[key]
	if !ok {
		c.mu.Unlock()
		return nil, false, nil
	}
	if !now.Before(e.expires) {
		c.remove(e)
		c.mu.Unlock()
		return nil, false, nil
	}
	c.lru.MoveToFront(e.elem)
	v := e.value
	c.mu.Unlock()
	return append([]byte{}, v...), true, nil // copied outside the lock: v is never mutated
}

// Set stores a copy of value under key for ttl, which must be positive.
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("inmem: set %q: ttl %v is not positive", key, ttl)
	}
	v := append([]byte{}, value...)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		e.value, e.expires = v, now.Add(ttl)
		c.lru.MoveToFront(e.elem)
		heap.Fix(&c.expiry, e.index)
		return nil
	}
	for len(c.items) >= c.max {
		c.evictOne(now)
	}
	e := &entry{key: key, value: v, expires: now.Add(ttl)}
	e.elem = c.lru.PushFront(e)
	heap.Push(&c.expiry, e)
	c.items[key] = e
	return nil
}

// Delete removes keys; keys that are not there are ignored.
func (c *Cache) Delete(_ context.Context, keys ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if e, ok := c.items[k]; ok {
			c.remove(e)
		}
	}
	return nil
}

// evictOne removes the entry that expired first if any has, else the least recently used.
func (c *Cache) evictOne(now time.Time) {
	if soonest := c.expiry[0]; !now.Before(soonest.expires) {
		c.remove(soonest)
		return
	}
	c.remove(c.lru.Back().Value.(*entry))
}

func (c *Cache) remove(e *entry) {
	delete(c.items, e.key)
	c.lru.Remove(e.elem)
	heap.Remove(&c.expiry, e.index)
}

// expiryHeap is a min-heap of entries by expiry time (container/heap).
type expiryHeap []*entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
