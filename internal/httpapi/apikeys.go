package httpapi

import (
	"net/http"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

type apiKeyCreate struct {
	Name        string           `json:"name"`
	Permissions recom.Permission `json:"permissions"`
	Type        recom.KeyType    `json:"type"`
}

type apiKeyCreated struct {
	recom.APIKey
	Key string `json:"key"`
}

// handleAPIKeyList serves GET /api/v1/tenants/{id}/api-keys: prefixes only.
func (s *server) handleAPIKeyList() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		page, err := pageFrom(r)
		if err != nil {
			return err
		}
		keys, err := s.Stores.APIKeys.FindAPIKeys(r.Context(), t.ID) // at most MaxActiveAPIKeys
		if err != nil {
			return err
		}
		total := len(keys)
		keys = append([]recom.APIKey{}, keys[min(page.Offset, total):min(page.Offset+page.Limit, total)]...)
		return encode(w, http.StatusOK, envelope{Data: keys, Meta: pageMeta{Total: total, Limit: page.Limit, Offset: page.Offset}})
	})
}

// handleAPIKeyCreate serves POST /api/v1/tenants/{id}/api-keys (US1-3): the full key is in
// this response only; what is stored is its HMAC-SHA256 (NFR-006). The 11th active key is
// a 409 (FR-006).
func (s *server) handleAPIKeyCreate() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[apiKeyCreate](r)
		if err != nil {
			return err
		}
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		if t.Status == recom.TenantDeleted {
			return recom.ErrTenantNotFound
		}
		k, err := recom.NewAPIKey(in.Name, in.Permissions, in.Type)
		if err != nil {
			return err
		}
		full, prefix := auth.NewAPIKey(k.Type)
		k.Prefix, k.Hash = prefix, auth.HashAPIKey(s.Pepper, full)
		k, err = s.Stores.APIKeys.CreateAPIKey(r.Context(), t.ID, k, recom.MaxActiveAPIKeys)
		if err != nil {
			return err
		}
		return encode(w, http.StatusCreated, envelope{Data: apiKeyCreated{APIKey: k, Key: full}})
	})
}

// handleAPIKeyRevoke serves DELETE /api/v1/tenants/{id}/api-keys/{keyId}.
func (s *server) handleAPIKeyRevoke() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.ownTenant(r)
		if err != nil {
			return err
		}
		if err := s.Stores.APIKeys.RevokeAPIKey(r.Context(), t.ID, r.PathValue("keyId"), recom.Now()); err != nil {
			return err
		}
		s.keys.ForgetTenant(t.ID) // here at once; on other nodes within auth.KeyTTL (≤ 5 s)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
