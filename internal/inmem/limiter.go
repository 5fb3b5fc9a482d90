package inmem

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// sweepEvery is how often Allow forgets keys whose state has fully reset, so memory is
// bounded by the keys used within their limits' periods.
const sweepEvery = 10 * time.Second

// Limiter is an in-process recom.Limiter using GCRA with the semantics of
// github.com/go-redis/redis_rate/v10 (its allowN script with n = 1), so Remaining,
// RetryAfter and ResetAfter mean the same with or without Redis. Unlike redis_rate,
// RetryAfter is 0 (not -1) when allowed, as recom.LimitResult says.
type Limiter struct {
	now func() time.Time // a hook for tests

	mu        sync.Mutex
	tat       map[string]time.Time // theoretical arrival time; absent means fully reset
	nextSweep time.Time
}

// NewLimiter returns a limiter with no state.
func NewLimiter() *Limiter {
	return newLimiter(time.Now)
}

func newLimiter(now func() time.Time) *Limiter {
	return &Limiter{now: now, tat: make(map[string]time.Time), nextSweep: now().Add(sweepEvery)}
}

// Allow reports whether one more request under key fits l. Rate, Period and Burst must
// be positive.
func (l *Limiter) Allow(_ context.Context, key string, lim recom.Limit) (recom.LimitResult, error) {
	if lim.Rate <= 0 || lim.Period <= 0 || lim.Burst <= 0 {
		return recom.LimitResult{}, fmt.Errorf("inmem: allow %q: invalid limit %+v", key, lim)
	}
	emission := float64(lim.Period) / float64(lim.Rate)
	increment := time.Duration(math.Round(emission))
	burstOffset := time.Duration(math.Round(emission * float64(lim.Burst)))

	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)

	tat, ok := l.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(increment)
	diff := now.Sub(newTAT.Add(-burstOffset)) // now - allowAt
	if diff < 0 {
		return recom.LimitResult{Limit: lim.Burst, RetryAfter: -diff, ResetAfter: tat.Sub(now)}, nil
	}
	if newTAT.After(now) {
		l.tat[key] = newTAT
	}
	return recom.LimitResult{
		Allowed:    true,
		Limit:      lim.Burst,
		Remaining:  int(float64(diff) / emission), // truncated, as Redis turns a Lua number into an integer
		ResetAfter: newTAT.Sub(now),
	}, nil
}

// sweep forgets every key whose state has fully reset, at most once per sweepEvery.
// Callers hold l.mu.
func (l *Limiter) sweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
	l.nextSweep = now.Add(sweepEvery)
}
