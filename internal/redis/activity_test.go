package redis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/cachetest"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

var at0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestActivity(t *testing.T) {
	redistest.URL(t)
	cachetest.RunActivity(t, func(t *testing.T) recom.Activity { return openHealthy(t).Activity() })
}

// TestActivityReplayKeepsOne: an event recorded twice (replayed after an outage, or by
// two nodes) is in the user's list once, and leaves the version as it was.
func TestActivityReplayKeepsOne(t *testing.T) {
	a := openHealthy(t).Activity()
	ev := view("t1", "u1", "p1", at0)
	ev.ReceivedAt = at0.Add(time.Second)
	mustRecord(t, a, ev, view("t1", "u1", "p2", at0.Add(time.Minute)))
	_, before, _ := a.RecentEvents(context.Background(), "t1", "u1", 10)
	mustRecord(t, a, ev)
	got, after, err := a.RecentEvents(context.Background(), "t1", "u1", 10)
	if err != nil || len(got) != 2 || after != before {
		t.Fatalf("after a replay: %d events, version %d (was %d), %v; want 2, unchanged", len(got), after, before, err)
	}
}

// TestActivityReadsOlderMembers: a list written by an earlier version (a sequence number
// in front of each member) still reads, newest first, beside members written now.
func TestActivityReadsOlderMembers(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	key := prefix + "act:{t1}:u:u1"
	old := fmt.Sprintf("%016xproduct_viewed\t%d\tp-old", 7, at0.UnixMicro())
	if err := c.Redis().ZAdd(ctx, key, goredis.Z{Score: float64(at0.UnixMicro()), Member: old}).Err(); err != nil {
		t.Fatal(err)
	}
	mustRecord(t, c.Activity(), view("t1", "u1", "p-new", at0.Add(time.Minute)))
	got, v, err := c.Activity().RecentEvents(ctx, "t1", "u1", 10)
	if err != nil || v == 0 || len(got) != 2 || got[0].ProductID != "p-new" || got[1].ProductID != "p-old" || !got[1].Timestamp.Equal(at0) {
		t.Fatalf("RecentEvents = %+v, version %d, %v; want p-new then p-old", got, v, err)
	}
}

func TestActivityKeys(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	mustRecord(t, c.Activity(), view("t1", "u1", "p1", at0))
	want := map[string]bool{"act:{t1}:u:u1": true, "act:{t1}:trend": true, "act:{t1}:epoch": true}
	it := c.Redis().Scan(ctx, 0, prefix+"*", 1000).Iterator()
	n := 0
	for ; it.Next(ctx); n++ {
		k := it.Val()[len(prefix):]
		if !want[k] {
			t.Errorf("unexpected key %s under the prefix", k)
			continue
		}
		ttl, err := c.Redis().PTTL(ctx, it.Val()).Result()
		if err != nil || ttl < 29*24*time.Hour || ttl > 30*24*time.Hour {
			t.Errorf("TTL of %s = %v, %v; want 30 days", k, ttl, err)
		}
	}
	if err := it.Err(); err != nil || n != len(want) {
		t.Fatalf("%d keys under the prefix, %v; want %d: %v", n, err, len(want), want)
	}
}

func TestActivityTrendingTrimmed(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	var evs []recom.Event
	for i := range 11_001 { // one past the slack: the ZSET is cut back to 10,000
		evs = append(evs, view("t1", fmt.Sprint("u", i%100), fmt.Sprintf("p%05d", i), at0.Add(time.Duration(i)*time.Second)))
	}
	mustRecord(t, c.Activity(), evs...)
	key := prefix + "act:{t1}:trend"
	if n, err := c.Redis().ZCard(ctx, key).Result(); err != nil || n != 10_000 {
		t.Fatalf("ZCARD = %d, %v; want 10000", n, err)
	}
	lowest, err := c.Redis().ZRange(ctx, key, 0, 0).Result()
	if err != nil || len(lowest) != 1 || lowest[0] != "p01001" {
		t.Fatalf("lowest kept = %v, %v; want p01001 (the 1,001 oldest views trimmed)", lowest, err)
	}
}

