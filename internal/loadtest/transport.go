package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"
)

// transport is the attack's http.RoundTripper: HTTP/1.1 over at most conns keep-alive
// connections, each request written and its answer read by the goroutine that sends it,
// with net/http's own Request.Write and ReadResponse. http.Transport gives each
// connection a reader and a writer goroutine, so every request crosses three goroutines:
// measured on a 2-core VM at 10,000 single events/s, that cost the load client as much
// CPU as PostgreSQL, taken from the server it measures. Plain http URLs only; bodies are
// read whole (and cut at maxBody bytes) before RoundTrip returns.
type transport struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	idle    chan *conn    // connections free to use
	slots   chan struct{} // one token per connection open or being dialled
	maxBody int64
}

type conn struct {
	net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func newTransport(conns int, maxBody int64) *transport {
	return &transport{
		dial:    (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		idle:    make(chan *conn, conns),
		slots:   make(chan struct{}, conns),
		maxBody: maxBody,
	}
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, errors.New("loadtest: the attack speaks plain http only")
	}
	ctx := req.Context()
	c, err := t.get(ctx, req.URL.Host)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline() // zero: none
	c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) }) // cut a wait on a cancelled request
	res, body, err := c.roundTrip(req, t.maxBody)
	if err != nil {
		t.discard(c)
		return nil, err
	}
	if !stop() || res.Close || req.Close { // cancelled as it ended (the deadline is spoilt), or closed by either side
		t.discard(c)
	} else {
		t.idle <- c
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

func (c *conn) roundTrip(req *http.Request, maxBody int64) (*http.Response, []byte, error) {
	if err := req.Write(c.w); err != nil {
		return nil, nil, err
	}
	if err := c.w.Flush(); err != nil {
		return nil, nil, err
	}
	res, err := http.ReadResponse(c.r, req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body) // the rest, so the connection can be reused
	}
	res.Body.Close()
	return res, body, err
}

// get returns an idle connection, else dials one if fewer than conns are open, else
// waits for one to come free.
func (t *transport) get(ctx context.Context, host string) (*conn, error) {
	select {
	case c := <-t.idle:
		return c, nil
	default:
	}
	select {
	case c := <-t.idle:
		return c, nil
	case t.slots <- struct{}{}:
		nc, err := t.dial(ctx, "tcp", host)
		if err != nil {
			<-t.slots
			return nil, err
		}
		return &conn{Conn: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// discard closes a connection that cannot be reused and frees its slot.
func (t *transport) discard(c *conn) {
	c.Close()
	<-t.slots
}

// CloseIdleConnections closes the connections not in use.
func (t *transport) CloseIdleConnections() {
	for {
		select {
		case c := <-t.idle:
			t.discard(c)
		default:
			return
		}
	}
}
