package logging

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Buffered collects log lines and writes them out together: every interval, when the
// buffer fills, and on Close. A server at info level logs every request; unbuffered,
// that is one write system call per request. What a crash leaves unwritten is at most
// one interval of lines.
type Buffered struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewBuffered starts writing to w every interval until Close.
func NewBuffered(w io.Writer, interval time.Duration) *Buffered {
	b := &Buffered{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write adds p (slog writes one whole record per call), written out with the next flush.
func (b *Buffered) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Flush writes out what is buffered.
func (b *Buffered) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Flush()
}

// Close stops the timer and writes out the rest. Lines written after Close are buffered
// and never written, so close it last.
func (b *Buffered) Close() error {
	select {
	case <-b.stop:
	default:
		close(b.stop)
		<-b.done
	}
	return b.Flush()
}
