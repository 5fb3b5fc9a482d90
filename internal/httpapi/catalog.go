package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/recomengine/recomengine/internal/recom"
)

// catalogInput is a catalog item as clients send it: available defaults to true.
type catalogInput struct {
	recom.CatalogItem
	Available *bool `json:"available"`
}

// item is the item to store; the currency defaults to the tenant's.
func (in catalogInput) item(sc catalogScope) recom.CatalogItem {
	it := in.CatalogItem
	it.Available = in.Available == nil || *in.Available
	if it.Attributes == nil { // answered as {}, as the stores read it back
		it.Attributes = map[string]any{}
	}
	if it.Currency == "" {
		it.Currency = sc.currency
	}
	return it
}

// catalogScope is the catalog a request works on. Each catalog operation is served twice:
// under /api/v1/catalog for the tenant of the API key (keyScope), and under
// /api/v1/tenants/{id}/catalog for the dashboard, when the admin may see tenant {id}
// (adminScope).
type catalogScope struct {
	tenantID string
	currency string // the tenant's, for items sent without one
	deleted  bool   // the tenant is deleted, waiting for its purge
}

type scopeFunc func(*http.Request) (catalogScope, error)

// keyScope is the tenant of the API key that authenticated the request.
func keyScope(r *http.Request) (catalogScope, error) {
	p, _ := recom.PrincipalFrom(r.Context())
	return catalogScope{tenantID: p.TenantID, currency: p.TenantConfig.Currency}, nil
}

// adminScope is the {id} tenant when the admin may see it (404 otherwise).
func (s *server) adminScope(r *http.Request) (catalogScope, error) {
	t, err := s.ownTenant(r)
	return catalogScope{tenantID: t.ID, currency: t.Config.Currency, deleted: t.Status == recom.TenantDeleted}, err
}

// adminWriteScope is adminScope for a change: a deleted tenant refuses it (409), as its
// data waits for the purge and nothing written now may outlive it.
func (s *server) adminWriteScope(r *http.Request) (catalogScope, error) {
	sc, err := s.adminScope(r)
	if err == nil && sc.deleted {
		return sc, recom.Errorf(recom.CodeConflict, "A deleted tenant cannot be changed.")
	}
	return sc, err
}

// adminTenant is the {id} tenant when the admin may see it (404 otherwise).
func (s *server) adminTenant(r *http.Request) (string, error) {
	t, err := s.ownTenant(r)
	return t.ID, err
}

// handleCatalogCreate serves POST /api/v1/catalog (US2-1) and its dashboard twin: 201
// when created, 200 when it replaced an item of the same productId (upsert).
func (s *server) handleCatalogCreate(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		in, err := decode[catalogInput](r)
		if err != nil {
			return err
		}
		it, created, err := s.upsertOne(r, sc.tenantID, in.item(sc))
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return encode(w, status, envelope{Data: it})
	})
}

// upsertOne validates and stores one item and returns it as stored, and whether it was
// created (rather than replaced).
func (s *server) upsertOne(r *http.Request, tenantID string, it recom.CatalogItem) (recom.CatalogItem, bool, error) {
	if fs := it.Validate(""); len(fs) > 0 {
		return it, false, recom.Invalid(fs...)
	}
	now := recom.Now()
	it.CreatedAt, it.UpdatedAt = now, now
	created, err := s.Stores.Catalog.UpsertItems(r.Context(), tenantID, []recom.CatalogItem{it})
	s.catalogChanged(r, tenantID, it.ProductID)
	if err != nil {
		return it, false, err
	}
	it, err = s.Stores.Catalog.FindItem(r.Context(), tenantID, it.ProductID)
	return it, created[0], err
}

type catalogBatch struct {
	Items []json.RawMessage `json:"items"`
}

type catalogBatchResult struct {
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Rejected int `json:"rejected"`
}

// handleCatalogBatch serves POST /api/v1/catalog/batch (FR-011): up to 500 items upserted
// in one transaction; invalid ones are reported by index and the rest stored.
func (s *server) handleCatalogBatch(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		body, err := readJSON(r)
		if err != nil {
			return err
		}
		in, err := decodeFrom[catalogBatch](bytes.NewReader(body))
		if err != nil {
			return err
		}
		if fs := strictFields[catalogBatch](body, ""); fs != nil && !strings.HasPrefix(fs[0].Field, "items[") {
			return recom.Invalid(fs...) // the envelope; each item is checked by itself
		}
		if len(in.Items) == 0 || len(in.Items) > recom.MaxCatalogBatch {
			return recom.Invalid(recom.FieldError{Field: "items", Message: fmt.Sprintf("must hold 1 to %d items", recom.MaxCatalogBatch)})
		}
		now := recom.Now()
		var (
			valid  []recom.CatalogItem
			ids    []string
			errs   []batchProblem
			fields []recom.FieldError
			seen   = map[string]int{}
		)
		for i, raw := range in.Items {
			at := fmt.Sprintf("items[%d].", i)
			ci, fs := decodeItem[catalogInput](raw, at)
			if len(fs) == 0 {
				it := ci.item(sc)
				fs = it.Validate(at)
				if j, dup := seen[it.ProductID]; dup && len(fs) == 0 {
					fs = []recom.FieldError{{Field: at + "productId", Message: fmt.Sprintf("repeats items[%d]; send each product once", j)}}
				}
				if len(fs) == 0 {
					seen[it.ProductID] = i
					it.CreatedAt, it.UpdatedAt = now, now
					valid, ids = append(valid, it), append(ids, it.ProductID)
				}
			}
			if len(fs) > 0 {
				errs = append(errs, s.itemProblem(r, i, fs))
				fields = append(fields, fs...)
			}
		}
		if len(valid) == 0 {
			return recom.Invalid(fields...)
		}
		created, err := s.Stores.Catalog.UpsertItems(r.Context(), sc.tenantID, valid)
		s.catalogChanged(r, sc.tenantID, ids...)
		if err != nil {
			return err
		}
		res := catalogBatchResult{Rejected: len(errs)}
		for _, c := range created {
			if c {
				res.Created++
			} else {
				res.Updated++
			}
		}
		return encode(w, http.StatusOK, struct {
			Data   catalogBatchResult `json:"data"`
			Errors []batchProblem     `json:"errors,omitempty"`
		}{res, errs})
	})
}

