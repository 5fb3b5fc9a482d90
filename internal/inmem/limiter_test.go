package inmem

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestLimiterMatchesRedisRate steps a fake clock through the values redis_rate's allowN
// script computes for the same calls (worked by hand from its Lua).
func TestLimiterMatchesRedisRate(t *testing.T) {
	ms := time.Millisecond
	lim := recom.Limit{Rate: 10, Period: time.Second, Burst: 3} // emission 100ms, burst offset 300ms
	steps := []struct {
		advance time.Duration
		want    recom.LimitResult
	}{
		{0, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 100 * ms}},
		{0, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: 200 * ms}},
		{0, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: 300 * ms}},
		{0, recom.LimitResult{Limit: 3, RetryAfter: 100 * ms, ResetAfter: 300 * ms}},
		{40 * ms, recom.LimitResult{Limit: 3, RetryAfter: 60 * ms, ResetAfter: 260 * ms}},
		{60 * ms, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 0, ResetAfter: 300 * ms}},
		{250 * ms, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 1, ResetAfter: 150 * ms}}, // 1.5 truncated
		{time.Hour, recom.LimitResult{Allowed: true, Limit: 3, Remaining: 2, ResetAfter: 100 * ms}},
	}
	clk := newClock()
	l := newLimiter(clk.now)
	for i, s := range steps {
		clk.advance(s.advance)
		got, err := l.Allow(context.Background(), "k", lim)
		if err != nil || got != s.want {
			t.Fatalf("step %d (+%v): Allow = %+v, %v; want %+v", i, s.advance, got, err, s.want)
		}
	}
}

func TestLimiterPerMinute(t *testing.T) {
	clk := newClock()
	l := newLimiter(clk.now)
	lim := recom.PerMinute(500)
	for i := range 500 {
		r, _ := l.Allow(context.Background(), "k", lim)
		if !r.Allowed || r.Remaining != 499-i {
			t.Fatalf("call %d = %+v; want allowed with Remaining %d", i+1, r, 499-i)
		}
	}
	r, _ := l.Allow(context.Background(), "k", lim)
	if r.Allowed || r.RetryAfter != 120*time.Millisecond || r.ResetAfter != time.Minute {
		t.Fatalf("call 501 = %+v; want denied, RetryAfter 120ms, ResetAfter 1m", r)
	}
	clk.advance(120 * time.Millisecond)
	if r, _ := l.Allow(context.Background(), "k", lim); !r.Allowed || r.Remaining != 0 {
		t.Fatalf("after 120ms = %+v; want allowed with Remaining 0", r)
	}
}

func TestLimiterForgetsResetKeys(t *testing.T) {
	clk := newClock()
	l := newLimiter(clk.now)
	short := recom.Limit{Rate: 1, Period: time.Second, Burst: 1}
	long := recom.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	for i := range 1000 {
		l.Allow(context.Background(), fmt.Sprint("short", i), short)
	}
	l.Allow(context.Background(), "long", long)
	if len(l.tat) != 1001 {
		t.Fatalf("holding %d keys; want 1001", len(l.tat))
	}
	clk.advance(sweepEvery)
	l.Allow(context.Background(), "other", short)
	if len(l.tat) != 2 { // "long" has not reset yet, "other" was just used
		t.Fatalf("after the sweep holding %d keys; want 2", len(l.tat))
	}
}
