package httpapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for dumpSQL

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"

	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/experiment"
	"github.com/recomengine/recomengine/internal/ingest"
	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/logging"
	"github.com/recomengine/recomengine/internal/postgres"
	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
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
	t        testing.TB
	srv      *httptest.Server
	logs     *syncBuffer
	stores   recom.Stores
	pepper   []byte
	dump     func() string
	activity recom.Activity
	bus      recom.Bus
	reports  *analytics.Service
}

// backend is a set of adapters the HTTP tests run on.
type backend string

const (
	embedded   backend = "sqlite+inprocess"
	production backend = "postgres+redis"
)

// forEachBackend runs fn on the embedded default and on PostgreSQL + Redis (the latter
// skips without RECOM_TEST_* URLs, and fails in CI when they are missing).
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range []backend{embedded, production} {
		t.Run(string(b), func(t *testing.T) { fn(t, b) })
	}
}

// newTestEnv starts the whole HTTP API on a fresh SQLite store.
func newTestEnv(t testing.TB, edit ...func(*Deps)) *testEnv {
	return newTestEnvOn(t, embedded, edit...)
}

// newTestEnvOn starts the whole HTTP API on fresh stores of the backend.
func newTestEnvOn(t testing.TB, b backend, edit ...func(*Deps)) *testEnv {
	t.Helper()
	d, fx := newDeps(t, b)
	for _, e := range edit {
		e(&d)
	}
	return serveDeps(t, d, fx)
}

// fixture is what tests read besides the API: the log and the raw database.
type fixture struct {
	logs *syncBuffer
	dump func() string // every row of every table, as text
	bus  recom.Bus     // the nodes' bus, as cmd makes it: in process on SQLite, else Redis
	// activity is the recommender's recent events and trending (in process, or Redis).
	activity recom.Activity
	shared   recom.Cache // the nodes' shared cache of ranked lists: Redis, else none
}

// newDeps opens the adapters of the backend; everything is dropped when the test ends.
func newDeps(t testing.TB, b backend) (Deps, fixture) {
	t.Helper()
	ctx := context.Background()
	fx := fixture{logs: &syncBuffer{}, activity: inmem.NewActivity(1000)}
	tokens, err := auth.NewTokens([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{
		Logger: newLogger(fx.logs), Limiter: inmem.NewLimiter(),
		Tokens: tokens, Pepper: []byte(strings.Repeat("p", 32)),
		Config: Config{BcryptCost: 4, MaxBodyBytes: 64 << 10, SuperAdminEmails: []string{"root@recomengine.test"}},
		Docs:   http.NotFoundHandler(),
	}
	switch b {
	case embedded:
		path := filepath.Join(t.TempDir(), "test.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		d.Stores = db.Stores()
		fx.dump = func() string { return dumpSQL(t, "sqlite", path) }
		fx.bus = inmem.NewBus()
	case production:
		url := pgtest.NewDatabase(t)
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		d.Stores = db.Stores()
		fx.dump = func() string { return dumpSQL(t, "pgx", url) }
		rc, err := redis.New(ctx, redistest.URL(t), redistest.Prefix(t), inmem.NewCache(1000), d.Limiter, d.Logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rc.Close() })
		d.Limiter, d.Checks = rc.Limiter(), []func() recom.Health{rc.Health}
		fx.bus, fx.activity, fx.shared = rc.Bus(), rc.Activity(), rc.Cache()
	}
	wireServices(t, &d, fx)
	return d, fx
}

// wireServices makes the services of d (experiments, recommender, analytics) on its
// stores, as cmd does, with an ingester feeding the recommender, and runs the
// recommender's background work until the test ends. To make another node of the same
// deployment, call it again after swapping in the first node's stores and fixture.
func wireServices(t testing.TB, d *Deps, fx fixture) {
	refs := recom.NewRefCodec(d.Pepper)
	d.Experiments = experiment.New(d.Stores.Experiments, d.Stores.Analytics, d.Logger)
	d.Recommender = recommend.New(d.Stores, fx.activity, d.Logger, recommend.Config{RebuildAfterEvents: 1_000_000,
		Refs: refs, Shared: fx.shared, Bus: fx.bus, Assign: d.Experiments.Assign, Expose: d.Experiments.Expose}, nil)
	d.Analytics = analytics.New(d.Stores, refs, d.Logger, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Recommender.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	d.Ingester = ingest.New(d.Stores.Events, ingest.Config{Committed: d.Recommender.Learn}, nil)
	t.Cleanup(func() { d.Ingester.Close(context.Background()) })
}

// serveDeps serves the API made of d on a local port.
func serveDeps(t testing.TB, d Deps, fx fixture) *testEnv {
	t.Helper()
	h, err := NewServer(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, logs: fx.logs, stores: d.Stores, pepper: d.Pepper, dump: fx.dump, activity: fx.activity, bus: fx.bus, reports: d.Analytics}
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
	checkResponse(e.t, req, res, b)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// contractRouter finds a request's operation in api/openapi.yaml, for checkResponse.
var contractRouter = sync.OnceValues(func() (routers.Router, error) {
	c, err := loadContract(context.Background())
	if err != nil {
		return nil, err
	}
	return legacyrouter.NewRouter(c.doc)
})

// checkResponse fails the test if an answer of an operation of the contract does not
// match it: a status it does not list, or a body its schema refuses.
func checkResponse(t testing.TB, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	router, err := contractRouter()
	if err != nil {
		t.Fatal(err)
	}
	// The document's server is "/": match the path alone.
	local := req.Clone(req.Context())
	local.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	route, params, err := router.FindRoute(local)
	if err != nil {
		return // not an operation (the dashboard, a 404 path, a method not allowed)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: local, PathParams: params, Route: route},
		Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("the answer to %s %s breaks api/openapi.yaml: %v\n%d %s", req.Method, req.URL.Path, err, res.StatusCode, body)
	}
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

func newLogger(w io.Writer) *slog.Logger { return logging.New(w, "debug", recom.LogAttrs) }

// dumpSQL returns every row of every table of the database as text, a line a row
// starting with its table's name: what an attacker holding a backup would see.
func dumpSQL(t testing.TB, driver, dsn string) string {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	listTables := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if driver == "pgx" {
		listTables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
	}
	var tables []string
	rows, err := db.Query(listTables)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var out strings.Builder
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%s: ", table) // each row's line starts with its table
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					fmt.Fprintf(&out, "%s %x ", b, b)
					continue
				}
				fmt.Fprintf(&out, "%v ", v)
			}
			out.WriteByte('\n')
		}
		rows.Close()
	}
	return out.String()
}
