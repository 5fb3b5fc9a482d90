package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/recomengine/recomengine/internal/negotiate"
	"github.com/recomengine/recomengine/internal/recom"
)

// errBadPlacement is the problem of a placement path value that breaks the rule.
var errBadPlacement = recom.Invalid(recom.FieldError{Field: "placement", Message: recom.PlacementRule})

// widget returns the tenant's widget of the placement, the defaults if none is configured.
func (s *server) widget(r *http.Request, tenantID string) (recom.Widget, error) {
	placement := r.PathValue("placement")
	if !recom.ValidPlacement(placement) {
		return recom.Widget{}, errBadPlacement
	}
	w, err := s.Stores.Widgets.FindWidget(r.Context(), tenantID, placement)
	if recom.IsNotFound(err) {
		return recom.DefaultWidget(tenantID, placement), nil
	}
	return w, err
}

// handleWidgetGet serves GET /api/v1/tenants/{id}/widgets/{placement}.
func (s *server) handleWidgetGet() http.Handler {
	return s.tenantCall(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		return s.widget(r, tenantID)
	})
}

// handleWidgetList serves GET /api/v1/tenants/{id}/widgets: the configured placements.
func (s *server) handleWidgetList() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		tenantID, err := s.adminTenant(r)
		if err != nil {
			return err
		}
		page, err := pageFrom(r)
		if err != nil {
			return err
		}
		list, total, err := s.Stores.Widgets.FindWidgets(r.Context(), tenantID, page)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: list, Meta: pageMeta{Total: total, Limit: page.Limit, Offset: page.Offset}})
	})
}

// handleWidgetPut serves PUT /api/v1/tenants/{id}/widgets/{placement}: the body is the
// whole widget, and what it leaves out takes the default (recom.DefaultWidget; the
// document declares no defaults, or its validator would fill them in first). Shops
// see the change within a minute: the SDK re-reads its widgets every 60 s (US7-2).
func (s *server) handleWidgetPut() http.Handler {
	return s.tenantChange(http.StatusOK, func(r *http.Request, tenantID string) (any, error) {
		placement := r.PathValue("placement")
		if !recom.ValidPlacement(placement) {
			return nil, errBadPlacement
		}
		if err := requireJSON(r); err != nil {
			return nil, err
		}
		w := recom.DefaultWidget(tenantID, placement)
		if err := decodeInto(r.Body, &w); err != nil {
			return nil, err
		}
		if w.Placement != placement || w.UpdatedAt != nil { // the validator refuses them too
			return nil, recom.Invalid(recom.FieldError{Field: "body", Message: "placement and updatedAt are not fields of a widget's body"})
		}
		if fs := w.Validate(); len(fs) > 0 {
			return nil, recom.Invalid(fs...)
		}
		return s.Stores.Widgets.PutWidget(r.Context(), w)
	})
}

// handleSDKWidget serves GET /api/v1/widgets/{placement}, the SDK's read of its widget,
// with a strong ETag so its re-reads every minute cost a 304 when nothing changed.
func (s *server) handleSDKWidget() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		widget, err := s.widget(r, p.TenantID)
		if err != nil {
			return err
		}
		body, err := marshal(envelope{Data: widget})
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:12]) + `"`
		h := w.Header()
		h.Set("ETag", etag)
		// Kept by the browser only (the key may come in a header, which caches do not key
		// on), and asked for again each time: the SDK's minute re-reads cost a 304.
		h.Set("Cache-Control", "private, no-cache")
		if negotiate.ETagListed(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		return writeBody(w, http.StatusOK, body)
	})
}

// sdkHandler serves the browser SDK bundle (Deps.SDK), or a 404 problem from a binary
// built without one.
func (s *server) sdkHandler() http.Handler {
	if s.SDK != nil {
		return s.SDK
	}
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		return recom.Errorf(recom.CodeNotFound, "This server was built without the SDK: build it with Node installed (make build).")
	})
}
