package redis_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// TestLimiterLeases: two nodes on one Redis share a busy key's limit. Under the burst
// they admit everything while asking Redis for a small share of the requests; past it,
// they admit no more than the limit between them, and lose almost none of it to tokens
// leased and left unspent.
func TestLimiterLeases(t *testing.T) {
	rawURL, prefix := patient(t, redistest.URL(t)), redistest.Prefix(t)
	lim := recom.PerMinute(20_000) // one more token every 3 ms
	var scripts atomic.Int64
	var limiters []recom.Limiter
	for range 2 {
		c := open(t, rawURL, prefix, nil)
		c.Redis().AddHook(scriptCounter{&scripts})
		limiters = append(limiters, c.Limiter())
	}
	start := time.Now()
	// run sends perWorker requests from 8 workers on each node and counts those allowed.
	run := func(perWorker int) int64 {
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for _, l := range limiters {
			for range 8 {
				wg.Go(func() {
					for range perWorker {
						r, err := l.Allow(context.Background(), "busy", lim)
						if err != nil {
							t.Errorf("Allow: %v", err)
							return
						}
						if r.Allowed {
							allowed.Add(1)
						}
					}
				})
			}
		}
		wg.Wait()
		return allowed.Load()
	}

	if got := run(1000); got != 16_000 {
		t.Fatalf("%d of 16000 requests under the burst allowed; want all", got)
	}
	if n := scripts.Load(); n > 16_000/10 {
		t.Errorf("16000 requests under the burst made %d Redis calls; want at most a tenth", n)
	}
	t.Logf("16000 requests under the burst: %d Redis calls", scripts.Load())

	before := scripts.Load()
	allowed := 16_000 + run(1000)
	// Past the limit a refusal stands until its Retry-After: the refused requests in
	// between are answered without Redis.
	if n := scripts.Load() - before; n > 16_000/2 {
		t.Errorf("16000 requests past the burst made %d Redis calls; want far fewer", n)
	} else {
		t.Logf("16000 requests past the burst: %d Redis calls, %d allowed in all", n, allowed)
	}
	refilled := int64(time.Since(start) / (time.Minute / 20_000))
	if allowed > 20_000+refilled {
		t.Errorf("%d of 32000 requests allowed; the limit allows at most %d (burst 20000 + %d refilled)", allowed, 20_000+refilled, refilled)
	}
	if allowed < 20_000-2*20_000/100 {
		t.Errorf("%d of 32000 requests allowed; want the burst, 20000, less at most a lease per node", allowed)
	}
}

// scriptCounter counts the scripts a client runs (redis_rate's one per Allow).
type scriptCounter struct{ n *atomic.Int64 }

func (h scriptCounter) DialHook(next goredis.DialHook) goredis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h scriptCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if strings.HasPrefix(cmd.Name(), "eval") {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h scriptCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
