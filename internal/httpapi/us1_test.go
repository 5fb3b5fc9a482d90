package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// createKey creates an API key of the tenant and returns the full key.
func (e *testEnv) createKey(token, tenantID string, perm recom.Permission, typ recom.KeyType) apiKeyCreated {
	e.t.Helper()
	res := e.do("POST", "/api/v1/tenants/"+tenantID+"/api-keys",
		map[string]string{"name": "key " + string(perm), "permissions": string(perm), "type": string(typ)},
		"Authorization", "Bearer "+token)
	if res.Status != http.StatusCreated {
		e.t.Fatalf("create key: %d %s", res.Status, res.Body)
	}
	var out struct {
		Data apiKeyCreated `json:"data"`
	}
	res.decode(e.t, &out)
	return out.Data
}

// TestUS1 is User Story 1's acceptance scenarios, on both backends.
func TestUS1(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newTestEnvOn(t, b)

		// 1: signup → 201 with a JWT and the user.
		res := e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "owner@acme.example", "password": "correct horse battery"})
		var sess struct {
			Data session `json:"data"`
		}
		res.decode(t, &sess)
		if res.Status != 201 || strings.Count(sess.Data.Token, ".") != 2 || sess.Data.User.Email != "owner@acme.example" {
			t.Fatalf("US1-1 signup: %d %s", res.Status, res.Body)
		}
		tok := sess.Data.Token

		// 2: create tenant → 201 {id, name, status active, createdAt}, isolated from others.
		res = e.do("POST", "/api/v1/tenants", map[string]string{"name": "Acme Store"}, "Authorization", "Bearer "+tok)
		var tn struct {
			Data recom.Tenant `json:"data"`
		}
		res.decode(t, &tn)
		if res.Status != 201 || tn.Data.ID == "" || tn.Data.Name != "Acme Store" || tn.Data.Status != recom.TenantActive || tn.Data.CreatedAt.IsZero() {
			t.Fatalf("US1-2 tenant: %d %s", res.Status, res.Body)
		}
		other := e.signup("other@shop.example")
		if res := e.do("GET", "/api/v1/tenants/"+tn.Data.ID, nil, "Authorization", "Bearer "+other); res.Status != 404 {
			t.Errorf("US1-2 another admin sees the tenant: %d", res.Status)
		}

		// 3: create a read key → 201 with the full key once; stored as HMAC-SHA256 only.
		key := e.createKey(tok, tn.Data.ID, recom.PermRead, recom.KeySecret)
		if !strings.HasPrefix(key.Key, "rk_live_") {
			t.Fatalf("US1-3 key %q", key.Key)
		}
		if list := e.do("GET", "/api/v1/tenants/"+tn.Data.ID+"/api-keys", nil, "Authorization", "Bearer "+tok); strings.Contains(string(list.Body), key.Key) {
			t.Error("US1-3 the key is shown again after creation")
		}
		if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", key.Key); res.Status != 200 || !strings.Contains(string(res.Body), tn.Data.ID) {
			t.Fatalf("the key does not authenticate: %d %s", res.Status, res.Body)
		}
		dump := e.dump()
		secret := strings.TrimPrefix(key.Key, "rk_live_")
		raw, _ := base64.RawURLEncoding.DecodeString(secret)
		for _, plain := range []string{key.Key, secret, fmt.Sprintf("%x", raw)} {
			if strings.Contains(dump, plain) {
				t.Errorf("US1-3 the database holds the key in plaintext (%q)", plain[:12])
			}
		}
		if !strings.Contains(dump, key.Prefix) {
			t.Error("the display prefix is not stored (is the dump reading the right database?)")
		}
		if logs := e.logs.String(); strings.Contains(logs, secret) {
			t.Error("NFR-006 the log holds the key")
		}

		// 4: a read key on a write route → 403 "Insufficient permissions: write access required".
		event := map[string]any{"eventType": "product_viewed", "userId": "u1", "productId": "p1"}
		if p := e.do("POST", "/api/v1/events", event, "X-API-Key", key.Key).problem(t); p.Status != 403 || p.Detail != "Insufficient permissions: write access required" {
			t.Errorf("US1-4: %+v", p)
		}
		rw := e.createKey(tok, tn.Data.ID, recom.PermReadWrite, recom.KeySecret)
		if res := e.do("POST", "/api/v1/events", event, "X-API-Key", rw.Key); res.Status != http.StatusAccepted {
			t.Errorf("a read_write key on a write route: %d %s", res.Status, res.Body)
		}

		// 5: suspended → every key gets 403 "Tenant suspended"; the data stays.
		if res := e.do("PUT", "/api/v1/tenants/"+tn.Data.ID, map[string]string{"status": "suspended"}, "Authorization", "Bearer "+tok); res.Status != 200 {
			t.Fatalf("suspend: %d", res.Status)
		}
		for _, k := range []string{key.Key, rw.Key} {
			if p := e.do("GET", "/api/v1/key", nil, "X-API-Key", k).problem(t); p.Status != 403 || p.Detail != "Tenant suspended" {
				t.Errorf("US1-5 suspended tenant's key: %+v", p)
			}
		}
		if list := e.do("GET", "/api/v1/tenants/"+tn.Data.ID+"/api-keys", nil, "Authorization", "Bearer "+tok); !strings.Contains(string(list.Body), key.ID) {
			t.Error("US1-5 suspending lost the keys")
		}
		e.do("PUT", "/api/v1/tenants/"+tn.Data.ID, map[string]string{"status": "active"}, "Authorization", "Bearer "+tok)
		if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", key.Key); res.Status != 200 {
			t.Errorf("reactivated tenant's key: %d", res.Status)
		}

		// Deleted tenant: 401.
		e.do("DELETE", "/api/v1/tenants/"+tn.Data.ID, nil, "Authorization", "Bearer "+tok)
		if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", key.Key); res.Status != 401 {
			t.Errorf("deleted tenant's key: %d", res.Status)
		}
	})
}

