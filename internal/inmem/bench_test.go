package inmem_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
)

func BenchmarkLimiterAllow(b *testing.B) {
	ctx, lim := context.Background(), recom.PerMinute(1<<30) // never denies: measure the allow path
	b.Run("OneKey", func(b *testing.B) {
		l := inmem.NewLimiter()
		for b.Loop() {
			l.Allow(ctx, "tenant-1", lim)
		}
	})
	b.Run("Parallel1000Keys", func(b *testing.B) {
		l, keys := inmem.NewLimiter(), benchKeys(1000)
		var n atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := n.Add(1) * 7919
			for pb.Next() {
				i++
				l.Allow(ctx, keys[i%1000], lim)
			}
		})
	})
}

func BenchmarkCacheGet(b *testing.B) {
	ctx, value := context.Background(), make([]byte, 1024)
	c, keys := inmem.NewCache(10_000), benchKeys(1000)
	for _, k := range keys {
		c.Set(ctx, k, value, time.Hour)
	}
	b.Run("Hit1KiB", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			c.Get(ctx, keys[i%1000])
		}
	})
	b.Run("ParallelHit1KiB", func(b *testing.B) {
		var n atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := n.Add(1) * 7919
			for pb.Next() {
				i++
				c.Get(ctx, keys[i%1000])
			}
		})
	})
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("tenant-%d:recs:user-%d", i%10, i)
	}
	return keys
}
