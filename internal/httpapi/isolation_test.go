package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestTenantIsolation walks every operation of the OpenAPI document, so a new route is
// covered the day it is added: admin B and B's keys aim each one at tenant A's resources
// and must get a 404 (or, where no id is aimed at, nothing of A's); afterwards A's
// resources are as they were (FR-004).
func TestTenantIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newTestEnvOn(t, b)
		c, err := loadContract(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tokA, tokB := e.signup("alice@a.example"), e.signup("bob@b.example")
		tenantA, tenantB := e.createTenant(tokA, "A's store"), e.createTenant(tokB, "B's store")
		keyA := e.createKey(tokA, tenantA.ID, recom.PermReadWrite, recom.KeySecret)
		keyB := e.createKey(tokB, tenantB.ID, recom.PermReadWrite, recom.KeySecret)
		productA := "a-secret-product"
		if res := e.do("POST", "/api/v1/catalog", map[string]any{"productId": productA, "name": "A's product", "price": 9},
			"X-API-Key", keyA.Key); res.Status != 201 {
			t.Fatalf("A's product: %d %s", res.Status, res.Body)
		}
		if res := e.do("POST", "/api/v1/events", map[string]any{"eventType": "purchase", "userId": "a-shopper", "productId": productA, "orderId": "a-order"},
			"X-API-Key", keyA.Key); res.Status != 202 {
			t.Fatalf("A's event: %d %s", res.Status, res.Body)
		}
		res := e.do("POST", "/api/v1/tenants/"+tenantA.ID+"/experiments", map[string]any{"name": "A's experiment", "placement": "a-placement",
			"controlStrategy": "collaborative", "variantStrategy": "trending"}, "Authorization", "Bearer "+tokA)
		var expA struct{ Data recom.Experiment }
		res.decode(t, &expA)
		if res.Status != 201 {
			t.Fatalf("A's experiment: %d %s", res.Status, res.Body)
		}
		if res := e.do("PUT", "/api/v1/tenants/"+tenantA.ID+"/widgets/a-placement", map[string]any{"ctaText": "A's button", "title": "A's picks"},
			"Authorization", "Bearer "+tokA); res.Status != 200 {
			t.Fatalf("A's widget: %d %s", res.Status, res.Body)
		}
		// A's identifiers, one per path parameter; a new parameter needs a fixture here.
		fixtures := map[string]string{"id": tenantA.ID, "keyId": keyA.ID, "productId": productA, "expId": expA.Data.ID, "placement": "a-placement"}
		secretsOfA := []string{tenantA.ID, keyA.ID, keyA.Prefix, "A's store", "alice@a.example", "A's product", "a-shopper", "a-order",
			expA.Data.ID, "A's experiment", "A's button", "A's picks"}
		before := snapshot(t, e, tokA, tenantA.ID)

		// Operations that are not tenant-scoped, and why.
		public := map[string]string{
			"GET /healthz": "health", "GET /readyz": "health", "GET /metrics": "metrics",
			"GET /api/v1/openapi.json": "the contract",
			"POST /api/v1/auth/signup": "creates a new admin", "POST /api/v1/auth/login": "credentials",
			"POST /api/v1/auth/refresh": "cookie of the caller", "POST /api/v1/auth/logout": "cookie of the caller",
			"GET /sdk/recomengine.v1.js": "the same script for every shop",
		}
		param := regexp.MustCompile(`\{([^}]+)\}`)
		for _, op := range c.operations() {
			method, path, _ := strings.Cut(op, " ")
			if _, ok := public[op]; ok {
				continue
			}
			operation := c.doc.Paths.Value(path).GetOperation(method)
			security := "none"
			if operation.Security != nil && len(*operation.Security) > 0 {
				for name := range (*operation.Security)[0] {
					security = name
				}
			}
			t.Run(op, func(t *testing.T) {
				aimed := param.MatchString(path)
				url := param.ReplaceAllStringFunc(path, func(m string) string {
					v, ok := fixtures[strings.Trim(m, "{}")]
					if !ok {
						t.Fatalf("no fixture for %s: add one of tenant A's identifiers", m)
					}
					return v
				})
				// Required query parameters take their documented example.
				var query []string
				for _, p := range append(c.doc.Paths.Value(path).Parameters, operation.Parameters...) {
					if p.Value.In == "query" && p.Value.Required {
						if p.Value.Example == nil {
							t.Fatalf("required query parameter %s of %s has no example in api/openapi.yaml", p.Value.Name, op)
						}
						query = append(query, fmt.Sprintf("%s=%v", p.Value.Name, p.Value.Example))
					}
				}
				if len(query) > 0 {
					url += "?" + strings.Join(query, "&")
				}
				var body any
				if rb := operation.RequestBody; rb != nil && rb.Value.Required {
					mt := rb.Value.Content.Get("application/json")
					if mt == nil || mt.Schema == nil || len(mt.Schema.Value.Examples) == 0 {
						t.Fatalf("the request body of %s has no example in api/openapi.yaml", op)
					}
					body = mt.Schema.Value.Examples[0]
				}
				var cred []string
				switch security {
				case "bearerAuth":
					cred = []string{"Authorization", "Bearer " + tokB}
				case "apiKey":
					cred = []string{"X-API-Key", keyB.Key}
				default:
					t.Fatalf("%s has security %q: classify it here (public, admin or key)", op, security)
				}
				res := e.do(method, url, body, cred...)
				// PUT upserts by the path's id: B's PUT makes B's own product of that
				// id; A's stays as it was (checked below).
				upsert := op == "PUT /api/v1/catalog/{productId}" && res.Status == 200
				// A placement is a name in each tenant's own space: B's key reads B's
				// widget of that name (the defaults), never A's (its texts are secrets).
				upsert = upsert || op == "GET /api/v1/widgets/{placement}" && res.Status == 200
				if aimed && res.Status != 404 && !upsert {
					t.Errorf("B got %d on A's resource: %s", res.Status, res.Body)
				}
				if res.Status >= 500 {
					t.Errorf("B got %d: %s", res.Status, res.Body)
				}
				// A problem's instance echoes the path B sent: not A's data.
				var v any
				_ = json.Unmarshal(res.Body, &v)
				seen, _ := json.Marshal(stripKeys(v, "instance"))
				for _, s := range secretsOfA {
					if strings.Contains(string(seen), s) {
						t.Errorf("B's answer holds A's %q: %s", s, res.Body)
					}
				}
			})
		}
		if after := snapshot(t, e, tokA, tenantA.ID); after != before {
			t.Errorf("A's resources changed:\nbefore %s\nafter  %s", before, after)
		}
		if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", keyA.Key); res.Status != 200 {
			t.Errorf("A's key stopped working: %d", res.Status)
		}
	})
}

// snapshot is tenant A as its owner sees it, without fields that change on use.
func snapshot(t *testing.T, e *testEnv, token, tenantID string) string {
	t.Helper()
	var out strings.Builder
	for _, path := range []string{"/api/v1/tenants/" + tenantID, "/api/v1/tenants/" + tenantID + "/api-keys",
		"/api/v1/tenants/" + tenantID + "/catalog", "/api/v1/tenants/" + tenantID + "/events", "/api/v1/tenants/" + tenantID + "/widgets"} {
		res := e.do("GET", path, nil, "Authorization", "Bearer "+token)
		var v any
		res.decode(t, &v)
		b, _ := json.Marshal(stripKeys(v, "lastUsedAt"))
		out.Write(b)
	}
	return out.String()
}

func stripKeys(v any, keys ...string) any {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range keys {
			delete(v, k)
		}
		for k, x := range v {
			v[k] = stripKeys(x, keys...)
		}
	case []any:
		for i, x := range v {
			v[i] = stripKeys(x, keys...)
		}
	}
	return v
}
