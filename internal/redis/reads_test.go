package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// pipelineGate is a go-redis hook that counts the pipelines of ZREVRANGE reads and holds
// the first one until released.
type pipelineGate struct {
	pipelines, reads atomic.Int64
	first            sync.Once
	release          chan struct{}
}

func (g *pipelineGate) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (g *pipelineGate) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return next
}

func (g *pipelineGate) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() == "zrevrange" {
			g.pipelines.Add(1)
			g.reads.Add(int64(len(cmds)))
			g.first.Do(func() { <-g.release })
		}
		return next(ctx, cmds)
	}
}

// held waits until the first pipeline is held.
func (g *pipelineGate) held(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); g.pipelines.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			close(g.release)
			t.Fatal("no read went to Redis in a pipeline within 5 s")
		}
	}
}

// TestRecentEventsShareRoundTrips: the reads of concurrent requests go to Redis together,
// and each request still gets its own user's list.
func TestRecentEventsShareRoundTrips(t *testing.T) {
	c := openHealthy(t)
	a := c.Activity()
	const users = 40
	for u := range users {
		mustRecord(t, a, view("t1", fmt.Sprint("u", u), fmt.Sprint("p", u), at0))
	}
	gate := &pipelineGate{release: make(chan struct{})}
	c.Redis().AddHook(gate)

	// The first read holds the reader; the others queue behind it meanwhile.
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for u := range users {
		wg.Go(func() {
			user := fmt.Sprint("u", u)
			got, v, err := a.RecentEvents(context.Background(), "t1", user, 10)
			if err != nil || v == 0 || len(got) != 1 || got[0].UserID != user || got[0].ProductID != fmt.Sprint("p", u) {
				errs <- fmt.Errorf("RecentEvents(%s) = %+v, version %d, %v; want its one view of p%d", user, got, v, err, u)
			}
		})
		if u == 0 {
			gate.held(t)
		}
	}
	time.Sleep(100 * time.Millisecond) // for the queued reads to be waiting
	close(gate.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// One round trip for the first read, then few for the 39 queued (at most 64 go in
	// one): without gathering, 40.
	if p, r := gate.pipelines.Load(), gate.reads.Load(); r != users || p > 4 {
		t.Errorf("%d reads took %d round trips; want 40 reads in at most 4", r, p)
	}
}

// TestRecentEventsWaitIsBounded: a request whose context ends while its read waits for a
// slow Redis returns at once, without turning the client degraded; the read is then
// answered to nobody.
func TestRecentEventsWaitIsBounded(t *testing.T) {
	c := openHealthy(t)
	a := c.Activity()
	mustRecord(t, a, view("t1", "u1", "p1", at0))
	gate := &pipelineGate{release: make(chan struct{})}
	c.Redis().AddHook(gate)
	go func() { _, _, _ = a.RecentEvents(context.Background(), "t1", "u0", 10) }() // holds the reader
	gate.held(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := a.RecentEvents(ctx, "t1", "u1", 10)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("RecentEvents behind a held read = %v after %v; want the deadline, at once", err, time.Since(start))
	}
	close(gate.release)
	if got, v, err := a.RecentEvents(context.Background(), "t1", "u1", 10); err != nil || v == 0 || len(got) != 1 {
		t.Errorf("RecentEvents once released = %d events, version %d, %v", len(got), v, err)
	}
}

// TestRecentEventsStallCostsOneTimeout: when Redis stalls (it answers nothing, closes
// nothing), the reads queued behind the first timeout fail at once once the client is
// degraded, rather than going on to Redis a batch at a time, each batch waiting out the
// timeout: 400 reads, 200 ms each, would take 7 batches and 1.4 s.
func TestRecentEventsStallCostsOneTimeout(t *testing.T) {
	p := redistest.StartProxy(t, redistest.URL(t))
	c := open(t, withTimeouts(t, p.URL, "200ms"), redistest.Prefix(t), nil)
	a := c.Activity()
	mustRecord(t, a, view("t1", "u1", "p1", at0))

	p.Stall()
	const reads = 400
	var wg sync.WaitGroup
	slowest := make(chan time.Duration, reads)
	start := time.Now()
	for range reads {
		wg.Go(func() {
			_, _, err := a.RecentEvents(context.Background(), "t1", "u1", 10)
			if !errors.Is(err, redis.ErrUnavailable) {
				t.Errorf("RecentEvents on a stalled Redis = %v; want ErrUnavailable", err)
			}
			slowest <- time.Since(start)
		})
	}
	wg.Wait()
	close(slowest)
	var worst time.Duration
	for d := range slowest {
		worst = max(worst, d)
	}
	if worst > 800*time.Millisecond {
		t.Errorf("the last of %d reads on a stalled Redis failed after %v; want one 200 ms timeout, not one per batch", reads, worst)
	}
	p.Resume()
}

// TestRecentEventsAfterClose: reads in flight or queued when the client closes fail
// promptly, and closing is not reported as an outage.
func TestRecentEventsAfterClose(t *testing.T) {
	var logs syncBuffer
	c := open(t, patient(t, redistest.URL(t)), redistest.Prefix(t), slog.New(slog.NewTextHandler(&logs, nil)))
	a := c.Activity()
	gate := &pipelineGate{release: make(chan struct{})}
	c.Redis().AddHook(gate)
	done := make(chan error, 3)
	read := func() { _, _, err := a.RecentEvents(context.Background(), "t1", "u1", 10); done <- err }
	go read() // in flight, held
	gate.held(t)
	go read() // queued behind it
	go read()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	time.Sleep(50 * time.Millisecond)
	close(gate.release)
	for range 3 {
		select {
		case err := <-done:
			if err == nil {
				t.Error("a read across Close succeeded")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a read across Close is still waiting after 5 s")
		}
	}
	<-closed
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("closing the client logged an outage:\n%s", logs.String())
	}
}
