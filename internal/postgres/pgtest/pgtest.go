// Package pgtest gives each test its own empty PostgreSQL database. Any package's tests may
// use it; it imports nothing of ours.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// NewDatabase creates an empty database named recomtest_<random> on the server of
// RECOM_TEST_POSTGRES_URL (a postgres:// URL whose user may create databases), returns
// the URL of the new database and drops it when the test ends. Without the variable the
// test is skipped, or fails when RECOM_REQUIRE_INTEGRATION=1 (CI never skips silently).
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("RECOM_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("RECOM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("RECOM_TEST_POSTGRES_URL is not set and RECOM_REQUIRE_INTEGRATION=1")
		}
		t.Skip("RECOM_TEST_POSTGRES_URL is not set")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("RECOM_TEST_POSTGRES_URL: want a postgres:// URL, got %q", base)
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	name := "recomtest_" + hex.EncodeToString(b[:])

	// The name is ours, made of [0-9a-z_], so it needs no quoting.
	exec(t, base, "CREATE DATABASE "+name)
	t.Cleanup(func() {
		// FORCE ends connections a test left open (PostgreSQL 13+).
		exec(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u.Path = "/" + name
	return u.String()
}

// exec runs one statement on a short-lived connection to the server at url.
func exec(t testing.TB, url, sql string) {
	t.Helper()
	// Not t.Context(): it is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}
