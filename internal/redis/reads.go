package redis

import (
	"context"
	"errors"

	goredis "github.com/redis/go-redis/v9"

	"github.com/recomengine/recomengine/internal/recom"
)

// Every recommendation request reads its user's list of recent events: one ZREVRANGE.
// Redis spends about 6 µs running it and ten times that on the round trip's system calls
// (measured at 2,000 requests a second), and so does the node. So the reads of
// concurrent requests are gathered into pipelines, as the ingest flusher gathers
// writes: a reader sends every read queued, up to maxListReads, in one round trip, and
// the reads that arrive meanwhile wait for the next. Nothing waits for company: an idle
// reader sends a lone read at once. (go-redis's AutoPipeline does the same gathering, but
// it is marked experimental, and once Redis has stalled it would send every queued read
// on, each batch waiting out the timeout; a reader here fails them at once instead.)
const (
	listReaders  = 1  // pipelines in flight
	maxListReads = 64 // reads in one pipeline
)

// listRead is one queued read of a user's list.
type listRead struct {
	key  string
	list []string
	err  error
	done chan struct{} // closed when list and err are set
}

// errDegraded answers the reads gathered while the client is degraded.
var errDegraded = errors.New("degraded")

// errClosed answers the reads of a closing client.
var errClosed = errors.New("client closed")

// readList returns the user's list at key, newest first, as ZREVRANGE would, in a
// pipeline with the reads of other requests. ctx bounds the wait, not the pipeline.
func (c *Client) readList(ctx context.Context, key string) ([]string, error) {
	r := &listRead{key: key, done: make(chan struct{})}
	select {
	case c.listReads <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.readersDone:
		return nil, errClosed
	}
	select {
	case <-r.done:
		return r.list, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readLists is a reader: it takes the first queued read, gathers those queued behind it
// and sends them in one pipeline, until ctx ends. The pipeline is bounded by the
// client's read and write timeouts, as any call without a deadline. Reads gathered while
// the client is degraded (say a stalled Redis timed out the pipeline before) fail at once
// with errDegraded, as they would had they come a moment later: a stall costs each
// request one timeout at most, not one per batch queued ahead of it.
func (c *Client) readLists(ctx context.Context) {
	batch := make([]*listRead, 0, maxListReads)
	cmds := make([]*goredis.StringSliceCmd, 0, maxListReads)
	for {
		select {
		case r := <-c.listReads:
			batch = append(batch[:0], r)
		case <-ctx.Done():
			return
		}
	gather:
		for len(batch) < maxListReads {
			select {
			case r := <-c.listReads:
				batch = append(batch, r)
			default:
				break gather
			}
		}
		if c.degraded.Load() {
			for i, r := range batch {
				r.err = errDegraded
				close(r.done)
				batch[i] = nil
			}
			continue
		}
		pipe := c.rdb.Pipeline()
		cmds = cmds[:0]
		for _, r := range batch {
			cmds = append(cmds, pipe.ZRevRange(ctx, r.key, 0, recom.MaxRecentEvents-1))
		}
		_, _ = pipe.Exec(ctx) // each command holds its own result or error
		closing := ctx.Err() != nil
		for i, r := range batch {
			if r.list, r.err = cmds[i].Result(); r.err != nil && closing {
				r.err = errClosed // not an outage
			}
			close(r.done)
			batch[i], cmds[i] = nil, nil
		}
	}
}
