package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

type tenantCreate struct {
	Name   string          `json:"name"`
	Config json.RawMessage `json:"config"`
}

type tenantUpdate struct {
	Name   *string             `json:"name"`
	Status *recom.TenantStatus `json:"status"`
	Config json.RawMessage     `json:"config"`
}

// mergeConfig applies the keys given in raw onto cfg (keys not given keep their value) and
// validates the result.
func mergeConfig(cfg recom.TenantConfig, raw json.RawMessage) (recom.TenantConfig, error) {
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, prefixFields(jsonError(err), "config.")
		}
	}
	cfg.AllowedOrigins = recom.CanonicalOrigins(cfg.AllowedOrigins)
	return cfg, cfg.Validate()
}

func prefixFields(err error, prefix string) error {
	if e, ok := err.(*recom.Error); ok {
		for i := range e.Fields {
			e.Fields[i].Field = prefix + e.Fields[i].Field
		}
	}
	return err
}

// handleTenantCreate serves POST /api/v1/tenants (US1-2).
func (s *server) handleTenantCreate() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		in, err := decode[tenantCreate](r)
		if err != nil {
			return err
		}
		t, err := recom.NewTenant(p.AdminID, in.Name)
		if err != nil {
			return err
		}
		if t.Config, err = mergeConfig(t.Config, in.Config); err != nil {
			return err
		}
		if p.Role != recom.RoleSuperAdmin && !t.Config.SelfServiceLimits() {
			return recom.ErrLimitsNeedOperator
		}
		t, err = s.Stores.Tenants.CreateTenant(r.Context(), t)
		if err != nil {
			return err
		}
		return encode(w, http.StatusCreated, envelope{Data: t})
	})
}

// handleTenantList serves GET /api/v1/tenants: the admin's own (a super admin's: all).
func (s *server) handleTenantList() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		page, err := pageFrom(r)
		if err != nil {
			return err
		}
		// Any spelling of true the validator lets through (true, TRUE, 1, …) means true.
		includeDeleted, _ := strconv.ParseBool(r.URL.Query().Get("includeDeleted"))
		f := recom.TenantFilter{OwnerID: p.AdminID, Page: page, IncludeDeleted: includeDeleted}
		if p.Role == recom.RoleSuperAdmin {
			f.OwnerID = ""
		}
		ts, total, err := s.Stores.Tenants.FindTenants(r.Context(), f)
		if err != nil {
			return err
		}
		if ts == nil {
			ts = []recom.Tenant{}
		}
		return encode(w, http.StatusOK, envelope{Data: ts, Meta: pageMeta{Total: total, Limit: page.Limit, Offset: page.Offset}})
	})
}

// ownTenant returns the tenant of the {id} path value when the principal may see it;
// any other tenant is a 404, never a 403 (no existence oracle).
func (s *server) ownTenant(r *http.Request) (recom.Tenant, error) {
	p, _ := recom.PrincipalFrom(r.Context())
	t, err := s.Stores.Tenants.FindTenantByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return t, err
	}
	if !t.VisibleTo(recom.Admin{ID: p.AdminID, Role: p.Role}) {
		return recom.Tenant{}, recom.ErrTenantNotFound
	}
	return t, nil
}

// handleTenantGet serves GET /api/v1/tenants/{id}.
func (s *server) handleTenantGet() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: t})
	})
}

// handleTenantUpdate serves PUT /api/v1/tenants/{id}: name, status and config keys given
// are applied (US1-5: suspending keeps the data).
func (s *server) handleTenantUpdate() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[tenantUpdate](r)
		if err != nil {
			return err
		}
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		if t.Status == recom.TenantDeleted { // nor may a change put off its purge
			return recom.Errorf(recom.CodeConflict, "A deleted tenant cannot be changed.")
		}
		if in.Name != nil {
			if t.Name, err = recom.TenantName(*in.Name); err != nil {
				return err
			}
		}
		if in.Status != nil {
			if err := t.MoveTo(*in.Status); err != nil {
				return err
			}
		}
		limits := t.Config.RateLimits
		if t.Config, err = mergeConfig(t.Config, in.Config); err != nil {
			return err
		}
		// A merchant may lower its limits, or keep those an operator granted, never raise them.
		if p, _ := recom.PrincipalFrom(r.Context()); p.Role != recom.RoleSuperAdmin && t.Config.RateLimits != limits && !t.Config.SelfServiceLimits() {
			return recom.ErrLimitsNeedOperator
		}
		t.UpdatedAt = recom.Now()
		t, err = s.Stores.Tenants.UpdateTenant(r.Context(), t)
		if err != nil {
			return err
		}
		s.keys.ForgetTenant(t.ID) // status and limits apply here at once, elsewhere within auth.KeyTTL
		return encode(w, http.StatusOK, envelope{Data: t})
	})
}

// handleTenantDelete serves DELETE /api/v1/tenants/{id}: a soft delete; the data stays.
func (s *server) handleTenantDelete() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		if t.Status == recom.TenantDeleted {
			return recom.ErrTenantNotFound
		}
		if err := t.MoveTo(recom.TenantDeleted); err != nil {
			return err
		}
		t.UpdatedAt = recom.Now()
		if _, err := s.Stores.Tenants.UpdateTenant(r.Context(), t); err != nil {
			return err
		}
		s.keys.ForgetTenant(t.ID)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// purgeAfter is how long after its deletion a tenant may be purged: by then no node
// trusts a key of it any longer (auth.KeyTTL), and a request whose key was checked
// before has been read whole (serve's read timeout is 30 s) and its events written, so
// none of the tenant's can arrive after.
const purgeAfter = time.Minute

// handleTenantPurge serves POST /api/v1/tenants/{id}/purge: a super admin erases a
// deleted tenant and every row of its data, and what the nodes keep of it (DESIGN §2:
// a deleted tenant's data is kept until purged by a super admin).
func (s *server) handleTenantPurge() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		switch wait := purgeAfter - time.Since(t.UpdatedAt); {
		case p.Role != recom.RoleSuperAdmin:
			return recom.Errorf(recom.CodeForbidden, "Only a platform operator can purge a tenant's data.")
		case t.Status != recom.TenantDeleted:
			return recom.Errorf(recom.CodeConflict, "Only a deleted tenant can be purged: delete it first.")
		case wait > 0:
			return &recom.Error{Code: recom.CodeConflict, RetryAfter: wait,
				Message: "The tenant was deleted less than a minute ago: requests made with its keys may still be arriving. Retry after the time in Retry-After."}
		}
		ctx := context.WithoutCancel(r.Context()) // once begun, not cut short by a client that stops waiting
		if err := s.Stores.Tenants.PurgeTenant(ctx, t.ID); err != nil {
			return err
		}
		s.keys.ForgetTenant(t.ID)
		if err := s.Recommender.ForgetTenant(ctx, t.ID); err != nil {
			s.Logger.WarnContext(ctx, "purged tenant's recent activity not dropped; it expires within 30 days", "tenantId", t.ID, "err", err)
		}
		s.Logger.InfoContext(ctx, "tenant purged", "tenantId", t.ID, "adminId", p.AdminID)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