func TestActivityRescalesLandmark(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	a, day := c.Activity(), 24*time.Hour
	// Landmarks lie on a grid of 40 half-lives (days) from the Unix epoch: at0
	// (2026-03-01 12:00 UTC) is day 20,513.5 = 40 × 512 + 33.5.
	grid := time.Unix(0, 0).Add(40 * 512 * day)
	mustRecord(t, a, view("t1", "u1", "old", at0))
	if e, err := c.Redis().Get(ctx, prefix+"act:{t1}:epoch").Int64(); err != nil || e != grid.UnixMicro() {
		t.Fatalf("landmark = %d, %v; want the grid's point before the event (%d)", e, err, grid.UnixMicro())
	}
	mustRecord(t, a, view("t1", "u1", "new", at0.Add(41*day)))
	next := grid.Add(40 * day)
	if e, err := c.Redis().Get(ctx, prefix+"act:{t1}:epoch").Int64(); err != nil || e != next.UnixMicro() {
		t.Fatalf("landmark = %d, %v; want it moved to the next point (%d)", e, err, next.UnixMicro())
	}
	scores, err := c.Redis().ZRangeWithScores(ctx, prefix+"act:{t1}:trend", 0, -1).Result()
	want := []float64{math.Exp2(at0.Sub(next).Hours() / 24), math.Exp2(at0.Add(41*day).Sub(next).Hours() / 24)}
	if err != nil || len(scores) != 2 || math.Abs(scores[0].Score/want[0]-1) > 1e-12 || math.Abs(scores[1].Score/want[1]-1) > 1e-12 {
		t.Fatalf("stored scores = %v, %v; want old %g, new %g (2^(days past the landmark))", scores, err, want[0], want[1])
	}
	// A late event of the earlier period counts as much as one recorded then.
	mustRecord(t, a, view("t1", "u2", "late", at0))
	top, err := a.Trending(ctx, "t1", 3, at0.Add(41*day))
	if err != nil || len(top) != 3 || top[0].ProductID != "new" || math.Abs(top[0].Score-1) > 1e-12 ||
		math.Abs(top[1].Score/0x1p-41-1) > 1e-12 || math.Abs(top[2].Score/0x1p-41-1) > 1e-12 {
		t.Fatalf("Trending = %v, %v; want new 1, then late and old 2^-41", top, err)
	}
}

// TestActivityReplyErrorIsNotUnavailable: a Redis that answers with an error is up; the
// caller must not take the error for an outage, and the cache must stay on Redis.
func TestActivityReplyErrorIsNotUnavailable(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	if err := c.Redis().Set(ctx, prefix+"act:{t1}:u:u1", "not a sorted set", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	err := c.Activity().Record(ctx, []recom.Event{view("t1", "u1", "p1", at0)})
	if err == nil || errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("Record onto a corrupt list = %v; want an error, not ErrUnavailable", err)
	}
	if _, _, err := c.Activity().RecentEvents(ctx, "t1", "u1", 10); err == nil || errors.Is(err, redis.ErrUnavailable) {
		t.Fatalf("RecentEvents of a corrupt list = %v; want an error, not ErrUnavailable", err)
	}
	if h := c.Health(); !h.OK {
		t.Fatalf("Health = %+v after reply errors; want OK", h)
	}
}

// TestActivityDegradedAtStart needs no Redis: nothing listens at the URL.
func TestActivityDegradedAtStart(t *testing.T) {
	ctx := context.Background()
	a := open(t, "redis://"+closedAddr(t)+"/0", "p:", nil).Activity()
	wantUnavailable(t, a)
	if err := a.Record(ctx, nil); err != nil {
		t.Errorf("Record(nil) while degraded = %v; want nil: there is nothing to record", err)
	}
}

// TestActivityOutage cuts Redis with a proxy: calls fail fast with ErrUnavailable and
// nothing is kept in process, then work again once Redis is back.
func TestActivityOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := redistest.StartProxy(t, rawURL)
	p.URL = patient(t, p.URL) // a cut connection fails at once whatever the timeouts
	c := open(t, p.URL, prefix, nil)
	a := c.Activity()
	mustRecord(t, a, view("t1", "u1", "before", at0))

	p.Stop()
	var slowest time.Duration
	for range 20 {
		slowest = max(slowest, wantUnavailable(t, a))
	}
	t.Logf("slowest call during the outage: %v", slowest)
	if h := c.Health(); h.OK {
		t.Fatalf("Health during the outage = %+v; want degraded", h)
	}

	p.Restart()
	waitHealthy(t, c)
	mustRecord(t, a, view("t1", "u1", "after", at0.Add(time.Minute)))
	evs, _, err := a.RecentEvents(ctx, "t1", "u1", 10)
	if err != nil || len(evs) != 2 || evs[0].ProductID != "after" || evs[1].ProductID != "before" {
		t.Fatalf("after recovery, RecentEvents = %d events, %v; want after, before", len(evs), err)
	}
	if top, err := a.Trending(ctx, "t1", 10, at0); err != nil || len(top) != 2 {
		t.Fatalf("after recovery, Trending = %v, %v; want 2 products", top, err)
	}
}

