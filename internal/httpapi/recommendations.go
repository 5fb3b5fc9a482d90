package httpapi

import (
	"net/http"
	"strconv"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
)

// handleRecommendations serves GET /api/v1/recommendations (US3, FR-013..016).
func (s *server) handleRecommendations() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		q, err := recommendQuery(r)
		if err != nil {
			return err
		}
		recs, meta, err := s.Recommender.Recommend(r.Context(), p.TenantID, p.TenantConfig, q)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: recs, Meta: meta})
	})
}

// handleRecommendationPreview serves GET /api/v1/tenants/{id}/recommendations/preview: the
// dashboard's "try a user id", on the same path as the public endpoint.
func (s *server) handleRecommendationPreview() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		q, err := recommendQuery(r)
		if err != nil {
			return err
		}
		recs, meta, err := s.Recommender.Recommend(r.Context(), t.ID, t.Config, q)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: recs, Meta: meta})
	})
}

// recommendQuery reads the query of a recommendation request (the contract has checked
// types and bounds already; this is the second net).
func recommendQuery(r *http.Request) (recommend.Query, error) {
	v := r.URL.Query()
	q := recommend.Query{UserID: v.Get("userId"), ProductID: v.Get("productId"), Placement: v.Get("placement"),
		Strategy: v.Get("strategy"), Limit: 8}
	if q.UserID == "" {
		return q, recom.Invalid(recom.FieldError{Field: "userId", Message: "is required"})
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			return q, recom.Invalid(recom.FieldError{Field: "limit", Message: "must be an integer from 1 to 50"})
		}
		q.Limit = n
	}
	return q, nil
}
