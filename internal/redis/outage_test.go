package redis_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// TestRequestsSurviveRedisOutage cuts the connection to Redis with a proxy, checks calls
// keep succeeding quickly from the fallbacks, then restores it.
func TestRequestsSurviveRedisOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := redistest.StartProxy(t, rawURL)
	p.URL = patient(t, p.URL) // a cut connection fails at once whatever the timeouts
	var logs syncBuffer
	c := open(t, p.URL, prefix, slog.New(slog.NewTextHandler(&logs, nil)))
	cache, lim, limit := c.Cache(), c.Limiter(), recom.PerMinute(1000)

	mustSet(t, cache, "before", "v")
	wantValue(t, cache, "before", "v")
	if r, err := lim.Allow(ctx, "tenant-1", limit); err != nil || !r.Allowed {
		t.Fatalf("Allow = %+v, %v; want allowed", r, err)
	}
	if h := c.Health(); !h.OK || h.Backend != "redis" {
		t.Fatalf("Health = %+v; want OK on redis", h)
	}

	p.Stop()
	var slowest time.Duration
	for i := range 50 {
		start := time.Now()
		k := fmt.Sprint("during-", i)
		mustSet(t, cache, k, "v")
		wantValue(t, cache, k, "v")
		if r, err := lim.Allow(ctx, "tenant-1", limit); err != nil || !r.Allowed {
			t.Fatalf("Allow during the outage = %+v, %v; want allowed", r, err)
		}
		slowest = max(slowest, time.Since(start))
	}
	if slowest > time.Second {
		t.Errorf("slowest Set+Get+Allow during the outage took %v; want well under a second", slowest)
	}
	t.Logf("slowest Set+Get+Allow during the outage: %v", slowest)
	h := c.Health()
	if h.OK || h.Backend != "in-process (redis unreachable)" || h.Detail == "" {
		t.Fatalf("Health during the outage = %+v; want not OK, in-process, with a detail", h)
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d WARN lines for one outage; want 1:\n%s", n, logs.String())
	}

	p.Restart()
	waitHealthy(t, c)
	mustSet(t, cache, "after", "v")
	if v, err := c.Redis().Get(ctx, prefix+"cache:after").Result(); err != nil || v != "v" {
		t.Fatalf("after recovery, Redis holds %q, %v for the key set; want %q", v, err, "v")
	}
	if _, err := lim.Allow(ctx, "after", limit); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Redis().Exists(ctx, prefix+"rate:after").Result(); err != nil || n != 1 {
		t.Fatalf("after recovery, Redis has %d rate keys, %v; want 1", n, err)
	}
	if n := strings.Count(logs.String(), "redis reachable again"); n != 1 {
		t.Errorf("%d recovery lines; want 1:\n%s", n, logs.String())
	}
}

// TestNoStaleValuesAfterOutage checks that writes made during an outage win over what
// Redis held before it, and that a later outage doesn't read the earlier one's values.
func TestNoStaleValuesAfterOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := redistest.StartProxy(t, rawURL)
	p.URL = patient(t, p.URL) // a cut connection fails at once whatever the timeouts
	c := open(t, p.URL, prefix, nil)
	cache := c.Cache()
	mustSet(t, cache, "deleted", "old")
	mustSet(t, cache, "changed", "old")
	mustSet(t, cache, "kept", "old")

	p.Stop()
	if err := cache.Delete(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, cache, "changed", "new")
	wantValue(t, cache, "changed", "new")
	wantMiss(t, cache, "deleted")

	p.Restart()
	waitHealthy(t, c)
	wantMiss(t, cache, "deleted") // not Redis's "old"
	wantMiss(t, cache, "changed") // "new" lived only in process; Redis's "old" must not come back
	wantValue(t, cache, "kept", "old")

	mustSet(t, cache, "changed", "newer")
	p.Stop()
	wantMiss(t, cache, "changed") // the first outage's "new" is not served in the second
	p.Restart()
	waitHealthy(t, c)
	wantValue(t, cache, "changed", "newer")
}

// TestManyWritesDuringOutage overflows the set of keys remembered during an outage:
// recovery then deletes every cache key under the prefix, but no rate-limit key.
func TestManyWritesDuringOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := redistest.StartProxy(t, rawURL)
	p.URL = patient(t, p.URL) // a cut connection fails at once whatever the timeouts
	c := open(t, p.URL, prefix, nil)
	cache := c.Cache()
	mustSet(t, cache, "untouched", "old")
	if _, err := c.Limiter().Allow(ctx, "k", recom.PerMinute(5)); err != nil {
		t.Fatal(err)
	}

	p.Stop()
	for i := range 10_001 {
		mustSet(t, cache, fmt.Sprint("k", i), "v")
	}
	p.Restart()
	waitHealthy(t, c)
	wantMiss(t, cache, "untouched")
	if n, err := c.Redis().Exists(ctx, prefix+"rate:k").Result(); err != nil || n != 1 {
		t.Fatalf("rate key after recovery: %d, %v; want kept", n, err)
	}
}

func waitHealthy(t *testing.T, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !c.Health().OK {
		if time.Now().After(deadline) {
			t.Fatalf("not healthy 5s after Redis came back: %+v", c.Health())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustSet(t *testing.T, c recom.Cache, key, value string) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(value), time.Minute); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func wantValue(t *testing.T, c recom.Cache, key, want string) {
	t.Helper()
	if v, ok, err := c.Get(context.Background(), key); err != nil || !ok || string(v) != want {
		t.Fatalf("Get(%q) = %q, %v, %v; want %q", key, v, ok, err, want)
	}
}

func wantMiss(t *testing.T, c recom.Cache, key string) {
	t.Helper()
	if v, ok, err := c.Get(context.Background(), key); err != nil || ok {
		t.Fatalf("Get(%q) = %q, %v, %v; want a miss", key, v, ok, err)
	}
}
