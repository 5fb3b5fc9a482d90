package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/recom"
)

// analyticsQuery reads the range and filters of an analytics request.
func analyticsQuery(r *http.Request) (analytics.Query, error) {
	v := r.URL.Query()
	return analytics.ParseQuery(v.Get("from"), v.Get("to"), v.Get("placement"), v.Get("strategy"), time.Now())
}

// handleAnalyticsOverview serves GET /api/v1/tenants/{id}/analytics/overview.
func (s *server) handleAnalyticsOverview() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		q, err := analyticsQuery(r)
		if err != nil {
			return nil, err
		}
		return s.Analytics.Overview(r.Context(), tenantID, q)
	})
}

// handleAnalyticsTimeSeries serves GET /api/v1/tenants/{id}/analytics/timeseries.
func (s *server) handleAnalyticsTimeSeries() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		q, err := analyticsQuery(r)
		if err != nil {
			return nil, err
		}
		return s.Analytics.TimeSeries(r.Context(), tenantID, q)
	})
}

// topQuery reads `by` (default revenue) and `limit` (1–100, default 10) of the top
// products.
func topQuery(r *http.Request) (by string, limit int, err error) {
	v := r.URL.Query()
	by, limit = v.Get("by"), analytics.DefaultTop
	if by == "" {
		by = "revenue"
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > recom.MaxPageLimit {
			return "", 0, recom.Invalid(recom.FieldError{Field: "limit", Message: "must be an integer from 1 to 100"})
		}
		limit = n
	}
	return by, limit, nil
}

// handleAnalyticsTopProducts serves GET /api/v1/tenants/{id}/analytics/top-products.
func (s *server) handleAnalyticsTopProducts() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		q, err := analyticsQuery(r)
		if err != nil {
			return nil, err
		}
		by, limit, err := topQuery(r)
		if err != nil {
			return nil, err
		}
		return s.Analytics.TopProducts(r.Context(), tenantID, q, by, limit)
	})
}

// handleAnalyticsExport serves GET /api/v1/tenants/{id}/analytics/export.csv, streamed.
// A failure before the first byte is a problem; after it, the response is aborted so a
// client never takes a cut file for a whole one.
func (s *server) handleAnalyticsExport() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		q, err := analyticsQuery(r)
		if err != nil {
			return err
		}
		by, limit, err := topQuery(r)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("recomengine-analytics-%s-to-%s.csv", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly))
		lw := &lazyHeaderWriter{w: w, header: func(h http.Header) {
			h.Set("Content-Type", "text/csv; charset=utf-8")
			h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
			h.Set("Cache-Control", "no-store")
		}}
		err = s.Analytics.WriteCSV(r.Context(), lw, tenantID, q, by, limit)
		if err != nil && lw.wrote {
			s.Logger.ErrorContext(r.Context(), "analytics export cut short", "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	})
}

// lazyHeaderWriter sends the status and headers on the first write, so an error before
// any output can still be answered with a problem.
type lazyHeaderWriter struct {
	w      http.ResponseWriter
	header func(http.Header)
	wrote  bool
}

func (l *lazyHeaderWriter) Write(p []byte) (int, error) {
	if !l.wrote {
		l.wrote = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}
