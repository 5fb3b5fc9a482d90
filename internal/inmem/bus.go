package inmem

import (
	"context"
	"slices"
	"sync"
)

// Bus is the in-process recom.Bus: the one node of the embedded default hears its own
// notices, synchronously, in Publish.
type Bus struct {
	mu        sync.Mutex
	listeners map[string][]*listener
}

type listener struct {
	mu     sync.Mutex // calls to one listener are made one at a time, in order
	fn     func([]byte)
	closed bool // Listen returned: no more calls
}

// NewBus returns a bus with no listeners.
func NewBus() *Bus { return &Bus{listeners: map[string][]*listener{}} }

// Publish calls the listeners of topic with a copy of msg before it returns.
func (b *Bus) Publish(_ context.Context, topic string, msg []byte) error {
	b.mu.Lock()
	ls := slices.Clone(b.listeners[topic])
	b.mu.Unlock()
	for _, l := range ls {
		l.mu.Lock()
		if !l.closed {
			l.fn(slices.Clone(msg))
		}
		l.mu.Unlock()
	}
	return nil
}

// Listen hears every message on topic until ctx ends: in process nothing is ever missed.
func (b *Bus) Listen(ctx context.Context, topic string, fn func([]byte), connected func(bool)) {
	l := &listener{fn: fn}
	l.mu.Lock()
	b.mu.Lock()
	b.listeners[topic] = append(b.listeners[topic], l)
	b.mu.Unlock()
	connected(true) // before any message: Publish waits for l.mu
	l.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	b.listeners[topic] = slices.DeleteFunc(b.listeners[topic], func(x *listener) bool { return x == l })
	b.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	connected(false)
}
