// Package redis holds the Redis cache, distributed rate limiter and activity (recent
// events, trending). While Redis is unreachable it serves the cache and limiter from the
// in-process fallbacks it is given, so requests keep working; activity calls fail with
// ErrUnavailable. It imports only recom of ours.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/recomengine/recomengine/internal/recom"
)

const (
	// opTimeout bounds dialling, reading and writing, so a Redis outage costs a request
	// at most this much once, before the client turns degraded.
	opTimeout = 500 * time.Millisecond
	poolSize  = 10
	// pingEvery is how often the watcher checks Redis, in both states.
	pingEvery = time.Second
	// recoverTimeout bounds deleting the keys written during an outage.
	recoverTimeout = 5 * time.Second
	// maxDirty is how many cache keys written during an outage are remembered for
	// deletion; beyond it, recovery deletes every cache key under the prefix.
	maxDirty = 10_000
)

// Client is the Redis adapter: Cache, Limiter, Activity and Health. Keys are laid out as
// <prefix>cache:<key>, <prefix>rate:<key> and <prefix>act:{<tenant>}:…, so clients with
// different prefixes can share one Redis.
//
// While Redis fails (refused, timed out, closed), the client is degraded: it serves
// every call from the fallbacks without trying Redis, and a watcher pings Redis every
// second. Cache keys set or deleted while degraded are deleted from Redis before the
// client turns healthy again, so Redis never serves a value older than a write made
// during the outage. The fallback cache is keyed by outage, so one outage never reads
// values left from an earlier one.
type Client struct {
	rdb             *goredis.Client
	rate            *redis_rate.Limiter
	prefix          string
	fallbackCache   recom.Cache
	fallbackLimiter recom.Limiter
	logger          *slog.Logger
	addr, password  string
	pingTimeout     time.Duration

	degraded atomic.Bool
	outage   atomic.Uint64 // numbers the outages; part of every fallback cache key

	lastErr    atomic.Value // string: the last Redis error, redacted, for Health
	leases     sync.Map     // rate limit key → *lease (limiter.go)
	leaseSweep atomic.Int64 // when leases were last swept, Unix ns

	mu        sync.Mutex // guards the fields below and the transitions of degraded
	downSince time.Time
	dirty     map[string]struct{} // cache keys set or deleted while degraded
	overflow  bool                // more than maxDirty keys were

	listReads   chan *listRead // to the readers (reads.go)
	readersDone chan struct{}  // closed when the readers have stopped

	stop      context.CancelFunc // stops the watcher and the readers
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// New returns a client for the Redis at rawURL (redis://[user:password@]host:port/db).
// It returns an error only if rawURL cannot be parsed: an unreachable Redis makes the
// client start degraded. ctx bounds the first ping only; Close stops the watcher and the
// reader of users' lists (reads.go).
// fallbackCache and fallbackLimiter serve calls while Redis is unreachable; New panics
// if either is nil, rather than the first outage.
func New(ctx context.Context, rawURL, prefix string, fallbackCache recom.Cache, fallbackLimiter recom.Limiter, logger *slog.Logger) (*Client, error) {
	if fallbackCache == nil || fallbackLimiter == nil {
		panic("redis: New needs a fallback cache and limiter")
	}
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: parse URL: %w", urlError(rawURL, err))
	}
	// Short timeouts and no retries: a slow Redis should turn the client degraded
	// quickly rather than hold requests. Values set in the URL's query win.
	for _, d := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout, &opts.PoolTimeout} {
		if *d == 0 {
			*d = opTimeout
		}
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = poolSize
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = -1
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = 1 // attempts, not retries
	}
	opts.ContextTimeoutEnabled = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	rdb := goredis.NewClient(opts)
	c := &Client{
		rdb:             rdb,
		rate:            redis_rate.NewLimiter(prefixed{rdb, prefix}),
		prefix:          prefix,
		fallbackCache:   fallbackCache,
		fallbackLimiter: fallbackLimiter,
		logger:          logger,
		addr:            opts.Addr,
		password:        opts.Password,
		pingTimeout:     opts.DialTimeout + opts.ReadTimeout,
		dirty:           make(map[string]struct{}),
		done:            make(chan struct{}),
		listReads:       make(chan *listRead),
		readersDone:     make(chan struct{}),
	}
	pctx, cancel := context.WithTimeout(ctx, c.pingTimeout)
	err = rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		c.markDown(err)
	} else {
		logger.Info("redis connected", "addr", c.addr)
	}
	wctx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.watch(wctx)
	var readers sync.WaitGroup
	for range listReaders {
		readers.Go(func() { c.readLists(wctx) })
	}
	go func() {
		readers.Wait()
		close(c.readersDone)
	}()
	return c, nil
}

