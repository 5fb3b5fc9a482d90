package redis

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"

	"github.com/recomengine/recomengine/internal/recom"
)

// limiter is Client's recom.Limiter.
type limiter struct{ c *Client }

func (x limiter) Allow(ctx context.Context, key string, l recom.Limit) (recom.LimitResult, error) {
	if l.Rate <= 0 || l.Period <= 0 || l.Burst <= 0 {
		return recom.LimitResult{}, fmt.Errorf("redis: allow %q: invalid limit %+v", key, l)
	}
	c := x.c
	if !c.degraded.Load() {
		res, err := c.rate.Allow(ctx, key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Period})
		if err == nil {
			return recom.LimitResult{
				Allowed:    res.Allowed > 0,
				Limit:      l.Burst,
				Remaining:  res.Remaining,
				RetryAfter: max(res.RetryAfter, 0), // redis_rate says -1 when allowed
				ResetAfter: res.ResetAfter,
			}, nil
		}
		if ctx.Err() != nil { // the caller gave up; that says nothing about Redis
			return recom.LimitResult{}, fmt.Errorf("redis: allow %q: %w", key, err)
		}
		c.markDown(err)
	}
	return c.fallbackLimiter.Allow(ctx, c.prefix+key, l)
}
