// Package redistest gives tests a Redis URL and a key prefix of their own, so tests
// sharing one Redis never collide. It imports nothing of ours.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// URL returns RECOM_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0). If it is empty the
// test is skipped, or fails when RECOM_REQUIRE_INTEGRATION=1, as in CI.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("RECOM_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("RECOM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("RECOM_TEST_REDIS_URL is empty and RECOM_REQUIRE_INTEGRATION=1")
		}
		t.Skip("RECOM_TEST_REDIS_URL is empty: skipping the Redis integration test")
	}
	return u
}

// Prefix returns a key prefix unique to this test, like "test:TestX/sub:1f2e3d4c5b6a:".
// Every key under it is deleted (SCAN + DEL) when the test ends. It needs URL, so it
// skips or fails the test the same way.
func Prefix(t testing.TB) string {
	t.Helper()
	opts, err := goredis.ParseURL(URL(t))
	if err != nil {
		t.Fatal("redistest: RECOM_TEST_REDIS_URL does not parse") // the error may show a password
	}
	name := []rune(t.Name())
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	// Only characters SCAN MATCH takes literally, so the cleanup pattern is exact.
	safe := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r == '/' || r == '.' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return r
		}
		return '_'
	}, string(name))
	prefix := fmt.Sprintf("test:%s:%012x:", safe, rand.Uint64()&(1<<48-1))

	t.Cleanup(func() {
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		it := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		if err := it.Err(); err != nil {
			t.Errorf("redistest: scan %s*: %v", prefix, err)
			return
		}
		for len(keys) > 0 {
			n := min(len(keys), 500)
			if err := rdb.Del(ctx, keys[:n]...).Err(); err != nil {
				t.Errorf("redistest: delete keys under %s: %v", prefix, err)
				return
			}
			keys = keys[n:]
		}
	})
	return prefix
}

// Proxy forwards TCP from a local port to Redis, so a test can cut the connection: Stop
// cuts every connection and refuses new ones, Restart listens on the same port again.
// Stall holds what either side sends, closing nothing, as a paused Redis or a dropped
// route would, until Resume or Stop.
type Proxy struct {
	t      testing.TB
	target string // Redis host:port
	addr   string // the proxy's host:port
	URL    string // the Redis URL pointing at the proxy

	mu      sync.Mutex
	ln      net.Listener // nil while stopped
	conns   map[net.Conn]bool
	flowing chan struct{} // closed while data flows; open while stalled
	wg      sync.WaitGroup
}

// StartProxy starts a proxy to the Redis at redisURL; it stops when the test ends.
func StartProxy(t testing.TB, redisURL string) *Proxy {
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal("RECOM_TEST_REDIS_URL does not parse")
	}
	p := &Proxy{t: t, target: u.Host, conns: make(map[net.Conn]bool), flowing: make(chan struct{})}
	close(p.flowing)
	p.listen("127.0.0.1:0")
	u.Host = p.addr
	p.URL = u.String()
	t.Cleanup(p.Stop)
	return p
}

func (p *Proxy) listen(addr string) {
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		p.t.Fatalf("proxy: listen on %s: %v", addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.serve(down) })
		}
	})
}

func (p *Proxy) serve(down net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		down.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		down.Close()
		up.Close()
		return
	}
	p.conns[down], p.conns[up] = true, true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, down); done <- struct{}{} }()
	go func() { p.pipe(down, up); done <- struct{}{} }()
	<-done
	down.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, down)
	delete(p.conns, up)
	p.mu.Unlock()
}

// pipe copies from src to dst, holding each chunk while the proxy is stalled.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			flowing := p.flowing
			p.mu.Unlock()
			<-flowing
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall holds all traffic from now on, in both directions, until Resume or Stop.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default: // already stalled
	}
}

// Resume lets held and new traffic through.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
}

// Stop closes the listener and every connection.
func (p *Proxy) Stop() {
	p.Resume()
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Restart listens again on the same port.
func (p *Proxy) Restart() { p.listen(p.addr) }
