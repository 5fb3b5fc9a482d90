package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

// keyRule is what a key-authenticated route asks of the key.
type keyRule struct {
	perm        recom.Permission
	publishable bool // a browser's publishable key may call it (never catalog writes)
}

var (
	errNoKey = recom.Errorf(recom.CodeUnauthorized,
		"An API key is required: send it in the X-API-Key header (or Authorization: Bearer; a publishable key may also come as the apiKey query parameter).")
	errSuspended   = recom.Errorf(recom.CodeForbidden, "Tenant suspended")
	errNeedsWrite  = recom.Errorf(recom.CodeForbidden, "Insufficient permissions: write access required")
	errSecretOnly  = recom.Errorf(recom.CodeForbidden, "A publishable key cannot be used here; use a secret key from your server.")
	errSecretInURL = recom.Errorf(recom.CodeUnauthorized, "Only a publishable key (rk_pub_…) may be sent "+
		"in the apiKey query parameter: URLs end up in logs and browser history. Send secret keys in the X-API-Key header, and rotate one that was sent in a URL.")
	errOriginDenied = recom.Errorf(recom.CodeForbidden,
		"This publishable key may only be used from the tenant's allowed origins (config.allowedOrigins).")
)

// requireKey authenticates a tenant API key (X-API-Key or Authorization: Bearer),
// enforces its permission, type and origin, and the per-key rate limit (NFR-007). The
// principal it puts in the context names the key's tenant: every later query is scoped
// by it (FR-004).
func (s *server) requireKey(rule keyRule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) (err error) {
			defer func() {
				if err != nil && err != errOriginDenied { // an unlisted origin's page reads nothing
					readableRefusal(w, r)
				}
			}()
			raw, inURL := keyOf(r)
			if raw == "" {
				return errNoKey
			}
			if inURL && !strings.HasPrefix(raw, auth.PublishableKeyPrefix) {
				return errSecretInURL // refused before it is looked up: it must be rotated anyway
			}
			rk, err := s.keys.Resolve(r.Context(), strings.TrimSpace(raw))
			if err != nil {
				return err
			}
			k, t := rk.Key, rk.Tenant
			if inURL && k.Type != recom.KeyPublishable {
				return errSecretInURL
			}
			switch t.Status {
			case recom.TenantDeleted:
				return auth.ErrBadKey
			case recom.TenantSuspended:
				return errSuspended // US1-5: the data stays; the keys stop
			}
			if k.Type == recom.KeyPublishable {
				if !rule.publishable {
					return errSecretOnly
				}
				origin := r.Header.Get("Origin")
				if origin == "" || !slices.Contains(t.Config.AllowedOrigins, origin) {
					return errOriginDenied
				}
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
				h.Set("Access-Control-Expose-Headers", exposedHeaders)
			}
			if rule.perm == recom.PermReadWrite && k.Permissions != recom.PermReadWrite {
				return errNeedsWrite // US1-4
			}
			if err := s.rateLimit(w, r, k, t); err != nil {
				return err
			}
			p := recom.Principal{TenantID: t.ID, TenantConfig: t.Config, KeyID: k.ID, Permissions: k.Permissions, KeyType: k.Type}
			next.ServeHTTP(w, r.WithContext(recom.WithPrincipal(r.Context(), p)))
			return nil
		})
	}
}

// readableRefusal lets a browser page read why its key was refused (revoked, suspended,
// wrong origin, rate-limited): the SDK then clears its widgets instead of seeing only a
// network error, and the browser logs no CORS error. The problem holds no tenant data.
func readableRefusal(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", exposedHeaders)
	}
}

// exposedHeaders are the answer headers a shop's page may read.
const exposedHeaders = "X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, ETag"

// keyOf returns the request's API key: from X-API-Key, else Authorization: Bearer, else
// (inURL) the apiKey query parameter. The SDK sends its publishable key in the URL, so
// its requests carry no custom header and need no CORS preflight, and sendBeacon, which
// cannot set headers, can send events at all (DESIGN §7).
func keyOf(r *http.Request) (key string, inURL bool) {
	if key = r.Header.Get("X-API-Key"); key != "" {
		return key, false
	}
	if key, _ = bearer(r); key != "" {
		return key, false
	}
	if !strings.Contains(r.URL.RawQuery, "apiKey=") { // spares parsing the query
		return "", false
	}
	return r.URL.Query().Get("apiKey"), true
}

// rateLimit spends one request of the key's budget: reads (GET, HEAD) and writes have
// separate limits, tenant-configurable. A limiter failure lets the request through: the
// limiter protects the service, it must not take it down.
func (s *server) rateLimit(w http.ResponseWriter, r *http.Request, k recom.APIKey, t recom.Tenant) error {
	limits, defaults := t.Config.RateLimits, recom.DefaultTenantConfig().RateLimits
	kind, perMinute, fallback := "write", limits.WritesPerMinute, defaults.WritesPerMinute
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		kind, perMinute, fallback = "read", limits.ReadsPerMinute, defaults.ReadsPerMinute
	}
	if perMinute <= 0 { // a config stored without this limit
		perMinute = fallback
	}
	res, err := s.Limiter.Allow(r.Context(), "key:"+k.ID+":"+kind, recom.PerMinute(perMinute))
	if err != nil {
		s.Logger.WarnContext(r.Context(), "rate limiter failed; request let through", "err", err)
		return nil
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil(res.ResetAfter.Seconds()))))
	if !res.Allowed {
		return &recom.Error{Code: recom.CodeRateLimited, RetryAfter: res.RetryAfter,
			Message: fmt.Sprintf("This key's %s limit of %d requests a minute is used up; retry after the time in Retry-After.", kind, perMinute)}
	}
	return nil
}

// handlePreflight answers CORS preflights of the key routes a browser SDK calls. The
// preflight carries no key, so it cannot be judged here; the actual request is checked
// against the tenant's allowed origins and gets Access-Control-Allow-Origin only then.
func (s *server) handlePreflight() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || r.Header.Get("Access-Control-Request-Method") == "" {
			writeProblem(w, r, s.Logger, recom.Errorf(recom.CodeMethodNotAllowed, "OPTIONS is only for CORS preflight requests."))
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "X-API-Key, Content-Type, X-Request-ID")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

type keyInfo struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Prefix      string           `json:"prefix"`
	Permissions recom.Permission `json:"permissions"`
	Type        recom.KeyType    `json:"type"`
	Tenant      struct {
		ID     string             `json:"id"`
		Name   string             `json:"name"`
		Status recom.TenantStatus `json:"status"`
	} `json:"tenant"`
}

// handleKeyInfo serves GET /api/v1/key: which key and tenant the caller authenticated as,
// so an integrator can check a key before sending data.
func (s *server) handleKeyInfo() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		t, err := s.Stores.Tenants.FindTenantByID(r.Context(), p.TenantID)
		if err != nil {
			return err
		}
		keys, err := s.Stores.APIKeys.FindAPIKeys(r.Context(), p.TenantID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(keys, func(k recom.APIKey) bool { return k.ID == p.KeyID })
		if i < 0 {
			return auth.ErrBadKey // revoked in the last seconds
		}
		var out keyInfo
		out.ID, out.Name, out.Prefix, out.Permissions, out.Type = keys[i].ID, keys[i].Name, keys[i].Prefix, keys[i].Permissions, keys[i].Type
		out.Tenant.ID, out.Tenant.Name, out.Tenant.Status = t.ID, t.Name, t.Status
		return encode(w, http.StatusOK, envelope{Data: out})
	})
}
