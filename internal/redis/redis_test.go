package redis_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/cachetest"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// open returns a client with in-process fallbacks, closed when the test ends.
func open(t *testing.T, rawURL, prefix string, logger *slog.Logger) *redis.Client {
	t.Helper()
	c, err := redis.New(context.Background(), rawURL, prefix, inmem.NewCache(100_000), inmem.NewLimiter(), logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openHealthy returns a client on the test Redis that must stay healthy until the test
// ends, so a suite run on it really ran on Redis and not on the fallbacks.
func openHealthy(t *testing.T) *redis.Client {
	t.Helper()
	c := open(t, patient(t, redistest.URL(t)), redistest.Prefix(t), nil)
	if h := c.Health(); !h.OK {
		t.Fatalf("Health = %+v; want OK", h)
	}
	t.Cleanup(func() {
		if h := c.Health(); !h.OK {
			t.Errorf("the client degraded during the test: %+v", h)
		}
	})
	return c
}

func TestCache(t *testing.T) {
	redistest.URL(t)
	cachetest.RunCache(t, func(t *testing.T) recom.Cache { return openHealthy(t).Cache() })
}

func TestLimiter(t *testing.T) {
	redistest.URL(t)
	cachetest.RunLimiter(t, func(t *testing.T) recom.Limiter { return openHealthy(t).Limiter() })
}

func TestEveryKeyUnderPrefix(t *testing.T) {
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c := open(t, patient(t, redistest.URL(t)), prefix, nil)
	if err := c.Cache().Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Limiter().Allow(ctx, "k", recom.PerMinute(5)); err != nil {
		t.Fatal(err)
	}
	var keys []string
	it := c.Redis().Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{prefix + "cache:k": true, prefix + "rate:k": true}
	if len(keys) != len(want) || !want[keys[0]] || !want[keys[1]] {
		t.Fatalf("keys under %s = %q; want %s{cache,rate}:k", prefix, keys, prefix)
	}
}

// TestSameSemanticsAsInmem runs one sequence on redis_rate and on inmem.Limiter.
func TestSameSemanticsAsInmem(t *testing.T) {
	rl, ml, ctx := openHealthy(t).Limiter(), inmem.NewLimiter(), context.Background()
	lim := recom.Limit{Rate: 10, Period: time.Second, Burst: 3}
	near := func(a, b time.Duration) bool { return (a - b).Abs() <= 20*time.Millisecond }
	for i := range 5 {
		r, err := rl.Allow(ctx, "k", lim)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := ml.Allow(ctx, "k", lim)
		if r.Allowed != m.Allowed || r.Limit != m.Limit || (r.Remaining-m.Remaining) > 1 || (m.Remaining-r.Remaining) > 1 ||
			!near(r.RetryAfter, m.RetryAfter) || !near(r.ResetAfter, m.ResetAfter) {
			t.Fatalf("call %d: redis %+v, inmem %+v; want the same", i+1, r, m)
		}
	}
}

func TestSharedLimitAcrossClients(t *testing.T) {
	rawURL, prefix := patient(t, redistest.URL(t)), redistest.Prefix(t)
	clients := []recom.Limiter{open(t, rawURL, prefix, nil).Limiter(), open(t, rawURL, prefix, nil).Limiter()}
	var mu sync.Mutex
	allowed := 0
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for range 60 { // 600 in all, 300 per client
				r, err := clients[g%2].Allow(context.Background(), "tenant-1", recom.PerMinute(500))
				if err != nil {
					t.Error(err)
					return
				}
				if r.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	// Never more than the limit; less by at most a lease per client (500/100 tokens), as
	// a client whose requests ended may hold tokens the other was refused.
	refilled := int(time.Since(start) / (time.Minute / 500))
	if allowed < 500-2*5 || allowed > 500+refilled {
		t.Fatalf("two clients allowed %d of 600 in %v; want 500 in total, less at most a lease each", allowed, time.Since(start))
	}
}

// TestDegradedAtStart needs no Redis: nothing listens at the URL.
func TestDegradedAtStart(t *testing.T) {
	rawURL := "redis://app:s3cret-pw@" + closedAddr(t) + "/0"
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	c := open(t, rawURL, "p:", logger)
	h := c.Health()
	if h.OK || h.Name != "redis" || h.Backend != "in-process (redis unreachable)" || h.Detail == "" {
		t.Fatalf("Health = %+v; want not OK, in-process, with a detail", h)
	}
	// /readyz answers anyone: the detail names no address; the log does.
	if addr := strings.TrimPrefix(strings.TrimSuffix(rawURL, "/0"), "redis://app:s3cret-pw@"); strings.Contains(h.Detail, addr) || !strings.Contains(logs.String(), addr) {
		t.Errorf("Health detail %q names %s, or the log does not:\n%s", h.Detail, addr, logs.String())
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d WARN lines at start; want 1:\n%s", n, logs.String())
	}
	t.Run("Cache", func(t *testing.T) {
		cachetest.RunCache(t, func(t *testing.T) recom.Cache { return open(t, rawURL, "p:", logger).Cache() })
	})
	t.Run("Limiter", func(t *testing.T) {
		cachetest.RunLimiter(t, func(t *testing.T) recom.Limiter { return open(t, rawURL, "p:", logger).Limiter() })
	})
	if strings.Contains(logs.String()+h.Detail, "s3cret") {
		t.Errorf("the password leaked into logs or Health:\n%s\n%s", logs.String(), h.Detail)
	}
}

func TestNewRejectsOnlyBadURLs(t *testing.T) {
	for _, rawURL := range []string{
		"http://127.0.0.1:6379",
		"redis://app:s3cret@127.0.0.1:notaport/0",
		"redis://app:s3cr/et@127.0.0.1:6379/0",
		"redis://127.0.0.1:6379/notadb",
		"redis://127.0.0.1:6379/0?no_such_option=1",
		"::",
	} {
		c, err := redis.New(context.Background(), rawURL, "p:", inmem.NewCache(10), inmem.NewLimiter(), nil)
		if err == nil {
			c.Close()
			t.Errorf("New(%q) = nil error; want a parse error", rawURL)
			continue
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("New(%q) error %q shows the password", rawURL, err)
		}
	}
}

// patient lengthens the client's timeouts (500ms by default) through the URL's query:
// on a loaded CI machine a shared Redis can answer slower than that, and the client
// would then rightly serve the rest of a test from the fallbacks.
func patient(t *testing.T, rawURL string) string { return withTimeouts(t, rawURL, "3s") }

// withTimeouts sets the client's timeouts in rawURL's query to d, where the URL sets none.
func withTimeouts(t *testing.T, rawURL, d string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal("RECOM_TEST_REDIS_URL does not parse")
	}
	q := u.Query()
	for _, k := range []string{"dial_timeout", "read_timeout", "write_timeout", "pool_timeout"} {
		if !q.Has(k) {
			q.Set(k, d)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
