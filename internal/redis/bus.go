package redis

import (
	"context"
	"errors"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/recom"
)

// busQuiet is how long a listener waits for a message before it pings, so a connection
// that died silently is noticed within about twice this.
const busQuiet = 5 * time.Second

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
		b.listen(ctx, channel, fn, connected)
		if ctx.Err() == nil {
			connected(false)
		}
		select {
		case <-ctx.Done():
		case <-time.After(pingEvery):
		}
	}
}

// listen holds one subscription until its connection fails or ctx ends.
func (b bus) listen(ctx context.Context, channel string, fn func([]byte), connected func(bool)) {
	ps := b.c.rdb.Subscribe(ctx, channel)
	defer ps.Close()
	// A blocked read does not watch ctx: closing the subscription ends it.
	defer context.AfterFunc(ctx, func() { ps.Close() })()
	pinged := false
	for {
		m, err := ps.ReceiveTimeout(ctx, busQuiet)
		var ne net.Error
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && errors.As(err, &ne) && ne.Timeout() && !pinged:
			// Quiet: ask, and the pong (or its absence) says whether anyone is there.
			if ps.Ping(ctx) != nil {
				return
			}
			pinged = true
			continue
		case err != nil:
			if !errors.Is(err, goredis.ErrClosed) {
				b.c.logger.Warn("redis bus: subscription lost; listening again", "channel", channel, "err", b.c.redact(err))
			}
			return
		}
		pinged = false
		switch m := m.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" {
				connected(true)
			}
		case *goredis.Message:
			fn([]byte(m.Payload))
		}
	}
}
