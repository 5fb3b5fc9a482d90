// Package httpapi is the HTTP face of RecomEngine: routes.go lists the whole surface, one
// file per resource holds its handlers, middleware and problem.go are shared. Requests are
// validated against the OpenAPI document before a handler runs. It imports recom, auth
// and api of ours; never an adapter.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/experiment"
	"github.com/recomengine/recomengine/internal/ingest"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
)

// Config is what the HTTP layer needs to know of the configuration.
type Config struct {
	MaxBodyBytes     int64    // cap of any request body (413 above)
	HSTS             bool     // serving over TLS: send Strict-Transport-Security
	BcryptCost       int      // FR-001: 12 in production
	SuperAdminEmails []string // normalised emails that sign up as super_admin
	// TrustedProxies are the load balancers and proxies in front of the nodes: from
	// them, the client's address is read from X-Forwarded-For (clientIP).
	TrustedProxies []netip.Prefix
}

// Deps are the parts a server is made of; cmd chooses the adapters.
type Deps struct {
	Logger  *slog.Logger
	Config  Config
	Stores  recom.Stores
	Limiter recom.Limiter
	// Checks report the health of dependencies besides the store (Redis), for /readyz.
	Checks   []func() recom.Health
	Tokens   *auth.Tokens
	Pepper   []byte
	Registry *prometheus.Registry
	Ingester *ingest.Ingester // the group-commit event writer
	// Recommender answers recommendation requests and learns of new events.
	Recommender *recommend.Service
	Analytics   *analytics.Service // rollups and the reports read from them
	Experiments *experiment.Service
	Docs        http.Handler // the offline API docs page, under /docs/
	Web         http.Handler // the embedded dashboard, at /
	SDK         http.Handler // the browser SDK bundle, at /sdk/recomengine.v1.js
}

// server holds what the handlers share.
type server struct {
	Deps
	mux      *http.ServeMux
	contract *contract
	metrics  *metrics
	routes   []string // every API pattern registered, for the contract tests
	keys     *auth.KeyResolver
	products *productIndex
}

// NewServer returns the whole HTTP API. It fails if a route is missing from the OpenAPI
// document, so the contract and the code cannot drift apart silently.
func NewServer(ctx context.Context, d Deps) (http.Handler, error) {
	s, err := newServer(ctx, d)
	if err != nil {
		return nil, err
	}
	var h http.Handler = http.HandlerFunc(s.serveMux)
	h = limitBody(s.Config.MaxBodyBytes)(h)
	h = recoverer(s.Logger)(h)
	h = observe(s.Logger, s.metrics, s.Config.TrustedProxies)(h)
	h = securityHeaders(s.Config.HSTS)(h)
	return requestID(h), nil
}

// newServer builds the server with its routes, without the outer middleware.
func newServer(ctx context.Context, d Deps) (*server, error) {
	if d.Config.MaxBodyBytes <= 0 {
		d.Config.MaxBodyBytes = 1 << 20
	}
	if d.Config.BcryptCost == 0 {
		d.Config.BcryptCost = 12
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	c, err := loadContract(ctx)
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, mux: http.NewServeMux(), contract: c,
		keys:     auth.NewKeyResolver(d.Stores.APIKeys, d.Stores.Tenants, d.Pepper),
		products: newProductIndex(d.Stores.Catalog)}
	s.metrics = newMetrics(d.Registry, s.health)
	if err := s.addRoutes(); err != nil {
		return nil, err
	}
	return s, nil
}

// handle registers an API route: its request is validated against the OpenAPI operation
// of the same pattern, inside the given wrappers (authentication runs first, so an
// anonymous caller learns nothing from validation).
func (s *server) handle(pattern string, h http.Handler, wrap ...func(http.Handler) http.Handler) error {
	v, err := s.contract.validator(pattern, s.Logger)
	if err != nil {
		return err
	}
	h = v(h)
	for i := len(wrap) - 1; i >= 0; i-- {
		h = wrap[i](h)
	}
	s.mux.Handle(pattern, h)
	s.routes = append(s.routes, pattern)
	return nil
}

// serveMux dispatches: API routes to the mux, other GETs to the dashboard, and unmatched
// paths and wrong methods to problems rather than the mux's plain-text replies.
func (s *server) serveMux(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder() // only on the error path: learn 404 or 405 and Allow
	h.ServeHTTP(rec, r)
	// A path only the CORS preflight route matches is not a resource: 404, not 405.
	if rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "OPTIONS" {
		w.Header().Set("Allow", rec.Header().Get("Allow"))
		writeProblem(w, r, s.Logger, recom.Errorf(recom.CodeMethodNotAllowed, "%s is not allowed on this path.", r.Method))
		return
	}
	if s.Web != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(r.URL.Path, "/api/") {
		s.Web.ServeHTTP(w, r) // the dashboard's own routes are client-side
		return
	}
	writeProblem(w, r, s.Logger, recom.Errorf(recom.CodeNotFound, "There is nothing at this path."))
}

// health reports every dependency: the store first.
func (s *server) health() []recom.Health {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	store := recom.Health{Name: "store", Backend: s.Stores.Name, OK: true}
	if err := s.Stores.Ping(ctx); err != nil {
		store.OK, store.Detail = false, "the database does not answer"
		if errors.Is(err, context.DeadlineExceeded) {
			store.Detail = "the database did not answer within 2 s"
		}
		s.Logger.Warn("store ping failed", "err", err)
	}
	out := []recom.Health{store}
	for _, check := range s.Checks {
		out = append(out, check())
	}
	return out
}

func (s *server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})
}
