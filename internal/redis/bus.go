package redis

import (
	"context"
	"errors"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/recom"
)

// busQuiet is how long a listener waits for a message before it pings, and then for the
// pong: a connection that died silently is noticed within twice this.
const busQuiet = 2 * time.Second

// Bus returns the recom.Bus of every client on this Redis and prefix: Redis pub/sub on
// the channel <prefix>bus:<topic>.
func (c *Client) Bus() recom.Bus { return bus{c} }

type bus struct{ c *Client }

// Publish sends msg; it fails while the client is degraded, since nobody would hear it.
func (b bus) Publish(ctx context.Context, topic string, msg []byte) error {
	if b.c.degraded.Load() {
		return b.c.unavailable("publish")
	}
	if err := b.c.rdb.Publish(ctx, b.c.prefix+"bus:"+topic, msg).Err(); err != nil {
		return b.c.activityError(ctx, "publish", err)
	}
	return nil
}

// Listen subscribes and hears messages until ctx ends. After a broken connection it
// reports connected(false), subscribes again on a new connection (every pingEvery until
// Redis answers) and reports connected(true) once Redis confirms the subscription.
func (b bus) Listen(ctx context.Context, topic string, fn func([]byte), connected func(bool)) {
	channel := b.c.prefix + "bus:" + topic
	defer connected(false)
	for ctx.Err() == nil {
		if err := b.listen(ctx, channel, fn, connected); err != nil && ctx.Err() == nil {
			connected(false)
			// Once per lost subscription; refused re-subscriptions stay quiet (the client's
			// own watcher logs the outage once).
			b.c.logger.Warn("redis bus: subscription lost; subscribing again", "channel", channel, "err", b.c.redact(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(pingEvery):
		}
	}
}

// listen holds one subscription until its connection fails or ctx ends. It returns the
// error that ended a confirmed subscription; nil if it never was one (or ctx ended).
func (b bus) listen(ctx context.Context, channel string, fn func([]byte), connected func(bool)) error {
	ps := b.c.rdb.Subscribe(ctx, channel)
	defer ps.Close()
	// A blocked read does not watch ctx: closing the subscription ends it.
	defer context.AfterFunc(ctx, func() { ps.Close() })()
	pinged, subscribed := false, false
	lost := func(err error) error {
		if !subscribed || errors.Is(err, goredis.ErrClosed) {
			return nil
		}
		return err
	}
	for {
		m, err := ps.ReceiveTimeout(ctx, busQuiet)
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && errors.As(err, &ne) && ne.Timeout() && !pinged:
			// Quiet: ask, and the pong (or its absence) says whether anyone is there.
			if err := ps.Ping(ctx); err != nil {
				return lost(err)
			}
			pinged = true
			continue
		case err != nil:
			return lost(err)
		}
		pinged = false
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				subscribed = true
				connected(true)
			}
		case *goredis.Message:
			fn([]byte(m.Payload))
		}
	}
}
