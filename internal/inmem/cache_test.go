package inmem

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// clock is a settable time source for the now hooks.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func TestCacheEvictsExpiredBeforeLeastRecentlyUsed(t *testing.T) {
	ctx, clk := context.Background(), newClock()
	c := newCache(3, clk.now)
	set := func(k string, ttl time.Duration) {
		t.Helper()
		if err := c.Set(ctx, k, []byte(k), ttl); err != nil {
			t.Fatal(err)
		}
	}
	set("old", time.Hour)
	set("short", time.Second)
	set("new", time.Hour)
	clk.advance(2 * time.Second) // "short" has expired; "old" is least recently used
	set("d", time.Hour)
	wantKeys(t, c, "old", "new", "d")

	c.Get(ctx, "old") // now "new" is least recently used
	set("e", time.Hour)
	wantKeys(t, c, "old", "d", "e")
}

func TestCacheStaysBounded(t *testing.T) {
	ctx, clk := context.Background(), newClock()
	c := newCache(10, clk.now)
	for i := range 1000 {
		if err := c.Set(ctx, fmt.Sprint(i), []byte("v"), time.Duration(1+i%7)*time.Second); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Second / 3)
		if n := len(c.items); n > 10 || c.lru.Len() != n || len(c.expiry) != n {
			t.Fatalf("after %d sets: %d items, %d in LRU, %d in heap; want equal and at most 10", i+1, n, c.lru.Len(), len(c.expiry))
		}
	}
}

func TestCacheExpiredGetRemovesEntry(t *testing.T) {
	ctx, clk := context.Background(), newClock()
	c := newCache(10, clk.now)
	c.Set(ctx, "k", []byte("v"), time.Second)
	clk.advance(time.Second) // expiry is exclusive: at exactly ttl the entry is gone
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Fatal("Get at exactly the TTL = hit; want a miss")
	}
	if len(c.items) != 0 || len(c.expiry) != 0 || c.lru.Len() != 0 {
		t.Fatalf("expired entry still held: %d items", len(c.items))
	}
}

func TestNewCachePanicsOnZeroSize(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewCache(0) did not panic")
		}
	}()
	NewCache(0)
}

func wantKeys(t *testing.T, c *Cache, keys ...string) {
	t.Helper()
	if len(c.items) != len(keys) {
		t.Fatalf("cache holds %d keys; want %v", len(c.items), keys)
	}
	for _, k := range keys {
		if _, ok := c.items[k]; !ok {
			t.Fatalf("cache lacks %q; want %v", k, keys)
		}
	}
}
