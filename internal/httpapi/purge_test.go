package httpapi

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestPurgeErasesATenant: a super admin purges a deleted tenant, and no row of any table
// names it afterwards, nor does the recommenders' activity; another tenant keeps all of
// its data. Only a super admin may, only a deleted tenant, and not while its keys may
// still be trusted.
func TestPurgeErasesATenant(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 30)
		e := k.experimentCall("POST", "", experimentBody("Home test", "home"), http.StatusCreated)
		k.experimentCall("POST", "/"+e.ID+"/start", nil, http.StatusOK)
		// Shoppers in the experiment see, click and buy: a model, exposures, recent lists,
		// and after the rollup attributed revenue and the experiment's user-days.
		var events []map[string]any
		for _, user := range []string{"shopper-1", "shopper-2", "visitor"} {
			r := k.recommend(t, "userId="+user+"&placement=home")
			shown := map[string]any{"userId": user, "productId": r.Data[0].ProductID, "recommendationId": r.Meta.RecommendationID, "placement": "home"}
			events = append(events, with(shown, "eventType", "recommendation_impressed"), with(shown, "eventType", "recommendation_clicked"),
				map[string]any{"eventType": "purchase", "userId": user, "productId": r.Data[0].ProductID, "orderId": "o-" + user, "price": 20})
		}
		if res := k.do("POST", "/api/v1/events/batch", map[string]any{"events": events}, "X-API-Key", k.rw.Key); res.Status != http.StatusAccepted {
			t.Fatalf("events: %d %s", res.Status, res.Body)
		}
		k.admin("/experiments/" + e.ID + "/results") // stores the exposures
		if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/home", `{"layout":"carousel"}`, "Authorization", "Bearer "+k.token); res.Status != http.StatusOK {
			t.Fatalf("widget: %d %s", res.Status, res.Body)
		}
		refresh(t, k.testEnv)
		// One event after the rollup: its day is marked to roll up again.
		if res := k.do("POST", "/api/v1/events", map[string]any{"eventType": "purchase", "userId": "late", "productId": "p1", "orderId": "late", "price": 5}, "X-API-Key", k.rw.Key); res.Status != http.StatusAccepted {
			t.Fatalf("late event: %d %s", res.Status, res.Body)
		}

		// Another merchant's tenant, with data of its own.
		otherTok := k.signup("other@shop.example")
		other := k.createTenant(otherTok, "Other shop")
		otherKey := k.createKey(otherTok, other.ID, recom.PermReadWrite, recom.KeySecret)
		k.do("POST", "/api/v1/catalog", map[string]any{"productId": "o1", "name": "Other"}, "X-API-Key", otherKey.Key)
		if res := k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "shopper-1", "productId": "o1"}, "X-API-Key", otherKey.Key); res.Status != http.StatusAccepted {
			t.Fatalf("the other tenant's event: %d %s", res.Status, res.Body)
		}

		root := []string{"Authorization", "Bearer " + k.signup("root@recomengine.test")}
		owner := []string{"Authorization", "Bearer " + k.token}
		purge := "/api/v1/tenants/" + k.tenant.ID + "/purge"
		if res := k.do("POST", purge, nil, root...); res.Status != http.StatusConflict {
			t.Errorf("purging a live tenant: %d %s", res.Status, res.Body)
		}
		if res := k.do("DELETE", "/api/v1/tenants/"+k.tenant.ID, nil, owner...); res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", res.Status, res.Body)
		}
		res := k.do("POST", purge, nil, root...)
		if wait, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.Status != http.StatusConflict || wait < 50 || wait > 60 {
			t.Errorf("purging a tenant deleted a moment ago: %d, Retry-After %q", res.Status, res.Header.Get("Retry-After"))
		}
		// A deleted tenant cannot be changed, so its owner cannot put the purge off.
		if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID, `{"name":"Still here"}`, owner...); res.Status != http.StatusConflict {
			t.Errorf("renaming a deleted tenant: %d %s", res.Status, res.Body)
		}
		// As if deleted two minutes ago.
		deleted, err := k.stores.Tenants.FindTenantByID(t.Context(), k.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		deleted.UpdatedAt = recom.Now().Add(-2 * time.Minute)
		if _, err := k.stores.Tenants.UpdateTenant(t.Context(), deleted); err != nil {
			t.Fatal(err)
		}
		if res := k.do("POST", purge, nil, owner...); res.Status != http.StatusForbidden {
			t.Errorf("the owner purging: %d %s", res.Status, res.Body)
		}
		// Every table of tenant data has a row of it, so the check after means something.
		stale := "analytics_stale"
		if b == production {
			stale = "analytics_stale_log"
		}
		before := k.dump()
		for _, table := range []string{"tenants", "api_keys", "catalog_items", "events", "models", "analytics_daily",
			"analytics_products_daily", "attributions", stale, "experiments", "experiment_exposures", "experiment_user_days", "widgets"} {
			if !regexp.MustCompile(`(?m)^` + table + `: .*` + k.tenant.ID).MatchString(before) {
				t.Errorf("before the purge, %s holds no row of the tenant", table)
			}
		}
		if res := k.do("POST", purge, nil, root...); res.Status != http.StatusNoContent {
			t.Fatalf("purge: %d %s", res.Status, res.Body)
		}

		dump := k.dump()
		if strings.Contains(dump, k.tenant.ID) {
			t.Error("a row still names the purged tenant")
		}
		if !strings.Contains(dump, other.ID) || !strings.Contains(dump, "Other shop") {
			t.Error("the other tenant's rows went too")
		}
		if evs, v, err := k.activity.RecentEvents(t.Context(), k.tenant.ID, "shopper-1", 10); err != nil || len(evs) != 0 || v != 0 {
			t.Errorf("the purged tenant's recent events: %d, %v", len(evs), err)
		}
		if top, err := k.activity.Trending(t.Context(), k.tenant.ID, 10, time.Now()); err != nil || len(top) != 0 {
			t.Errorf("the purged tenant's trending: %v, %v", top, err)
		}
		if evs, _, _ := k.activity.RecentEvents(t.Context(), other.ID, "shopper-1", 10); len(evs) != 1 {
			t.Errorf("the other tenant's shopper has %d recent events, want 1", len(evs))
		}
		if res := k.do("GET", "/api/v1/tenants/"+k.tenant.ID, nil, root...); res.Status != http.StatusNotFound {
			t.Errorf("the purged tenant: %d", res.Status)
		}
		if res := k.do("POST", purge, nil, root...); res.Status != http.StatusNotFound {
			t.Errorf("purging again: %d", res.Status)
		}
		if res := k.do("GET", "/api/v1/catalog/o1", nil, "X-API-Key", otherKey.Key); res.Status != http.StatusOK {
			t.Errorf("the other tenant's catalog: %d", res.Status)
		}
	})
}
