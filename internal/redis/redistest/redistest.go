// Package redistest gives tests a Redis URL and a key prefix of their own, so tests
// sharing one Redis never collide. It imports nothing of ours.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
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
