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

// handleExperimentCreate serves POST /api/v1/tenants/{id}/experiments: a draft (US4-1), or
// 409 when another experiment is running or paused on the placement (US4-5).
func (s *server) handleExperimentCreate() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		in, err := decode[recom.ExperimentInput](r)
		if err != nil {
			return err
		}
		e, err := s.Experiments.Create(r.Context(), tenantID, in)
		if err != nil {
			return err
		}
		return encode(w, http.StatusCreated, envelope{Data: e})
	})
}

// handleExperimentGet serves GET /api/v1/tenants/{id}/experiments/{expId}.
func (s *server) handleExperimentGet() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		e, err := s.Experiments.Get(r.Context(), tenantID, r.PathValue("expId"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: e})
	})
}

// handleExperimentUpdate serves PUT /api/v1/tenants/{id}/experiments/{expId}: the fields
// given change; once started, only name and targetMde may (409 otherwise).
func (s *server) handleExperimentUpdate() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		in, err := decode[recom.ExperimentInput](r)
		if err != nil {
			return err
		}
		e, err := s.Experiments.Update(r.Context(), tenantID, r.PathValue("expId"), in)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: e})
	})
}

// handleExperimentMove serves POST …/experiments/{expId}/start, /pause and /complete.
func (s *server) handleExperimentMove(to recom.ExperimentStatus) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		e, err := s.Experiments.Move(r.Context(), tenantID, r.PathValue("expId"), to)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: e})
	})
}

// handleExperimentResults serves GET /api/v1/tenants/{id}/experiments/{expId}/results.
func (s *server) handleExperimentResults() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		res, err := s.Experiments.Results(r.Context(), tenantID, r.PathValue("expId"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: res})
	})
}