// Cache returns the cache: Redis while reachable, else the fallback cache.
func (c *Client) Cache() recom.Cache { return cache{c} }

// Limiter returns the rate limiter: redis_rate's GCRA shared by every client on this
// Redis and prefix while reachable, else the fallback limiter (per process).
func (c *Client) Limiter() recom.Limiter { return limiter{c} }

// Activity returns the users' recent events and the tenants' trending, shared by every
// client on this Redis and prefix. It has no fallback: while degraded, its calls fail
// at once with an error wrapping ErrUnavailable, and the engine reads the store.
func (c *Client) Activity() recom.Activity { return activity{c} }

// Redis returns the underlying client for features beyond Cache and Limiter; callers
// must put the prefix in front of their keys themselves.
func (c *Client) Redis() *goredis.Client { return c.rdb }

// Health reports whether calls are served by Redis. /readyz shows it to anyone, so the
// detail while degraded does not quote the error, which names internal addresses: the
// log line of the outage does.
func (c *Client) Health() recom.Health {
	if !c.degraded.Load() {
		return recom.Health{Name: "redis", Backend: "redis", OK: true}
	}
	return recom.Health{Name: "redis", Backend: "in-process (redis unreachable)",
		Detail: "Redis does not answer; the server's log says why"}
}

// Close stops the watcher and closes the connections. Calls after Close are served by
// the fallbacks.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.stop()
		<-c.done
		<-c.readersDone
		c.mu.Lock()
		c.lastErr.Store("client closed")
		c.degraded.Store(true) // quietly: closing is not an outage
		c.mu.Unlock()
		c.closeErr = c.rdb.Close()
	})
	return c.closeErr
}

// markDown turns the client degraded after err, logging only the transition.
func (c *Client) markDown(err error) {
	msg := c.redact(err)
	c.lastErr.Store(msg)
	c.mu.Lock()
	if c.degraded.Load() {
		c.mu.Unlock()
		return
	}
	c.outage.Add(1)
	c.downSince = time.Now()
	c.degraded.Store(true)
	c.mu.Unlock()
	c.logger.Warn("redis unreachable: serving cache and rate limits in-process", "addr", c.addr, "err", msg)
}

// watch pings Redis every pingEvery until ctx ends: a failure turns the client
// degraded, and a success while degraded recovers it.
func (c *Client) watch(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.pingTimeout)
		err := c.rdb.Ping(pctx).Err()
		cancel()
		if err == nil && c.degraded.Load() {
			err = c.recover(ctx)
		}
		if err != nil && ctx.Err() == nil {
			c.markDown(err)
		}
	}
}

// recover deletes from Redis the cache keys written while degraded, then turns the
// client healthy. Writers arriving during the last pass wait for it, so none is missed.
func (c *Client) recover(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, recoverTimeout)
	defer cancel()
	c.mu.Lock()
	keys, overflow := c.takeDirty()
	c.mu.Unlock()
	if err := c.invalidate(ctx, keys, overflow); err != nil { // the bulk, without the lock
		c.mu.Lock()
		c.putBackDirty(keys, overflow)
		c.mu.Unlock()
		return err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	keys, overflow = c.takeDirty()
	if err := c.invalidate(ctx, keys, overflow); err != nil {
		c.putBackDirty(keys, overflow)
		return err
	}
	c.degraded.Store(false)
	c.logger.Info("redis reachable again: serving cache and rate limits from redis",
		"addr", c.addr, "outage", time.Since(c.downSince).Round(time.Millisecond).String())
	return nil
}

