package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/logging"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite"
)

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testEnv struct {
	t      testing.TB
	srv    *httptest.Server
	logs   *syncBuffer
	stores recom.Stores
	pepper []byte
}

// newTestEnv starts the whole HTTP API on a fresh SQLite store.
func newTestEnv(t testing.TB, edit ...func(*Deps)) *testEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d := Deps{
		Logger: newLogger(logs), Stores: db.Stores(), Cache: inmem.NewCache(1000), Limiter: inmem.NewLimiter(),
		Tokens: tokens, Pepper: []byte(strings.Repeat("p", 32)),
		Config: Config{BcryptCost: 4, MaxBodyBytes: 64 << 10, SuperAdminEmails: []string{"root@recomengine.test"}},
		Docs:   http.NotFoundHandler(),
	}
	for _, e := range edit {
		e(&d)
	}
	h, err := NewServer(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, logs: logs, stores: d.Stores, pepper: d.Pepper}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// decode unmarshals the body into v, failing the test on error.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// problem returns the body as a problem document, failing unless it is one.
func (r response) problem(t testing.TB) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p problem
	r.decode(t, &p)
	if p.Status != r.Status || p.Code == "" || p.RequestID == "" || p.Detail == "" || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem for status %d: %s", r.Status, r.Body)
	}
	return p
}

// do sends a request; body may be a string (sent as is) or a value (sent as JSON).
func (e *testEnv) do(method, path string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// signup registers an admin and returns its access token.
func (e *testEnv) signup(email string) string {
	e.t.Helper()
	res := e.do("POST", "/api/v1/auth/signup", map[string]string{"email": email, "password": "correct horse battery"})
	if res.Status != http.StatusCreated {
		e.t.Fatalf("signup %s: %d %s", email, res.Status, res.Body)
	}
	var out struct {
		Data session `json:"data"`
	}
	res.decode(e.t, &out)
	return out.Data.Token
}

// createTenant creates a tenant as the admin and returns it.
func (e *testEnv) createTenant(token, name string) recom.Tenant {
	e.t.Helper()
	res := e.do("POST", "/api/v1/tenants", map[string]string{"name": name}, "Authorization", "Bearer "+token)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("create tenant: %d %s", res.Status, res.Body)
	}
	var out struct {
		Data recom.Tenant `json:"data"`
	}
	res.decode(e.t, &out)
	return out.Data
}

func newLogger(w io.Writer) *slog.Logger { return logging.New(w, "debug") }