// catalogFilter reads the list filters of a catalog listing.
func catalogFilter(r *http.Request) (recom.CatalogFilter, error) {
	page, err := pageFrom(r)
	if err != nil {
		return recom.CatalogFilter{}, err
	}
	q := r.URL.Query()
	f := recom.CatalogFilter{Category: q.Get("category"), Search: q.Get("search"), Page: page}
	if v := q.Get("available"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, recom.Invalid(recom.FieldError{Field: "available", Message: "must be true or false"})
		}
		f.Available = &b
	}
	return f, nil
}

// handleCatalogList serves GET /api/v1/catalog and GET /api/v1/tenants/{id}/catalog.
func (s *server) handleCatalogList(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		f, err := catalogFilter(r)
		if err != nil {
			return err
		}
		items, total, err := s.Stores.Catalog.FindItems(r.Context(), sc.tenantID, f)
		if err != nil {
			return err
		}
		if items == nil {
			items = []recom.CatalogItem{}
		}
		return encode(w, http.StatusOK, envelope{Data: items, Meta: pageMeta{Total: total, Limit: f.Page.Limit, Offset: f.Page.Offset}})
	})
}

// handleCatalogGet serves GET /api/v1/catalog/{productId}.
func (s *server) handleCatalogGet(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		it, err := s.Stores.Catalog.FindItem(r.Context(), sc.tenantID, r.PathValue("productId"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: it})
	})
}

// handleCatalogPut serves PUT /api/v1/catalog/{productId}: the item is replaced (created
// when absent); a productId in the body must match the path.
func (s *server) handleCatalogPut(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		in, err := decode[catalogInput](r)
		if err != nil {
			return err
		}
		id := r.PathValue("productId")
		if in.ProductID != "" && in.ProductID != id {
			return recom.Invalid(recom.FieldError{Field: "productId", Message: "must match the productId of the path"})
		}
		in.ProductID = id
		it, _, err := s.upsertOne(r, sc.tenantID, in.item(sc))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: it})
	})
}

// handleCatalogPatch serves PATCH /api/v1/catalog/{productId}: the fields given replace
// the stored ones (e.g. {"available": false} takes the product out of recommendations).
func (s *server) handleCatalogPatch(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		raw, err := decode[json.RawMessage](r)
		if err != nil {
			return err
		}
		it, err := s.Stores.Catalog.FindItem(r.Context(), sc.tenantID, r.PathValue("productId"))
		if err != nil {
			return err
		}
		in := catalogInput{CatalogItem: it, Available: &it.Available}
		in.Attributes = nil // given attributes replace the stored ones, not merge into them
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return jsonError(err)
		}
		if in.Attributes == nil {
			in.Attributes = it.Attributes
		}
		if in.ProductID != it.ProductID {
			return recom.Invalid(recom.FieldError{Field: "productId", Message: "cannot be changed; create a new product instead"})
		}
		if in.Available == nil {
			return recom.Invalid(recom.FieldError{Field: "available", Message: "must be true or false"})
		}
		it, _, err = s.upsertOne(r, sc.tenantID, in.item(sc))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: it})
	})
}

// handleCatalogDelete serves DELETE /api/v1/catalog/{productId}: the product leaves
// recommendations at once; its events stay.
func (s *server) handleCatalogDelete(scope scopeFunc) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		sc, err := scope(r)
		if err != nil {
			return err
		}
		id := r.PathValue("productId")
		err = s.Stores.Catalog.DeleteItem(r.Context(), sc.tenantID, id)
		s.catalogChanged(r, sc.tenantID, id)
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleEventList serves GET /api/v1/tenants/{id}/events: the newest events first, for
// the dashboard's live check that events arrive.
func (s *server) handleEventList() http.Handler {
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
		f := recom.EventFilter{Type: recom.EventType(q.Get("eventType")), UserID: q.Get("userId"), ProductID: q.Get("productId"), Page: page}
		evs, total, err := s.Stores.Events.FindEvents(r.Context(), tenantID, f)
		if err != nil {
			return err
		}
		if evs == nil {
			evs = []recom.Event{}
		}
		return encode(w, http.StatusOK, envelope{Data: evs, Meta: pageMeta{Total: total, Limit: page.Limit, Offset: page.Offset}})
	})
}

// catalogChanged forgets what this node remembers of the tenant's products ids and tells
// the other nodes, after a write: even a failed one, which may have committed.
func (s *server) catalogChanged(r *http.Request, tenantID string, ids ...string) {
	s.products.Forget(tenantID, ids...)
	if s.Recommender != nil {
		s.Recommender.CatalogChanged(context.WithoutCancel(r.Context()), tenantID, ids...)
	}
}
