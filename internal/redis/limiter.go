package redis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"

	"github.com/recomengine/recomengine/internal/recom"
)

// limiter is Client's recom.Limiter.
//
// A busy key would cost a round trip and a Lua script per request (34 µs of Redis's
// one thread each, measured), so a node takes its tokens in leases: one call pays for
// several tokens, which this node then spends without asking again. Tokens are paid
// before they are spent, so the nodes together never admit more requests than Redis
// granted tokens; but a node may spend a lease's tokens up to leaseTTL after Redis
// counted them, so in a window shorter than that the nodes can admit up to the tokens
// they hold (at most a hundredth of the burst each) beyond the rate. The other way,
// tokens a lease leaves unspent are lost, and a node can be refused while another still
// holds tokens. Limits with a burst under 200 are never leased; a key that was refused
// takes one token at a time for leaseTTL, so near its limit it is counted exactly. A
// refused key is refused here until its Retry-After has passed, without asking Redis:
// under GCRA no request can be let through before then, whichever node asks.
type limiter struct{ c *Client }

const (
	// leaseShare: a lease takes at most Burst/leaseShare tokens.
	leaseShare = 100
	// leaseTTL is how long a lease's tokens can be spent: tokens are never spent more
	// than this long after Redis counted them.
	leaseTTL = time.Second
	// leaseTarget is how long a lease should last: one spent faster doubles the next.
	leaseTarget = 100 * time.Millisecond
	// leaseIdle: leases not renewed for this long are forgotten (a swept key starts
	// again from one token).
	leaseIdle = time.Minute
)

// lease is this node's share of one key's tokens.
type lease struct {
	mu      sync.Mutex        // held while a new lease is taken, so one request asks for all
	left    int               // tokens paid for and not yet spent
	size    int               // tokens the next lease takes
	taken   time.Time         // when the last lease was granted
	refused time.Time         // when the key was last refused
	denial  recom.LimitResult // Redis's last refusal
	until   time.Time         // the refusal stands until then
	result  recom.LimitResult // Redis's answer when the lease was taken
}

func (x limiter) Allow(ctx context.Context, key string, l recom.Limit) (recom.LimitResult, error) {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst <= 0 {
		return recom.LimitResult{}, fmt.Errorf("redis: allow %q: invalid limit %+v", key, l)
	}
	c := x.c
	if c.degraded.Load() {
		return c.fallbackLimiter.Allow(ctx, c.prefix+key, l)
	}
	if l.Burst < 2*leaseShare {
		r, _, err := x.allowN(ctx, key, l, 1)
		return r, err
	}
	ls := x.lease(key)
	defer ls.mu.Unlock()
	now := time.Now()
	if now.Before(ls.until) {
		r := ls.denial
		r.RetryAfter, r.ResetAfter = ls.until.Sub(now), max(0, r.ResetAfter-now.Sub(ls.refused))
		return r, nil
	}
	if ls.left > 0 && now.Sub(ls.taken) < leaseTTL {
		ls.left--
		r := ls.result
		r.Remaining += ls.left
		return r, nil
	}
	// Requests that queued on the lock while a call to Redis timed out must not each
	// wait for a timeout of their own.
	if c.degraded.Load() {
		return c.fallbackLimiter.Allow(ctx, c.prefix+key, l)
	}
	switch age := now.Sub(ls.taken); {
	case now.Sub(ls.refused) < leaseTTL: // at the limit lately: one token at a time
		ls.size = 1
	case ls.left > 0: // the last lease ended unspent: ask for less
		ls.size = max(1, ls.size/2)
	case age > 10*leaseTTL: // idle a while: start again from one
		ls.size = 1
	case age < leaseTarget:
		ls.size *= 2
	}
	ls.size = max(1, min(ls.size, l.Burst/leaseShare))
	ls.left = 0
	r, fromRedis, err := x.allowN(ctx, key, l, ls.size)
	if fromRedis && !r.Allowed && ls.size > 1 { // near the limit: one token, exactly
		ls.size, ls.refused = 1, now
		r, fromRedis, err = x.allowN(ctx, key, l, 1)
	}
	if fromRedis && !r.Allowed {
		ls.refused, ls.denial, ls.until = now, r, now.Add(r.RetryAfter)
	}
	if !fromRedis || !r.Allowed {
		return r, err
	}
	ls.left, ls.taken, ls.result = ls.size-1, now, r
	r.Remaining += ls.left
	x.sweep(now)
	return r, nil
}

// lease returns key's lease, locked: the one in the map, not one a sweep just removed.
func (x limiter) lease(key string) *lease {
	for {
		v, ok := x.c.leases.Load(key)
		if !ok {
			v, _ = x.c.leases.LoadOrStore(key, &lease{size: 1})
		}
		ls := v.(*lease)
		ls.mu.Lock()
		if cur, ok := x.c.leases.Load(key); ok && cur == ls {
			return ls
		}
		ls.mu.Unlock()
	}
}

// sweep forgets, at most once a leaseIdle, the leases of keys not renewed for as long,
// so keys deleted or rotated away do not stay in memory.
func (x limiter) sweep(now time.Time) {
	c := x.c
	last := c.leaseSweep.Load()
	if now.UnixNano()-last < int64(leaseIdle) || !c.leaseSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	c.leases.Range(func(k, v any) bool {
		ls := v.(*lease)
		if ls.mu.TryLock() { // a lease in use is not idle
			if now.Sub(ls.taken) > leaseIdle && now.Sub(ls.refused) > leaseIdle {
				c.leases.Delete(k)
			}
			ls.mu.Unlock()
		}
		return true
	})
}

// allowN takes n tokens of key from Redis (fromRedis), else one from the fallback
// limiter as Redis failed.
func (x limiter) allowN(ctx context.Context, key string, l recom.Limit, n int) (_ recom.LimitResult, fromRedis bool, _ error) {
	c := x.c
	res, err := c.rate.AllowN(ctx, key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period}, n)
	if err == nil {
		return recom.LimitResult{
			Allowed:    res.Allowed > 0,
			Limit:      l.Burst,
			Remaining:  res.Remaining,
			RetryAfter: max(res.RetryAfter, 0), // redis_rate says -1 when allowed
			ResetAfter: res.ResetAfter,
		}, true, nil
	}
	if ctx.Err() != nil { // the caller gave up; that says nothing about Redis
		return recom.LimitResult{}, false, fmt.Errorf("redis: allow %q: %w", key, err)
	}
	c.markDown(err)
	r, err := c.fallbackLimiter.Allow(ctx, c.prefix+key, l)
	return r, false, err
}
