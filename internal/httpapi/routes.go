package httpapi

import (
	"errors"
	"net/http"

	"github.com/recomengine/recomengine/internal/recom"
)

// addRoutes maps the whole surface: read this file to learn the API. Every pattern here is
// an operation of api/openapi.yaml (NewServer fails otherwise), except the docs page. The
// dashboard answers every other GET outside /api/ (see serveMux).
func (s *server) addRoutes() error {
	admin := s.requireAdmin
	readKey := s.requireKey(keyRule{perm: recom.PermRead, publishable: true})
	catalogRead := s.requireKey(keyRule{perm: recom.PermRead})
	catalogWrite := s.requireKey(keyRule{perm: recom.PermReadWrite})
	eventWrite := s.requireKey(keyRule{perm: recom.PermReadWrite, publishable: true})
	errs := []error{
		s.handle("GET /healthz", s.handleHealth()),
		s.handle("GET /readyz", s.handleReady()),
		s.handle("GET /metrics", s.metricsHandler()),
		s.handle("GET /api/v1/openapi.json", s.handleOpenAPI()),

		s.handle("POST /api/v1/auth/signup", s.handleSignup()),
		s.handle("POST /api/v1/auth/login", s.handleLogin()),
		s.handle("POST /api/v1/auth/refresh", s.handleRefresh()),
		s.handle("POST /api/v1/auth/logout", s.handleLogout()),
		s.handle("GET /api/v1/auth/me", s.handleMe(), admin),

		s.handle("GET /api/v1/tenants", s.handleTenantList(), admin),
		s.handle("POST /api/v1/tenants", s.handleTenantCreate(), admin),
		s.handle("GET /api/v1/tenants/{id}", s.handleTenantGet(), admin),
		s.handle("PUT /api/v1/tenants/{id}", s.handleTenantUpdate(), admin),
		s.handle("DELETE /api/v1/tenants/{id}", s.handleTenantDelete(), admin),
		s.handle("POST /api/v1/tenants/{id}/purge", s.handleTenantPurge(), admin),

		s.handle("GET /api/v1/tenants/{id}/api-keys", s.handleAPIKeyList(), admin),
		s.handle("POST /api/v1/tenants/{id}/api-keys", s.handleAPIKeyCreate(), admin),
		s.handle("DELETE /api/v1/tenants/{id}/api-keys/{keyId}", s.handleAPIKeyRevoke(), admin),

		s.handle("GET /api/v1/tenants/{id}/widgets", s.handleWidgetList(), admin),
		s.handle("GET /api/v1/tenants/{id}/widgets/{placement}", s.handleWidgetGet(), admin),
		s.handle("PUT /api/v1/tenants/{id}/widgets/{placement}", s.handleWidgetPut(), admin),

		s.handle("GET /api/v1/tenants/{id}/catalog", s.handleCatalogList(s.adminScope), admin),
		s.handle("POST /api/v1/tenants/{id}/catalog", s.handleCatalogCreate(s.adminWriteScope), admin),
		s.handle("POST /api/v1/tenants/{id}/catalog/batch", s.handleCatalogBatch(s.adminWriteScope), admin),
		s.handle("GET /api/v1/tenants/{id}/catalog/{productId}", s.handleCatalogGet(s.adminScope), admin),
		s.handle("PUT /api/v1/tenants/{id}/catalog/{productId}", s.handleCatalogPut(s.adminWriteScope), admin),
		s.handle("PATCH /api/v1/tenants/{id}/catalog/{productId}", s.handleCatalogPatch(s.adminWriteScope), admin),
		s.handle("DELETE /api/v1/tenants/{id}/catalog/{productId}", s.handleCatalogDelete(s.adminWriteScope), admin),
		s.handle("GET /api/v1/tenants/{id}/events", s.handleEventList(), admin),
		s.handle("GET /api/v1/tenants/{id}/recommendations/preview", s.handleRecommendationPreview(), admin),

		s.handle("GET /api/v1/tenants/{id}/experiments", s.handleExperimentList(), admin),
		s.handle("POST /api/v1/tenants/{id}/experiments", s.handleExperimentCreate(), admin),
		s.handle("GET /api/v1/tenants/{id}/experiments/{expId}", s.handleExperimentGet(), admin),
		s.handle("PUT /api/v1/tenants/{id}/experiments/{expId}", s.handleExperimentUpdate(), admin),
		s.handle("POST /api/v1/tenants/{id}/experiments/{expId}/start", s.handleExperimentMove(recom.ExperimentRunning), admin),
		s.handle("POST /api/v1/tenants/{id}/experiments/{expId}/pause", s.handleExperimentMove(recom.ExperimentPaused), admin),
		s.handle("POST /api/v1/tenants/{id}/experiments/{expId}/complete", s.handleExperimentMove(recom.ExperimentCompleted), admin),
		s.handle("GET /api/v1/tenants/{id}/experiments/{expId}/results", s.handleExperimentResults(), admin),

		s.handle("GET /api/v1/tenants/{id}/analytics/overview", s.handleAnalyticsOverview(), admin),
		s.handle("GET /api/v1/tenants/{id}/analytics/timeseries", s.handleAnalyticsTimeSeries(), admin),
		s.handle("GET /api/v1/tenants/{id}/analytics/top-products", s.handleAnalyticsTopProducts(), admin),
		s.handle("GET /api/v1/tenants/{id}/analytics/export.csv", s.handleAnalyticsExport(), admin),

		s.handle("GET /api/v1/key", s.handleKeyInfo(), readKey),

		s.handle("GET /api/v1/catalog", s.handleCatalogList(keyScope), catalogRead),
		s.handle("POST /api/v1/catalog", s.handleCatalogCreate(keyScope), catalogWrite),
		s.handle("POST /api/v1/catalog/batch", s.handleCatalogBatch(keyScope), catalogWrite),
		s.handle("GET /api/v1/catalog/{productId}", s.handleCatalogGet(keyScope), catalogRead),
		s.handle("PUT /api/v1/catalog/{productId}", s.handleCatalogPut(keyScope), catalogWrite),
		s.handle("PATCH /api/v1/catalog/{productId}", s.handleCatalogPatch(keyScope), catalogWrite),
		s.handle("DELETE /api/v1/catalog/{productId}", s.handleCatalogDelete(keyScope), catalogWrite),

		s.handle("GET /api/v1/recommendations", s.handleRecommendations(), readKey),
		s.handle("GET /api/v1/widgets/{placement}", s.handleSDKWidget(), readKey),
		s.handle("GET /sdk/recomengine.v1.js", s.sdkHandler()),

		s.handle("POST /api/v1/events", s.handleEventIngest(), s.shed, eventWrite),
		s.handle("POST /api/v1/events/batch", s.handleEventBatch(), s.shed, eventWrite),
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.mux.Handle("OPTIONS /api/v1/", s.handlePreflight())
	if s.Docs != nil {
		s.mux.Handle("GET /docs/", s.Docs)
		s.mux.Handle("GET /docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently))
	}
	return nil
}