// httptestKeyRoute serves a route guarded by requireKey(rule) alone on the env's stores:
// the key rules tested apart from any handler (limits, origins, a second node).
func httptestKeyRoute(t *testing.T, e *testEnv, rule keyRule) *testEnv {
	t.Helper()
	d, fx := newDeps(t, embedded)
	d.Stores, d.Pepper = e.stores, e.pepper
	s, err := newServer(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(requestID(s.requireKey(rule)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := recom.PrincipalFrom(r.Context())
		encode(w, 200, envelope{Data: p})
	}))))
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, logs: fx.logs, stores: d.Stores, pepper: d.Pepper}
}

func doKey(t *testing.T, e *testEnv, key, origin string) response {
	t.Helper()
	h := []string{"X-API-Key", key}
	if origin != "" {
		h = append(h, "Origin", origin)
	}
	return e.do("POST", "/", "{}", h...)
}

func TestRevokedKeyStopsOnEveryNodeWithin5s(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		nodeA := newTestEnvOn(t, b)
		// A second node on the same database, its route guarded by requireKey alone.
		nodeB := httptestKeyRoute(t, nodeA, keyRule{perm: recom.PermRead})
		tok := nodeA.signup("revoke@example.com")
		tn := nodeA.createTenant(tok, "Shop")
		k := nodeA.createKey(tok, tn.ID, recom.PermRead, recom.KeySecret)
		if res := nodeA.do("GET", "/api/v1/key", nil, "X-API-Key", k.Key); res.Status != 200 {
			t.Fatalf("before revoking: %d", res.Status)
		}
		if res := doKey(t, nodeB, k.Key, ""); res.Status != 200 {
			t.Fatalf("before revoking, node B: %d", res.Status)
		}
		revoked := time.Now()
		nodeA.do("DELETE", "/api/v1/tenants/"+tn.ID+"/api-keys/"+k.ID, nil, "Authorization", "Bearer "+tok)
		if res := nodeA.do("GET", "/api/v1/key", nil, "X-API-Key", k.Key); res.Status != 401 {
			t.Errorf("the revoking node still accepts the key: %d", res.Status)
		}
		for doKey(t, nodeB, k.Key, "").Status != 401 {
			if time.Since(revoked) > 5*time.Second {
				t.Fatal("the other node still accepts the revoked key after 5 s")
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("revocation reached the other node after %v", time.Since(revoked).Round(time.Millisecond))
	})
}
