package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// cache is Client's recom.Cache.
type cache struct{ c *Client }

func (x cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c := x.c
	if !c.degraded.Load() {
		v, err := c.rdb.Get(ctx, c.cacheKey(key)).Bytes()
		switch {
		case err == nil:
			return v, true, nil
		case errors.Is(err, goredis.Nil):
			return nil, false, nil
		case ctx.Err() != nil: // the caller gave up; that says nothing about Redis
			return nil, false, fmt.Errorf("redis: get %q: %w", key, err)
		}
		c.markDown(err)
	}
	return c.fallbackCache.Get(ctx, c.fallbackKey(key))
}

func (x cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redis: set %q: ttl %v is not positive", key, ttl)
	}
	ttl = ttl.Round(time.Millisecond) // Redis's resolution; go-redis logs when truncating
	if ttl == 0 {
		ttl = time.Millisecond
	}
	c := x.c
	return c.write(ctx, "set", []string{key},
		func() error { return c.rdb.Set(ctx, c.cacheKey(key), value, ttl).Err() },
		func() error { return c.fallbackCache.Set(ctx, c.fallbackKey(key), value, ttl) })
}

func (x cache) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	c := x.c
	return c.write(ctx, "delete", keys,
		func() error {
			rkeys := make([]string, len(keys))
			for i, k := range keys {
				rkeys[i] = c.cacheKey(k)
			}
			return c.rdb.Del(ctx, rkeys...).Err()
		},
		func() error {
			fkeys := make([]string, len(keys))
			for i, k := range keys {
				fkeys[i] = c.fallbackKey(k)
			}
			return c.fallbackCache.Delete(ctx, fkeys...)
		})
}

// write runs onRedis while Redis is healthy. Otherwise it notes keys as written during
// the outage, for recover to delete from Redis, and runs onFallback.
func (c *Client) write(ctx context.Context, op string, keys []string, onRedis, onFallback func() error) error {
	for {
		if !c.degraded.Load() {
			err := onRedis()
			if err == nil {
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("redis: %s %q: %w", op, keys, err)
			}
			c.markDown(err)
		}
		if c.noteDirty(keys) {
			return onFallback()
		}
		// Redis came back between the check and noteDirty: write there instead.
	}
}
