package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoggerRedactsPII(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "debug")
	key := "rk_live_" + strings.Repeat("A", 43)
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
	log.Info("request",
		"path", "/api/v1/recommendations?userId=jane.doe@example.com&limit=8",
		"query", "email=jane.doe%40example.com",
		"password", "hunter2hunter2",
		"X-API-Key", key,
		"detail", "key "+key+" used by bob@example.org",
		"auth", "Bearer "+jwt,
		"upstream", "Authorization: BEARER opaque-token-123",
		"retry", "bEaReR another-opaque-456",
		"callback", "/hook?Token=tok-789&API_KEY=k-012&Secret=s-345",
		"err", errors.New("login failed for mallory@example.net"),
		"ip", "203.0.113.77:5123",
		"remoteAddr", "2001:db8:abcd:12:1:2:3:4",
	)
	out := buf.String()
	for _, secret := range []string{"jane.doe", "hunter2", key, "bob@example.org", jwt, "mallory", "203.0.113.77", "2001:db8:abcd:12:1",
		"opaque-token-123", "another-opaque-456", "tok-789", "k-012", "s-345"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"203.0.113.0/24", "2001:db8:abcd::/48", "/api/v1/recommendations", "limit=8"} {
		if !strings.Contains(out, kept) {
			t.Errorf("log lost %q:\n%s", kept, out)
		}
	}
}

func TestTruncateIP(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.200":        "192.168.1.0/24",
		"[::ffff:10.1.2.3]:80": "10.1.2.0/24",
		"not an ip":            redacted,
		"":                     redacted,
	} {
		if got := TruncateIP(in); got != want {
			t.Errorf("TruncateIP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLevel(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "warn").Info("hidden")
	New(&buf, "nonsense").Debug("hidden too")
	if buf.Len() != 0 {
		t.Errorf("records below the level were written: %s", buf.String())
	}
}

func BenchmarkRedactPlainPath(b *testing.B) {
	for b.Loop() {
		Redact("/api/v1/events/batch?lt=12")
	}
}

// TestBufferedWritesLinesTogether: lines reach the writer only with a flush (the timer's
// or Close's), whole and in order, however many goroutines log at once.
func TestBufferedWritesLinesTogether(t *testing.T) {
	var out lockedBuffer
	b := NewBuffered(&out, time.Hour) // no timer flush during the test
	logger := New(b, "info")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 { // 200 lines in all fit the buffer
				logger.Info("request", "g", g, "i", i)
			}
		})
	}
	wg.Wait()
	if n := out.Len(); n != 0 {
		t.Fatalf("%d bytes written before any flush; want the lines held", n)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 200 {
		t.Fatalf("%d lines after Close; want 200", len(lines))
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] != "request" {
			t.Fatalf("line %q is not a whole record: %v", l, err)
		}
	}

	timed := NewBuffered(&out, 10*time.Millisecond)
	defer timed.Close()
	New(timed, "info").Info("soon")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), `"msg":"soon"`) {
		if time.Now().After(deadline) {
			t.Fatal("the timer never wrote the line out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

// TestContextAttrs: attributes found in a record's context are added once, at the top
// level, also through With; not over one the record or the logger has; inside a group
// when the logger has one.
func TestContextAttrs(t *testing.T) {
	type key struct{}
	var buf bytes.Buffer
	log := New(&buf, "info", func(ctx context.Context) []slog.Attr {
		if id, ok := ctx.Value(key{}).(string); ok {
			return []slog.Attr{slog.String("requestId", id)}
		}
		return nil
	})
	ctx := context.WithValue(context.Background(), key{}, "req-1")
	log.ErrorContext(ctx, "failed")
	log.With("part", "x").WarnContext(ctx, "warned", "n", 1)
	log.InfoContext(ctx, "request", "requestId", "req-1")
	log.With("requestId", "req-1").InfoContext(ctx, "with")
	log.WithGroup("g").InfoContext(ctx, "grouped", "n", 1)
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	for i, want := range map[int]int{0: 1, 1: 1, 2: 1, 3: 1, 5: 0} {
		var top map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &top); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(lines[i], `"requestId"`); got != want || (want == 1 && top["requestId"] != "req-1") {
			t.Errorf("line %d has requestId %d times (top level: %v), want %d: %s", i, got, top["requestId"], want, lines[i])
		}
	}
	if !strings.Contains(lines[4], `"g":{"n":1,"requestId":"req-1"}`) {
		t.Errorf("under a group: %s", lines[4])
	}
}
