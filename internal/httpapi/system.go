package httpapi

import (
	"net/http"
	"strconv"
)

// handleHealth serves GET /healthz: the process is up.
func (s *server) handleHealth() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		return encode(w, http.StatusOK, envelope{Data: map[string]string{"status": "ok"}})
	})
}

// handleReady serves GET /readyz: 200 while the store answers ("degraded" when Redis is
// replaced by its in-process fallback), 503 when the store does not.
func (s *server) handleReady() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		checks := s.health()
		status, code := "ready", http.StatusOK
		for i, c := range checks {
			switch {
			case !c.OK && i == 0:
				status, code = "unavailable", http.StatusServiceUnavailable
			case !c.OK && status == "ready":
				status = "degraded"
			}
		}
		return encode(w, code, envelope{Data: map[string]any{"status": status, "checks": checks}})
	})
}

// handleOpenAPI serves GET /api/v1/openapi.json: the contract, as JSON.
func (s *server) handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(s.contract.json)))
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(s.contract.json)
	})
}
