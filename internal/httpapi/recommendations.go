package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
)

// handleRecommendations serves GET /api/v1/recommendations (US3, FR-013..016).
func (s *server) handleRecommendations() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		return s.recommend(w, r, p.TenantID, p.TenantConfig, false)
	})
}

// recommend answers a recommendation request of the tenant; a preview records no
// experiment exposure.
func (s *server) recommend(w http.ResponseWriter, r *http.Request, tenantID string, cfg recom.TenantConfig, preview bool) error {
	q, err := recommendQuery(r)
	if err != nil {
		return err
	}
	q.Preview = preview
	recs, meta, err := s.Recommender.Recommend(r.Context(), tenantID, cfg, q)
	if err != nil {
		return err
	}
	return encode(w, http.StatusOK, envelope{Data: recs, Meta: meta})
}

// handleRecommendationPreview serves GET /api/v1/tenants/{id}/recommendations/preview: the
// dashboard's "try a user id", on the same path as the public endpoint.
func (s *server) handleRecommendationPreview() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		return s.recommend(w, r, t.ID, t.Config, true)
	})
}

// recommendQuery reads and checks the query of a recommendation request: the rules of
// the contract's parameters, checked here because this hot path skips the validator.
func recommendQuery(r *http.Request) (recommend.Query, error) {
	// As checkText does for the other routes, in the one parse this route makes.
	v, fs := printableQuery(r.URL.RawQuery)
	if len(fs) > 0 {
		return recommend.Query{}, recom.Invalid(fs...)
	}
	// Ids are trimmed and checked as events' are, so both name the same shopper and product.
	q := recommend.Query{UserID: strings.TrimSpace(v.Get("userId")), ProductID: strings.TrimSpace(v.Get("productId")),
		Placement: v.Get("placement"), Strategy: v.Get("strategy"), Limit: 8}
	switch {
	case !v.Has("userId"):
		fs = append(fs, recom.FieldError{Field: "userId", Message: "is required"})
	case !recom.ValidID(q.UserID):
		fs = append(fs, recom.FieldError{Field: "userId", Message: "must be 1 to 128 printable characters"})
	}
	if v.Has("productId") && !recom.ValidID(q.ProductID) {
		fs = append(fs, recom.FieldError{Field: "productId", Message: "must be 1 to 128 printable characters"})
	}
	if v.Has("placement") && !recom.ValidPlacement(q.Placement) {
		fs = append(fs, recom.FieldError{Field: "placement", Message: recom.PlacementRule})
	}
	if q.Strategy != "" && !slices.Contains(recom.Strategies, q.Strategy) {
		fs = append(fs, recom.FieldError{Field: "strategy", Message: "must be one of " + strings.Join(recom.Strategies, ", ")})
	}
	if l := v.Get("limit"); v.Has("limit") {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			fs = append(fs, recom.FieldError{Field: "limit", Message: "must be an integer from 1 to 50"})
		}
		q.Limit = n
	}
	if len(fs) > 0 {
		return q, recom.Invalid(fs...)
	}
	return q, nil
}