// noteDirty records keys as written during the outage. It reports false, recording
// nothing, if the client is healthy again, so the caller must write to Redis instead.
func (c *Client) noteDirty(keys []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.degraded.Load() {
		return false
	}
	for _, k := range keys {
		if c.overflow {
			break
		}
		if len(c.dirty) >= maxDirty {
			c.overflow = true
			break
		}
		c.dirty[k] = struct{}{}
	}
	return true
}

// takeDirty empties the dirty set; callers hold c.mu.
func (c *Client) takeDirty() (map[string]struct{}, bool) {
	keys, overflow := c.dirty, c.overflow
	c.dirty, c.overflow = make(map[string]struct{}), false
	return keys, overflow
}

// putBackDirty returns keys to the dirty set after a failed invalidation; callers hold c.mu.
func (c *Client) putBackDirty(keys map[string]struct{}, overflow bool) {
	c.overflow = c.overflow || overflow || len(c.dirty)+len(keys) > maxDirty
	if c.overflow {
		return
	}
	for k := range keys {
		c.dirty[k] = struct{}{}
	}
}

// invalidate deletes keys from Redis, or every cache key under the prefix on overflow.
func (c *Client) invalidate(ctx context.Context, keys map[string]struct{}, overflow bool) error {
	batch := make([]string, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.rdb.Unlink(ctx, batch...).Err()
		batch = batch[:0]
		return err
	}
	if overflow {
		it := c.rdb.Scan(ctx, 0, globEscape(c.cacheKey(""))+"*", 1000).Iterator()
		for it.Next(ctx) {
			if batch = append(batch, it.Val()); len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := it.Err(); err != nil {
			return err
		}
		return flush()
	}
	for k := range keys {
		if batch = append(batch, c.cacheKey(k)); len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func (c *Client) cacheKey(key string) string { return c.prefix + "cache:" + key }

// fallbackKey keys the fallback cache by outage, so values written in an earlier outage
// (and maybe changed in Redis since) are never read.
func (c *Client) fallbackKey(key string) string {
	return c.prefix + strconv.FormatUint(c.outage.Load(), 10) + ":" + key
}

// redact shortens err for logs and Health, removing the password should it appear.
func (c *Client) redact(err error) string {
	s := err.Error()
	if c.password != "" {
		s = strings.ReplaceAll(s, c.password, "***")
	}
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// urlError keeps a parse error's cause but not the URL, which may hold a password: a
// *url.Error repeats the whole URL, and a misparsed password can land in any field.
func urlError(rawURL string, err error) error {
	if strings.Contains(rawURL, "@") {
		return errors.New("invalid URL (details withheld: it has credentials); want redis://[user:password@]host:port/db")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// globEscape escapes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*?[]^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prefixed puts the client's prefix in front of every key redis_rate uses: redis_rate
// always writes "rate:"+key and has no option for a namespace.
type prefixed struct {
	*goredis.Client
	prefix string
}

func (p prefixed) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p.prefix + k
	}
	return out
}

func (p prefixed) Eval(ctx context.Context, script string, keys []string, args ...any) *goredis.Cmd {
	return p.Client.Eval(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *goredis.Cmd {
	return p.Client.EvalSha(ctx, sha1, p.keys(keys), args...)
}

func (p prefixed) EvalRO(ctx context.Context, script string, keys []string, args ...any) *goredis.Cmd {
	return p.Client.EvalRO(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *goredis.Cmd {
	return p.Client.EvalShaRO(ctx, sha1, p.keys(keys), args...)
}

func (p prefixed) Del(ctx context.Context, keys ...string) *goredis.IntCmd {
	return p.Client.Del(ctx, p.keys(keys)...)
}
