package cachetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// RunBus checks a recom.Bus: open(t) returns two handles on one bus, as two nodes of a
// deployment would hold (for an in-process bus, the same one twice).
func RunBus(t *testing.T, open func(t *testing.T) (recom.Bus, recom.Bus)) {
	t.Run("every listener hears every message, in order", func(t *testing.T) {
		a, b := open(t)
		la, lb := listen(t, a, "catalog"), listen(t, b, "catalog")
		other := listen(t, b, "other")
		la.waitConnected(t)
		lb.waitConnected(t)
		other.waitConnected(t)
		for _, m := range []string{"one", "two", "three"} {
			if err := a.Publish(context.Background(), "catalog", []byte(m)); err != nil {
				t.Fatalf("Publish: %v", err)
			}
		}
		for name, l := range map[string]*heard{"the publisher's node": la, "another node": lb} {
			if got := l.waitMessages(t, 3); got[0] != "one" || got[1] != "two" || got[2] != "three" {
				t.Errorf("%s heard %q; want one, two, three", name, got)
			}
		}
		time.Sleep(50 * time.Millisecond)
		if got := other.messages(); len(got) != 0 {
			t.Errorf("a listener of another topic heard %q", got)
		}
	})
	t.Run("a listener that stops says so and hears no more", func(t *testing.T) {
		a, _ := open(t)
		ctx, cancel := context.WithCancel(context.Background())
		l := &heard{}
		done := make(chan struct{})
		go func() { a.Listen(ctx, "t", l.add, l.connect); close(done) }()
		l.waitConnected(t)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Listen did not return after its context ended")
		}
		if l.isConnected() {
			t.Error("Listen returned still reporting connected")
		}
		_ = a.Publish(context.Background(), "t", []byte("late"))
		time.Sleep(50 * time.Millisecond)
		if got := l.messages(); len(got) != 0 {
			t.Errorf("a stopped listener heard %q", got)
		}
	})
}

// heard records what a listener was told.
type heard struct {
	mu        sync.Mutex
	msgs      []string
	connected bool
}

func (h *heard) add(m []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, string(m))
}

func (h *heard) connect(ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connected = ok
}

func (h *heard) isConnected() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.connected
}

func (h *heard) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.msgs...)
}

func (h *heard) waitConnected(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !h.isConnected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the listener never reported connected")
		}
	}
}

func (h *heard) waitMessages(t *testing.T, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if got := h.messages(); len(got) >= n {
			return got
		} else if time.Now().After(deadline) {
			t.Fatalf("heard %q; want %d messages", got, n)
		}
	}
}

// listen starts a listener on topic for the rest of the test.
func listen(t *testing.T, b recom.Bus, topic string) *heard {
	ctx, cancel := context.WithCancel(context.Background())
	l := &heard{}
	done := make(chan struct{})
	go func() { b.Listen(ctx, topic, l.add, l.connect); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return l
}
