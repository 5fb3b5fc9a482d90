package httpapi

import (
	"net/http"

	"github.com/recomengine/recomengine/internal/recom"
)

// handleExperimentList serves GET /api/v1/tenants/{id}/experiments, newest first.
func (s *server) handleExperimentList() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		page, err := pageFrom(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		f := recom.ExperimentFilter{Status: recom.ExperimentStatus(q.Get("status")), Placement: q.Get("placement"), Page: page}
		list, total, err := s.Experiments.List(r.Context(), tenantID, f)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: list, Meta: pageMeta{Total: total, Limit: page.Limit, Offset: page.Offset}})
	})
}

// tenantCall answers an admin request about its own tenant with fn's value as data.
func (s *server) tenantCall(status int, fn func(r *http.Request, tenantID string) (any, error)) http.Handler {
	return s.tenantHandler(status, s.adminTenant, fn)
}

// tenantChange is tenantCall for a change, which a deleted tenant refuses (409): its data
// waits for the purge, and nothing written now may outlive it.
func (s *server) tenantChange(status int, fn func(r *http.Request, tenantID string) (any, error)) http.Handler {
	return s.tenantHandler(status, func(r *http.Request) (string, error) {
		sc, err := s.adminWriteScope(r)
		return sc.tenantID, err
	}, fn)
}

func (s *server) tenantHandler(status int, tenantOf func(*http.Request) (string, error), fn func(r *http.Request, tenantID string) (any, error)) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := tenantOf(r)
		if err != nil {
			return err
		}
		v, err := fn(r, tenantID)
		if err != nil {
			return err
		}
		return encode(w, status, envelope{Data: v})
	})
}

// handleExperimentCreate serves POST /api/v1/tenants/{id}/experiments: a draft (US4-1), or
// 409 when another experiment is running or paused on the placement (US4-5).
func (s *server) handleExperimentCreate() http.Handler {
	return s.tenantChange(http.StatusCreated, func(r *http.Request, tenantID string) (any, error) {
		in, err := decode[recom.ExperimentInput](r)
		if err != nil {
			return nil, err
		}
		return s.Experiments.Create(r.Context(), tenantID, in)
	})
}

// handleExperimentGet serves GET /api/v1/tenants/{id}/experiments/{expId}.
func (s *server) handleExperimentGet() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		return s.Experiments.Get(r.Context(), tenantID, r.PathValue("expId"))
	})
}

// handleExperimentUpdate serves PUT /api/v1/tenants/{id}/experiments/{expId}: the fields
// given change; once started, only name and targetMde may (409 otherwise).
func (s *server) handleExperimentUpdate() http.Handler {
	return s.tenantChange(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		in, err := decode[recom.ExperimentInput](r)
		if err != nil {
			return nil, err
		}
		return s.Experiments.Update(r.Context(), tenantID, r.PathValue("expId"), in)
	})
}

// handleExperimentMove serves POST …/experiments/{expId}/start, /pause and /complete.
func (s *server) handleExperimentMove(to recom.ExperimentStatus) http.Handler {
	return s.tenantChange(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		return s.Experiments.Move(r.Context(), tenantID, r.PathValue("expId"), to)
	})
}

// handleExperimentResults serves GET /api/v1/tenants/{id}/experiments/{expId}/results.
func (s *server) handleExperimentResults() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		return s.Experiments.Results(r.Context(), tenantID, r.PathValue("expId"))
	})
}
