package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// The inmem benchmarks are the fallback's cost; these are the round trip to Redis.
func BenchmarkRedis(b *testing.B) {
	c, err := redis.New(context.Background(), redistest.URL(b), redistest.Prefix(b), inmem.NewCache(10), inmem.NewLimiter(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Cache().Set(ctx, "k", make([]byte, 1024), time.Minute); err != nil {
		b.Fatal(err)
	}
	b.Run("LimiterAllow", func(b *testing.B) {
		for b.Loop() {
			c.Limiter().Allow(ctx, "k", recom.PerMinute(1<<30))
		}
	})
	b.Run("CacheGet1KiB", func(b *testing.B) {
		for b.Loop() {
			c.Cache().Get(ctx, "k")
		}
	})
	b.Run("ParallelLimiterAllow", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Limiter().Allow(ctx, "k", recom.PerMinute(1<<30))
			}
		})
	})
	if h := c.Health(); !h.OK {
		b.Fatalf("degraded during the benchmark, so it measured the fallback: %+v", h)
	}
}
