package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
)

func TestContractAndRoutesMatch(t *testing.T) {
	c, err := loadContract(context.Background())
	if err != nil {
		t.Fatalf("the OpenAPI document does not load and validate: %v", err)
	}
	if c.doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", c.doc.OpenAPI)
	}
	s := &server{Deps: Deps{Logger: newLogger(&syncBuffer{})}, mux: http.NewServeMux(), contract: c}
	if err := s.addRoutes(); err != nil {
		t.Fatal(err)
	}
	routes := slices.Sorted(slices.Values(s.routes))
	if ops := c.operations(); !slices.Equal(ops, routes) {
		t.Errorf("the document and routes.go differ:\ndocument: %v\nroutes:   %v", ops, routes)
	}
}

func TestRouteMissingFromContractFailsStart(t *testing.T) {
	c, err := loadContract(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Deps: Deps{Logger: newLogger(&syncBuffer{})}, mux: http.NewServeMux(), contract: c}
	if err := s.handle("GET /api/v1/undocumented", http.NotFoundHandler()); err == nil {
		t.Error("an undocumented route was accepted")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	redisDown := func() recom.Health {
		return recom.Health{Name: "redis", Backend: "in-process (redis unreachable)", OK: false, Detail: "connection refused"}
	}
	tests := []struct {
		name       string
		checks     []func() recom.Health
		storeErr   error
		wantStatus int
		want       string
	}{
		{"all up", nil, nil, 200, "ready"},
		{"redis down degrades", []func() recom.Health{redisDown}, nil, 200, "degraded"},
		{"store down", nil, errors.New("connection refused"), 503, "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, func(d *Deps) {
				d.Checks = tt.checks
				if tt.storeErr != nil {
					d.Stores.Ping = func(context.Context) error { return tt.storeErr }
				}
			})
			if res := e.do("GET", "/healthz", nil); res.Status != 200 || !strings.Contains(string(res.Body), `"ok"`) {
				t.Errorf("/healthz = %d %s", res.Status, res.Body)
			}
			res := e.do("GET", "/readyz", nil)
			var out struct {
				Data struct {
					Status string         `json:"status"`
					Checks []recom.Health `json:"checks"`
				} `json:"data"`
			}
			res.decode(t, &out)
			if res.Status != tt.wantStatus || out.Data.Status != tt.want {
				t.Fatalf("/readyz = %d %s, want %d %s", res.Status, res.Body, tt.wantStatus, tt.want)
			}
			if out.Data.Checks[0].Name != "store" || out.Data.Checks[0].Backend != "sqlite" {
				t.Errorf("the store is not reported first: %s", res.Body)
			}
		})
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newTestEnv(t)
	res := e.do("GET", "/api/v1/openapi.json", nil)
	var doc map[string]any
	res.decode(t, &doc)
	if res.Status != 200 || doc["openapi"] != "3.1.0" || doc["paths"] == nil {
		t.Fatalf("openapi.json = %d, openapi %v", res.Status, doc["openapi"])
	}
}

func TestMetricsByRoutePattern(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("metrics@example.com")
	e.createTenant(tok, "Shop")
	e.do("GET", "/api/v1/tenants/abc", nil, "Authorization", "Bearer "+tok)
	res := e.do("GET", "/metrics", nil)
	body := string(res.Body)
	for _, want := range []string{
		`recomengine_http_requests_total{method="GET",route="GET /api/v1/tenants/{id}",status="404"} 1`,
		`recomengine_http_request_duration_seconds_bucket{method="POST",route="POST /api/v1/tenants"`,
		`recomengine_http_requests_in_flight`,
		`recomengine_dependency_up{backend="sqlite",dependency="store"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/api/v1/tenants/abc") {
		t.Error("/metrics labels a raw path")
	}
}

func TestRequestIDAndSecurityHeaders(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) { d.Config.HSTS = true })
	res := e.do("GET", "/healthz", nil, "X-Request-ID", "abc-123")
	if got := res.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("X-Request-ID = %q, want the caller's", got)
	}
	res = e.do("GET", "/api/v1/nope", nil, "X-Request-ID", "<script>alert(1)</script>")
	p := res.problem(t)
	if got := res.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, "<") || got != p.RequestID {
		t.Errorf("an unsafe request ID was not replaced: header %q, problem %q", got, p.RequestID)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Cache-Control":             "no-store",
	} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if got := res.Header.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("an API answer's Content-Security-Policy = %q, want one that allows nothing", got)
	}
	// Pages get the document headers as well, and a CSP they can render under.
	res = e.do("GET", "/healthz", nil)
	for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
		"Cross-Origin-Opener-Policy", "Strict-Transport-Security"} {
		if res.Header.Get(h) == "" {
			t.Errorf("a page has no %s", h)
		}
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("a page's Content-Security-Policy = %q", res.Header.Get("Content-Security-Policy"))
	}
	if e2 := newTestEnv(t); e2.do("GET", "/healthz", nil).Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain HTTP")
	}
}

func TestUnmatchedAsProblems(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) {
		d.Web = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("dashboard")) })
	})
	if p := e.do("GET", "/api/v1/nothing-here", nil).problem(t); p.Status != 404 || p.Code != recom.CodeNotFound {
		t.Errorf("unknown API path: %+v", p)
	}
	res := e.do("PATCH", "/api/v1/tenants", "{}")
	if p := res.problem(t); p.Status != 405 || !strings.Contains(res.Header.Get("Allow"), "POST") {
		t.Errorf("wrong method: %+v, Allow %q", p, res.Header.Get("Allow"))
	}
	if res := e.do("GET", "/tenants/123/analytics", nil); res.Status != 200 || string(res.Body) != "dashboard" {
		t.Errorf("a dashboard route was not served by the dashboard: %d %s", res.Status, res.Body)
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	logs := &syncBuffer{}
	h := requestID(recoverer(newLogger(logs))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 500 || p.Code != recom.CodeInternal {
		t.Fatalf("panic answered %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Error("the panic value reached the caller")
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Error("the panic was not logged")
	}
	// Its log line carries the request's correlation ID, as the answer does (NFR-011).
	if !strings.Contains(logs.String(), `"requestId":"`+p.RequestID+`"`) {
		t.Errorf("the panic's log line lacks requestId %s:\n%s", p.RequestID, logs.String())
	}
}
