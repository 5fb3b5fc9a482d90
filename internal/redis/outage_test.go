package redis_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
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
	p := startProxy(t, rawURL)
	var logs syncBuffer
	c := open(t, p.url, prefix, slog.New(slog.NewTextHandler(&logs, nil)))
	cache, lim, limit := c.Cache(), c.Limiter(), recom.PerMinute(1000)

	mustSet(t, cache, "before", "v")
	wantValue(t, cache, "before", "v")
	if r, err := lim.Allow(ctx, "tenant-1", limit); err != nil || !r.Allowed {
		t.Fatalf("Allow = %+v, %v; want allowed", r, err)
	}
	if h := c.Health(); !h.OK || h.Backend != "redis" {
		t.Fatalf("Health = %+v; want OK on redis", h)
	}

	p.stop()
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

	p.restart()
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
	p := startProxy(t, rawURL)
	c := open(t, p.url, prefix, nil)
	cache := c.Cache()
	mustSet(t, cache, "deleted", "old")
	mustSet(t, cache, "changed", "old")
	mustSet(t, cache, "kept", "old")

	p.stop()
	if err := cache.Delete(ctx, "deleted"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, cache, "changed", "new")
	wantValue(t, cache, "changed", "new")
	wantMiss(t, cache, "deleted")

	p.restart()
	waitHealthy(t, c)
	wantMiss(t, cache, "deleted") // not Redis's "old"
	wantMiss(t, cache, "changed") // "new" lived only in process; Redis's "old" must not come back
	wantValue(t, cache, "kept", "old")

	mustSet(t, cache, "changed", "newer")
	p.stop()
	wantMiss(t, cache, "changed") // the first outage's "new" is not served in the second
	p.restart()
	waitHealthy(t, c)
	wantValue(t, cache, "changed", "newer")
}

// TestManyWritesDuringOutage overflows the set of keys remembered during an outage:
// recovery then deletes every cache key under the prefix, but no rate-limit key.
func TestManyWritesDuringOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := startProxy(t, rawURL)
	c := open(t, p.url, prefix, nil)
	cache := c.Cache()
	mustSet(t, cache, "untouched", "old")
	if _, err := c.Limiter().Allow(ctx, "k", recom.PerMinute(5)); err != nil {
		t.Fatal(err)
	}

	p.stop()
	for i := range 10_001 {
		mustSet(t, cache, fmt.Sprint("k", i), "v")
	}
	p.restart()
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

// proxy forwards TCP from a local port to Redis; stop cuts every connection and
// restart listens on the same port again.
type proxy struct {
	t      *testing.T
	target string // Redis host:port
	addr   string // the proxy's host:port
	url    string // the Redis URL pointing at the proxy

	mu    sync.Mutex
	ln    net.Listener // nil while stopped
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, redisURL string) *proxy {
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal("RECOM_TEST_REDIS_URL does not parse")
	}
	p := &proxy{t: t, target: u.Host, conns: make(map[net.Conn]bool)}
	p.listen("127.0.0.1:0")
	u.Host = p.addr
	p.url = patient(t, u.String()) // a cut connection fails at once whatever the timeouts
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) listen(addr string) {
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		p.t.Fatalf("proxy: listen on %s: %v", addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.serve(down) })
		}
	})
}

func (p *proxy) serve(down net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		down.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		down.Close()
		up.Close()
		return
	}
	p.conns[down], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, down); done <- struct{}{} }()
	go func() { io.Copy(down, up); done <- struct{}{} }()
	<-done
	down.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, down)
	delete(p.conns, up)
	p.mu.Unlock()
}

func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) restart() { p.listen(p.addr) }
