package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/cachetest"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

func TestBus(t *testing.T) {
	cachetest.RunBus(t, func(t *testing.T) (recom.Bus, recom.Bus) {
		url, prefix := patient(t, redistest.URL(t)), redistest.Prefix(t)
		return open(t, url, prefix, nil).Bus(), open(t, url, prefix, nil).Bus()
	})
}

// TestBusOutage: a listener whose connection is cut reports that it may miss messages,
// and after Redis is back it listens again, says so, and hears new messages.
func TestBusOutage(t *testing.T) {
	ctx, rawURL, prefix := context.Background(), redistest.URL(t), redistest.Prefix(t)
	p := redistest.StartProxy(t, rawURL)
	listener := open(t, patient(t, p.URL), prefix, nil).Bus()
	publisher := open(t, patient(t, rawURL), prefix, nil).Bus()

	var mu sync.Mutex
	var states []bool
	var msgs []string
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		listener.Listen(lctx, "catalog", func(m []byte) {
			mu.Lock()
			msgs = append(msgs, string(m))
			mu.Unlock()
		}, func(ok bool) {
			mu.Lock()
			states = append(states, ok)
			mu.Unlock()
		})
		close(done)
	}()
	defer func() { stop(); <-done }()
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("never %s: states %v, messages %q", what, states, msgs)
			}
		}
	}
	last := func(want bool) func() bool {
		return func() bool { return len(states) > 0 && states[len(states)-1] == want }
	}

	waitFor("connected", last(true))
	p.Stop()
	waitFor("reported the cut", last(false))
	p.Restart()
	waitFor("connected again", last(true))
	if err := publisher.Publish(ctx, "catalog", []byte("after")); err != nil {
		t.Fatal(err)
	}
	waitFor("heard the message sent after the outage", func() bool { return len(msgs) == 1 && msgs[0] == "after" })
}
