package inmem_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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

// BenchmarkActivity measures ingest's cost per batch (DESIGN §3: up to 100k events/s, so
// 1,000 batches of 100) and the request path's reads.
func BenchmarkActivity(b *testing.B) {
	ctx := context.Background()
	b.Run("Record100", func(b *testing.B) {
		a, batch := inmem.NewActivity(100_000), benchEvents(100, 0)
		for b.Loop() {
			advance(batch, time.Second)
			a.Record(ctx, batch)
		}
	})
	b.Run("ParallelRecord100", func(b *testing.B) {
		a := inmem.NewActivity(100_000)
		var n atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			batch := benchEvents(100, int(n.Add(1))) // another tenant per goroutine
			for pb.Next() {
				advance(batch, time.Second)
				a.Record(ctx, batch)
			}
		})
		b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "events/s")
	})
	// As the load test sends them: 10,000 shoppers in each of 20 tenants, twice the
	// 100,000 users kept, so users are forgotten and come back, and most lists are short.
	b.Run("Record100ManyUsers", func(b *testing.B) {
		a, batch := inmem.NewActivity(100_000), benchEvents(100, 0)
		for b.Loop() {
			advance(batch, time.Second)
			for i := range batch {
				batch[i].TenantID, batch[i].UserID = benchTenants[rand.IntN(20)], benchUsers[rand.IntN(10_000)]
			}
			a.Record(ctx, batch)
		}
	})
	full := inmem.NewActivity(100_000)
	for range 200 { // 10,000 products trending; users with 50 events
		full.Record(ctx, benchEvents(100, 0))
	}
	b.Run("RecentEvents50", func(b *testing.B) {
		for b.Loop() {
			full.RecentEvents(ctx, "tenant-0", "user-1", 50)
		}
	})
	b.Run("Trending10Of10k", func(b *testing.B) {
		now := time.Now()
		for b.Loop() {
			full.Trending(ctx, "tenant-0", 10, now)
		}
	})
}

// benchEvents returns n events of one tenant, over 20 users and ever new products, with
// a price and metadata like real purchases, a second apart.
var benchProduct atomic.Uint64

func benchEvents(n, tenant int) []recom.Event {
	price, qty := 12.5, 1
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	evs := make([]recom.Event, n)
	for i := range evs {
		evs[i] = recom.Event{TenantID: fmt.Sprint("tenant-", tenant), Type: recom.EventTypes[i%len(recom.EventTypes)],
			UserID: fmt.Sprint("user-", i%20), ProductID: fmt.Sprint("product-", benchProduct.Add(1)%10_000),
			Timestamp: start.Add(time.Duration(i) * time.Millisecond), SessionID: "session-1",
			Price: &price, Quantity: &qty, Metadata: json.RawMessage(`{"source":"bench"}`)}
	}
	return evs
}

var benchTenants, benchUsers = benchNames("tenant-", 20), benchNames("user-", 10_000)

func benchNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(prefix, i)
	}
	return names
}

// advance moves every event of batch by d, so each Record appends to the users' lists.
func advance(batch []recom.Event, d time.Duration) {
	for i := range batch {
		batch[i].Timestamp = batch[i].Timestamp.Add(d)
	}
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("tenant-%d:recs:user-%d", i%10, i)
	}
	return keys
}
