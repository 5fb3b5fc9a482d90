package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,64}$`)

// requestID takes the caller's X-Request-ID when it is sane, else makes one, and echoes
// it on the response (NFR-011 correlation IDs).
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneRequestID.MatchString(id) {
			id = recom.NewID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(recom.WithRequestID(r.Context(), id)))
	})
}

// recoverer turns a panic into a 500 problem and logs the stack once.
func recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v) // the server's own way to abort a response
				}
				logger.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rw, ok := w.(*statusWriter); !ok || !rw.wrote {
					writeProblem(w, r, logger, recom.Errorf(recom.CodeInternal, "panic"))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes one access-log line per request and records the request metrics by
// route pattern. The log goes through the redacting logger: emails, keys and tokens in
// the URL never reach it, and the client IP is truncated.
func observe(logger *slog.Logger, m *metrics, trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			defer func() {
				m.inFlight.Dec()
				elapsed := time.Since(start)
				route := r.Pattern // set by the mux on this very request
				if route == "" {
					route = "unmatched"
				}
				m.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
				m.latency.WithLabelValues(r.Method, route).Observe(elapsed.Seconds())
				level := slog.LevelInfo
				if sw.status >= 500 {
					level = slog.LevelError
				}
				if !logger.Enabled(r.Context(), level) { // spare building the line
					return
				}
				logger.Log(r.Context(), level, "request",
					"requestId", recom.RequestID(r.Context()), "method", r.Method,
					"path", r.URL.RequestURI(), "route", route, "status", sw.status,
					"bytes", sw.bytes, "durationMs", float64(elapsed.Microseconds())/1000,
					"ip", clientIP(r, trusted), "userAgent", r.UserAgent())
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

// securityHeaders sets the headers every response carries; HSTS only over TLS (NFR-008).
// API answers (JSON, never rendered) get the set OWASP's REST cheat sheet gives: no
// caching, no sniffing, no framing, and a CSP that allows nothing. Pages (the dashboard,
// /docs) get the document headers too. The values are shared slices set under their
// canonical keys: no key is canonicalised per request, and fewer and shorter headers
// are cheaper to clone, write and parse on every event a shop sends. Being shared, a
// value must never be edited in place (h.Set and h.Add replace or copy it; v[0] = …
// would change every later response, racily).
func securityHeaders(hsts bool) func(http.Handler) http.Handler {
	type header struct {
		key   string
		value []string
	}
	both := []header{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"X-Frame-Options", []string{"DENY"}},
	}
	if hsts {
		both = append(both, header{"Strict-Transport-Security", []string{"max-age=63072000; includeSubDomains"}})
	}
	api := append(slices.Clip(both),
		header{"Content-Security-Policy", []string{"default-src 'none'; frame-ancestors 'none'"}},
		header{"Cache-Control", []string{"no-store"}})
	pages := append(slices.Clip(both),
		header{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
		header{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		header{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=()"}},
		// Swagger UI (/docs) sets styles through the CSSOM, which CSP allows; its icons are data: URLs.
		header{"Content-Security-Policy", []string{"default-src 'self'; img-src 'self' data: https:; style-src 'self'; " +
			"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"}})
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			set := pages
			if strings.HasPrefix(r.URL.Path, "/api/") {
				set = api
			}
			h := w.Header()
			for _, x := range set {
				h[x.key] = x.value
			}
			next.ServeHTTP(w, r)
		})
	}
}

// limitBody caps every request body; reading past the cap fails with a 413 problem.
func limitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				writeProblem(w, r, slog.Default(), &recom.Error{Code: recom.CodeTooLarge,
					Message: fmt.Sprintf("The body is larger than %d bytes.", max)})
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, max)
			}
			next.ServeHTTP(w, r)
		})
	}
}
