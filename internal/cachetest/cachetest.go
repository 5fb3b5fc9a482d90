// Package cachetest is the behaviour every recom.Cache and recom.Limiter must show;
// inmem and redis tests both call it. It imports only recom of ours.
package cachetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// RunCache runs the cache behaviour suite. open is called once per subtest and must
// return an empty cache (or one whose keys cannot collide with other subtests').
func RunCache(t *testing.T, open func(t *testing.T) recom.Cache) {
	ctx := context.Background()

	t.Run("SetGet", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "k", "v1", time.Minute)
		wantHit(t, c, "k", "v1")
	})

	t.Run("MissIsNilFalseNil", func(t *testing.T) {
		c := open(t)
		v, ok, err := c.Get(ctx, "never-set")
		if v != nil || ok || err != nil {
			t.Fatalf("Get(never-set) = %q, %v, %v; want nil, false, nil", v, ok, err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "k", "old", time.Minute)
		mustSet(t, c, "k", "new", time.Minute)
		wantHit(t, c, "k", "new")
	})

	t.Run("Delete", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "a", "1", time.Minute)
		mustSet(t, c, "b", "2", time.Minute)
		mustSet(t, c, "c", "3", time.Minute)
		if err := c.Delete(ctx, "a", "b", "not-there"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantMiss(t, c, "a")
		wantMiss(t, c, "b")
		wantHit(t, c, "c", "3")
		if err := c.Delete(ctx); err != nil {
			t.Errorf("Delete() with no keys: %v", err)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "short", "v", 60*time.Millisecond)
		mustSet(t, c, "long", "v", time.Minute)
		wantHit(t, c, "short", "v")
		time.Sleep(150 * time.Millisecond)
		wantMiss(t, c, "short")
		wantHit(t, c, "long", "v")
	})

	t.Run("OverwriteRenewsTTL", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "k", "v1", 60*time.Millisecond)
		mustSet(t, c, "k", "v2", time.Minute)
		time.Sleep(150 * time.Millisecond)
		wantHit(t, c, "k", "v2")
	})

	t.Run("NonPositiveTTLIsAnError", func(t *testing.T) {
		c := open(t)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := c.Set(ctx, "k", []byte("v"), ttl); err == nil {
				t.Errorf("Set with ttl %v = nil error; want an error", ttl)
			}
		}
		wantMiss(t, c, "k")
	})

	t.Run("KeysAreIsolated", func(t *testing.T) {
		c := open(t)
		keys := []string{"t1:item", "t2:item", "T1:item", "t1:item:x", "t1:*", "t1:?", "t1:[a]", "with space", "ünïcödé", ""}
		for i, k := range keys {
			mustSet(t, c, k, fmt.Sprint(i), time.Minute)
		}
		for i, k := range keys {
			wantHit(t, c, k, fmt.Sprint(i))
		}
		if err := c.Delete(ctx, "t1:*"); err != nil { // a literal key, not a pattern
			t.Fatalf("Delete: %v", err)
		}
		wantMiss(t, c, "t1:*")
		wantHit(t, c, "t1:item", "0")
	})

	t.Run("ValuesAreCopied", func(t *testing.T) {
		c := open(t)
		in := []byte("abc")
		if err := c.Set(ctx, "k", in, time.Minute); err != nil {
			t.Fatalf("Set: %v", err)
		}
		in[0] = 'X' // the caller reuses its buffer
		out, _, _ := c.Get(ctx, "k")
		if string(out) != "abc" {
			t.Fatalf("after the caller changed its slice, Get = %q; want %q", out, "abc")
		}
		out[0] = 'Y'
		wantHit(t, c, "k", "abc")
	})

	t.Run("EmptyAndBinaryValues", func(t *testing.T) {
		c := open(t)
		mustSet(t, c, "empty", "", time.Minute)
		wantHit(t, c, "empty", "")
		bin := bytes.Repeat([]byte{0, 1, 0xff, '\n', '\r'}, 64<<10) // 320 KiB
		if err := c.Set(ctx, "bin", bin, time.Minute); err != nil {
			t.Fatalf("Set: %v", err)
		}
		if got, ok, err := c.Get(ctx, "bin"); err != nil || !ok || !bytes.Equal(got, bin) {
			t.Fatalf("Get(bin) = %d bytes, %v, %v; want the %d bytes set", len(got), ok, err, len(bin))
		}
	})

	t.Run("ConcurrentUse", func(t *testing.T) {
		c := open(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					k := fmt.Sprintf("g%d:%d", g, i%5)
					if err := c.Set(ctx, k, []byte(k), time.Minute); err != nil {
						t.Errorf("Set(%s): %v", k, err)
						return
					}
					if v, ok, err := c.Get(ctx, k); err != nil || !ok || string(v) != k {
						t.Errorf("Get(%s) = %q, %v, %v", k, v, ok, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// slack absorbs redis_rate's arithmetic in float seconds (600ms comes back as 600.000023ms).
const slack = time.Millisecond

// RunLimiter runs the limiter behaviour suite. open is called once per subtest and
// must return a limiter with no state for the keys used.
func RunLimiter(t *testing.T, open func(t *testing.T) recom.Limiter) {
	ctx := context.Background()

	t.Run("PerMinuteAllowsExactlyTheBurst", func(t *testing.T) {
		l := open(t)
		lim := recom.PerMinute(500)
		results := make([]recom.LimitResult, 600)
		start := time.Now()
		var wg sync.WaitGroup
		for g := range 10 { // concurrent, so a remote limiter finishes well inside one emission interval
			wg.Go(func() {
				for i := g; i < len(results); i += 10 {
					r, err := l.Allow(ctx, "tenant-1", lim)
					if err != nil {
						t.Errorf("Allow #%d: %v", i, err)
						return
					}
					results[i] = r
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		if t.Failed() {
			return
		}
		allowed := 0
		for _, r := range results {
			if r.Limit != 500 {
				t.Fatalf("Limit = %d; want the burst, 500", r.Limit)
			}
			if r.Allowed {
				allowed++
				if r.RetryAfter != 0 || r.ResetAfter <= 0 {
					t.Fatalf("allowed result %+v; want RetryAfter 0 and ResetAfter > 0", r)
				}
				continue
			}
			if r.Remaining != 0 || r.RetryAfter <= 0 || r.ResetAfter <= 0 {
				t.Fatalf("denied result %+v; want Remaining 0, RetryAfter > 0, ResetAfter > 0", r)
			}
			if r.RetryAfter > time.Minute/500+slack {
				t.Fatalf("denied RetryAfter = %v; want at most one emission interval (%v)", r.RetryAfter, time.Minute/500)
			}
		}
		// One more request refills every 120 ms; 600 calls normally take far less.
		refilled := int(elapsed / (time.Minute / 500))
		if allowed < 500 || allowed > 500+refilled {
			t.Fatalf("%d of 600 immediate requests allowed in %v; want 500", allowed, elapsed)
		}
		if refilled > 0 {
			t.Logf("calls took %v, so up to %d more could be allowed; %d were", elapsed, refilled, allowed)
		}
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		l := open(t)
		lim := recom.Limit{Rate: 1, Period: time.Minute, Burst: 2}
		for i, want := range []bool{true, true, false} {
			if r := mustAllow(t, l, "a", lim); r.Allowed != want {
				t.Fatalf("Allow(a) #%d = %+v; want Allowed %v", i+1, r, want)
			}
		}
		for _, k := range []string{"b", "A", "a:b"} {
			if r := mustAllow(t, l, k, lim); !r.Allowed || r.Remaining != 1 {
				t.Errorf("Allow(%s) after a was exhausted = %+v; want allowed with Remaining 1", k, r)
			}
		}
	})

	t.Run("RemainingDecreases", func(t *testing.T) {
		l := open(t)
		lim := recom.PerMinute(100)
		first := mustAllow(t, l, "k", lim)
		// redis_rate computes in float seconds and truncates, so 98 is possible for 99.
		if !first.Allowed || first.Remaining < 98 || first.Remaining > 99 {
			t.Fatalf("first Allow = %+v; want allowed with Remaining 99", first)
		}
		if want := time.Minute / 100; first.ResetAfter <= 0 || first.ResetAfter > want+slack {
			t.Errorf("first ResetAfter = %v; want about %v (one emission interval)", first.ResetAfter, want)
		}
		prev := first
		for i := range 10 {
			r := mustAllow(t, l, "k", lim)
			if !r.Allowed || r.Remaining > prev.Remaining {
				t.Fatalf("Allow #%d = %+v after Remaining %d; want allowed and not more", i+2, r, prev.Remaining)
			}
			prev = r
		}
		if prev.Remaining > first.Remaining-9 {
			t.Errorf("Remaining went from %d to %d in 10 calls; want a decrease of about 10", first.Remaining, prev.Remaining)
		}
	})

	t.Run("RefillsAfterRetryAfter", func(t *testing.T) {
		l := open(t)
		lim := recom.Limit{Rate: 10, Period: 100 * time.Millisecond, Burst: 1} // one every 10 ms
		if r := mustAllow(t, l, "k", lim); !r.Allowed || r.Remaining != 0 {
			t.Fatalf("first Allow = %+v; want allowed with Remaining 0", r)
		}
		denied := mustAllow(t, l, "k", lim)
		if denied.Allowed || denied.RetryAfter <= 0 || denied.RetryAfter > 10*time.Millisecond+slack {
			t.Fatalf("second Allow = %+v; want denied with 0 < RetryAfter <= 10ms", denied)
		}
		time.Sleep(denied.RetryAfter + 5*time.Millisecond)
		if r := mustAllow(t, l, "k", lim); !r.Allowed {
			t.Fatalf("Allow after waiting RetryAfter (%v) = %+v; want allowed", denied.RetryAfter, r)
		}
	})

	t.Run("ResetAfterCountsToAFullBucket", func(t *testing.T) {
		l := open(t)
		lim := recom.Limit{Rate: 10, Period: time.Second, Burst: 3} // one every 100 ms
		var r recom.LimitResult
		for range 3 {
			r = mustAllow(t, l, "k", lim)
		}
		if !r.Allowed || r.Remaining != 0 || r.ResetAfter < 250*time.Millisecond || r.ResetAfter > 300*time.Millisecond+slack {
			t.Fatalf("third Allow = %+v; want allowed, Remaining 0, ResetAfter about 300ms", r)
		}
		d := mustAllow(t, l, "k", lim)
		if d.Allowed || d.ResetAfter < 250*time.Millisecond || d.ResetAfter > 300*time.Millisecond+slack ||
			d.RetryAfter <= 0 || d.RetryAfter > 100*time.Millisecond+slack {
			t.Fatalf("fourth Allow = %+v; want denied, RetryAfter at most 100ms, ResetAfter about 300ms", d)
		}
	})

	t.Run("InvalidLimitIsAnError", func(t *testing.T) {
		l := open(t)
		for _, lim := range []recom.Limit{{}, {Rate: 0, Period: time.Second, Burst: 1},
			{Rate: 1, Period: 0, Burst: 1}, {Rate: 1, Period: time.Second, Burst: 0}} {
			if _, err := l.Allow(ctx, "k", lim); err == nil {
				t.Errorf("Allow with %+v = nil error; want an error", lim)
			}
		}
	})
}

func mustSet(t *testing.T, c recom.Cache, key, value string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(value), ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func wantHit(t *testing.T, c recom.Cache, key, want string) {
	t.Helper()
	got, ok, err := c.Get(context.Background(), key)
	if err != nil || !ok || string(got) != want {
		t.Fatalf("Get(%q) = %q, %v, %v; want %q, true, nil", key, got, ok, err, want)
	}
}

func wantMiss(t *testing.T, c recom.Cache, key string) {
	t.Helper()
	got, ok, err := c.Get(context.Background(), key)
	if err != nil || ok || got != nil {
		t.Fatalf("Get(%q) = %q, %v, %v; want a miss", key, got, ok, err)
	}
}

func mustAllow(t *testing.T, l recom.Limiter, key string, lim recom.Limit) recom.LimitResult {
	t.Helper()
	r, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatalf("Allow(%q, %+v): %v", key, lim, err)
	}
	return r
}