// wantUnavailable checks every call fails within 50 ms with ErrUnavailable, and
// returns the slowest call's time.
func wantUnavailable(t *testing.T, a recom.Activity) time.Duration {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func() error{
		"Record": func() error { return a.Record(ctx, []recom.Event{view("t1", "u1", "during", at0)}) },
		"RecentEvents": func() error {
			evs, seq, err := a.RecentEvents(ctx, "t1", "u1", 10)
			if len(evs) != 0 || seq != 0 {
				t.Errorf("RecentEvents while unavailable returned %d events, seq %d", len(evs), seq)
			}
			return err
		},
		"Trending": func() error {
			top, err := a.Trending(ctx, "t1", 10, at0)
			if len(top) != 0 {
				t.Errorf("Trending while unavailable returned %v", top)
			}
			return err
		},
	}
	var slowest time.Duration
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, redis.ErrUnavailable) || took > 50*time.Millisecond {
			t.Fatalf("%s while Redis is unreachable = %v after %v; want ErrUnavailable within 50ms", name, err, took)
		}
		slowest = max(slowest, took)
	}
	return slowest
}

// BenchmarkRedisActivity is the round trip of ingest's batches and of the request
// path's reads.
func BenchmarkRedisActivity(b *testing.B) {
	ctx := context.Background()
	c, err := redis.New(ctx, redistest.URL(b), redistest.Prefix(b), inmem.NewCache(10), inmem.NewLimiter(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	a := c.Activity()
	b.Run("Record100", func(b *testing.B) {
		batch := benchEvents(100, 0)
		for b.Loop() {
			advance(batch, time.Second)
			if err := a.Record(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParallelRecord100", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			batch := benchEvents(100, int(n.Add(1))) // another tenant per goroutine
			for pb.Next() {
				advance(batch, time.Second)
				if err := a.Record(ctx, batch); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)*100/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("ParallelRecordShoppers", func(b *testing.B) {
		// As the load test sends them: each batch one tenant's, from 100 of its 10,000
		// shoppers, over 200 products. Reports Redis's own CPU (INFO cpu) per event.
		rdb := goredis.NewClient(mustParseURL(b, redistest.URL(b)))
		defer rdb.Close()
		var n atomic.Int64
		before := redisCPU(b, rdb)
		b.RunParallel(func(pb *testing.PB) {
			g := n.Add(1)
			batch := benchEvents(100, int(g))
			for i := range batch {
				batch[i].UserID = fmt.Sprint("shopper-", (g*7919+int64(i)*104729)%10_000)
				batch[i].ProductID = fmt.Sprint("p", (g*31+int64(i)*17)%200)
			}
			for pb.Next() {
				advance(batch, time.Second)
				if err := a.Record(ctx, batch); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric((redisCPU(b, rdb)-before)*1e6/float64(b.N*100), "redis-µs/event")
	})
	b.Run("RecentEvents50", func(b *testing.B) {
		for b.Loop() {
			if evs, _, err := a.RecentEvents(ctx, "tenant-0", "user-1", 50); err != nil || len(evs) != 50 {
				b.Fatal(len(evs), err)
			}
		}
	})
	b.Run("Trending10", func(b *testing.B) {
		now := time.Now()
		for b.Loop() {
			if top, err := a.Trending(ctx, "tenant-0", 10, now); err != nil || len(top) != 10 {
				b.Fatal(top, err)
			}
		}
	})
	if h := c.Health(); !h.OK {
		b.Fatalf("degraded during the benchmark: %+v", h)
	}
}

// redisCPU is the CPU time (s) the Redis server has used, from INFO cpu.
func redisCPU(b *testing.B, rdb *goredis.Client) float64 {
	info, err := rdb.Info(b.Context(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for line := range strings.Lines(info) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("INFO cpu %s: %v", k, err)
			}
			total += f
		}
	}
	return total
}

func mustParseURL(b *testing.B, url string) *goredis.Options {
	o, err := goredis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	return o
}

var benchProduct atomic.Int64

// benchEvents returns n events of one tenant over 20 users and 10,000 products, with a
// price and metadata like real purchases, a millisecond apart.
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

// advance moves every event of batch by d, so each Record appends to the users' lists.
func advance(batch []recom.Event, d time.Duration) {
	for i := range batch {
		batch[i].Timestamp = batch[i].Timestamp.Add(d)
	}
}

func view(tenantID, userID, productID string, at time.Time) recom.Event {
	return recom.Event{TenantID: tenantID, Type: recom.ProductViewed, UserID: userID, ProductID: productID,
		Timestamp: at, ReceivedAt: at}
}

func mustRecord(t *testing.T, a recom.Activity, events ...recom.Event) {
	t.Helper()
	if err := a.Record(context.Background(), events); err != nil {
		t.Fatalf("Record(%d events): %v", len(events), err)
	}
}

// TestActivityManyTenantsMatchInProcess: large commits of many tenants (one script call
// each in a pipeline) leave each tenant's users' recent events and trending exactly as the
// in-process Activity does; a tenant whose events carry no weight (impressions only) gets
// no trending.
func TestActivityManyTenantsMatchInProcess(t *testing.T) {
	ctx := context.Background()
	got, want := openHealthy(t).Activity(), inmem.NewActivity(10_000)
	types := []recom.EventType{recom.ProductViewed, recom.AddToCart, recom.Purchase, recom.RemoveFromCart, recom.ProductClicked}
	var all []recom.Event
	for i := range 1500 {
		tenant := fmt.Sprintf("tenant-%02d", i%30)
		typ := types[(i/30+i)%len(types)]
		if tenant == "tenant-29" {
			typ = recom.RecommendationImpressed // no weight: no trending for this tenant
		}
		all = append(all, recom.Event{TenantID: tenant, UserID: fmt.Sprintf("u%d", (i/30)%40), Type: typ,
			ProductID: fmt.Sprintf("p%d", (i*13)%50), Timestamp: at0.Add(time.Duration(i) * time.Second),
			ReceivedAt: at0.Add(time.Duration(i) * time.Second)})
	}
	for len(all) > 0 { // commits of 700, 700 and 100 events
		n := min(700, len(all))
		for _, a := range []recom.Activity{got, want} {
			if err := a.Record(ctx, all[:n]); err != nil {
				t.Fatal(err)
			}
		}
		all = all[n:]
	}
	now := at0.Add(time.Hour)
	for ti := range 30 {
		tenant := fmt.Sprintf("tenant-%02d", ti)
		g, err1 := got.Trending(ctx, tenant, 100, now)
		w, err2 := want.Trending(ctx, tenant, 100, now)
		if err1 != nil || err2 != nil || len(g) != len(w) || (tenant == "tenant-29") != (len(g) == 0) {
			t.Fatalf("%s trending: %d scores (%v), in process %d (%v)", tenant, len(g), err1, len(w), err2)
		}
		for i := range g {
			if g[i].ProductID != w[i].ProductID || math.Abs(g[i].Score-w[i].Score) > 1e-9*math.Abs(w[i].Score) {
				t.Errorf("%s trending #%d: %+v, in process %+v", tenant, i, g[i], w[i])
			}
		}
		for u := range 40 {
			user := fmt.Sprintf("u%d", u)
			ge, _, err1 := got.RecentEvents(ctx, tenant, user, 100)
			we, _, err2 := want.RecentEvents(ctx, tenant, user, 100)
			if err1 != nil || err2 != nil || fmt.Sprint(productsOf(ge)) != fmt.Sprint(productsOf(we)) {
				t.Errorf("%s/%s recent: %v (%v), in process %v (%v)", tenant, user, productsOf(ge), err1, productsOf(we), err2)
			}
		}
	}
}

func productsOf(es []recom.Event) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = string(e.Type) + ":" + e.ProductID
	}
	return ids
}
