package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// execFlush runs the ingest flush's sql on pool: through execLarge when its arguments
// take largeStatement bytes or more, else through pgx's Exec.
func execFlush(ctx context.Context, pool *pgxpool.Pool, bufs *buffers, sql string, args ...any) (pgconn.CommandTag, error) {
	if size := encodedSize(args); size >= largeStatement {
		return execLarge(ctx, pool, bufs, sql, size, args...)
	}
	return pool.Exec(ctx, sql, args...)
}

// execLarge runs sql, prepared on the connection, with arguments of ~size bytes in all,
// each encoded in the format pgx's type map gives its parameter type (binary for the
// flush's arrays; it is not meant for Go strings, which pgx's Exec sends as text):
// the ingest flush, whose arrays take ~250 bytes an event, 1–2 MB for 5,000 events.
// pgx's Exec would encode them into a buffer that starts at 256 bytes for every
// statement and grows as each parameter is appended, then copy them into a write buffer
// that starts at 1 KiB and grows alike: each growth copies all before it, into fresh
// memory the kernel must fault in: 1.6 s of the server's 8.7 s of CPU in a 10-second
// profile at 50,000 events a second (flushes of ~4,000 events). Here both are written
// into buffers kept from the last large flush, sized for the whole statement.
func execLarge(ctx context.Context, pool *pgxpool.Pool, bufs *buffers, sql string, size int, args ...any) (pgconn.CommandTag, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	defer c.Release()
	if c.Conn().Config().DefaultQueryExecMode != pgx.QueryExecModeCacheStatement {
		// No statements prepared by name: a pooler in transaction mode may be between.
		return c.Exec(ctx, sql, args...)
	}
	sd, err := c.Conn().Prepare(ctx, sql, sql) // once per connection; then from pgx's cache
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if len(sd.ParamOIDs) != len(args) {
		return pgconn.CommandTag{}, errors.New("postgres: execLarge: the statement takes another number of arguments")
	}
	m := c.Conn().TypeMap()
	encoded := bufs.get(size)
	defer func() { bufs.put(encoded) }()
	values, formats := make([][]byte, len(args)), make([]int16, len(args))
	for i, a := range args {
		formats[i] = m.FormatCodeForOID(sd.ParamOIDs[i])
		at := len(encoded)
		var out []byte
		if out, err = m.Encode(sd.ParamOIDs[i], formats[i], a, encoded); err != nil {
			return pgconn.CommandTag{}, err
		}
		if out != nil { // nil: NULL
			encoded, values[i] = out, out[at:len(out):len(out)]
		}
	}
	if err := ctx.Err(); err != nil {
		return pgconn.CommandTag{}, err
	}
	// The Bind message: its header, then each value with its length.
	wire := bufs.get(len(encoded) + 6*len(args) + len(sd.Name) + 64)
	pc := c.Conn().PgConn()
	fe := pc.Frontend()
	fe.Send(lend{wire})
	tag, err := pc.ExecPrepared(ctx, sd.Name, values, formats, nil).Close()
	if pc.IsClosed() {
		// A connection that failed is closed by a goroutine of pgx's, which may still be
		// writing through its Frontend: leave both alone; the buffer goes with them.
		return tag, err
	}
	// pgx lets go of a write buffer over 1 KiB once it has sent it; one it never sent
	// (the context ended first) the probe takes back.
	free := false
	fe.Send(probe{wire, &free})
	if free {
		bufs.put(wire)
	}
	return tag, err
}

// buffers keeps a few byte buffers for execLarge, so the next flush writes into memory
// already faulted in. At most len(free) are kept, none over maxKept bytes.
type buffers struct{ free chan []byte }

const maxKept = 16 << 20

func newBuffers(n int) *buffers { return &buffers{free: make(chan []byte, n)} }

// get returns an empty buffer of at least size bytes.
func (b *buffers) get(size int) []byte {
	select {
	case buf := <-b.free:
		if cap(buf) >= size {
			return buf[:0]
		}
	default:
	}
	return make([]byte, 0, size+size/4)
}

func (b *buffers) put(buf []byte) {
	if cap(buf) > maxKept {
		return
	}
	select {
	case b.free <- buf:
	default:
	}
}

// lend is a message of no bytes that hands the Frontend a write buffer: sent before a
// statement, it makes the statement's messages go into buf (whatever the Frontend held
// already is copied in first; normally nothing).
type lend struct{ buf []byte }

func (lend) Frontend()           {}
func (lend) Decode([]byte) error { return errors.New("postgres: lend is not a message") }
func (l lend) Encode(dst []byte) ([]byte, error) {
	if len(dst) > cap(l.buf)/2 { // unlikely: keep pgx's
		return dst, nil
	}
	return append(l.buf[:0], dst...), nil
}

// probe is a message of no bytes that sets free if the Frontend no longer writes into
// buf: its write buffer is another, or is buf holding nothing, which it then swaps for
// a new one. If the Frontend does not encode it (it holds an error), free stays false.
type probe struct {
	buf  []byte
	free *bool
}

func (probe) Frontend()           {}
func (probe) Decode([]byte) error { return errors.New("postgres: probe is not a message") }
func (p probe) Encode(dst []byte) ([]byte, error) {
	switch {
	case cap(dst) == 0 || cap(p.buf) == 0 || &dst[:1][0] != &p.buf[:1][0]:
		*p.free = true
	case len(dst) == 0:
		*p.free = true
		return make([]byte, 0, 1024), nil
	}
	return dst, nil
}

// largeStatement is the size of arguments from which execLarge is worth it: below it
// the Bind message fits in a few growths of pgx's buffers.
const largeStatement = 64 << 10
