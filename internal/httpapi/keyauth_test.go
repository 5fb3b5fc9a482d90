package httpapi

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
)

func TestKeyCredentials(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("cred@example.com")
	tn := e.createTenant(tok, "Shop")
	k := e.createKey(tok, tn.ID, recom.PermRead, recom.KeySecret)
	for name, h := range map[string][]string{
		"X-API-Key":    {"X-API-Key", k.Key},
		"Bearer":       {"Authorization", "Bearer " + k.Key},
		"lower bearer": {"Authorization", "bearer " + k.Key},
	} {
		if res := e.do("GET", "/api/v1/key", nil, h...); res.Status != 200 {
			t.Errorf("%s: %d %s", name, res.Status, res.Body)
		}
	}
	for name, h := range map[string][]string{
		"none":         nil,
		"garbage":      {"X-API-Key", "hello"},
		"unknown":      {"X-API-Key", "rk_live_" + strings.Repeat("A", 43)},
		"truncated":    {"X-API-Key", k.Key[:len(k.Key)-1]},
		"admin JWT":    {"Authorization", "Bearer " + tok},
		"wrong scheme": {"Authorization", "Basic " + k.Key},
	} {
		res := e.do("GET", "/api/v1/key", nil, h...)
		if p := res.problem(t); p.Status != 401 {
			t.Errorf("%s: %d", name, p.Status)
		}
	}
	// An admin token is not a key, and a key is not an admin token.
	if res := e.do("GET", "/api/v1/tenants", nil, "Authorization", "Bearer "+k.Key); res.Status != 401 {
		t.Errorf("a key on an admin route: %d", res.Status)
	}
}

func TestPublishableKeyOnlyFromAllowedOrigins(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("pub@example.com")
	tn := e.createTenant(tok, "Shop")
	// Written as a merchant might; kept as browsers send it.
	var upd struct{ Data recom.Tenant }
	e.do("PUT", "/api/v1/tenants/"+tn.ID, `{"config":{"allowedOrigins":["HTTPS://Shop.Example:443/","http://localhost:05173"]}}`, "Authorization", "Bearer "+tok).decode(t, &upd)
	if got := upd.Data.Config.AllowedOrigins; len(got) != 2 || got[0] != "https://shop.example" || got[1] != "http://localhost:5173" {
		t.Fatalf("stored origins %q, want https://shop.example and http://localhost:5173", got)
	}
	pub := e.createKey(tok, tn.ID, recom.PermReadWrite, recom.KeyPublishable)
	secret := e.createKey(tok, tn.ID, recom.PermRead, recom.KeySecret)

	res := e.do("GET", "/api/v1/key", nil, "X-API-Key", pub.Key, "Origin", "https://shop.example")
	if res.Status != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "RateLimit-Remaining") {
		t.Fatalf("allowed origin: %d, ACAO %q", res.Status, res.Header.Get("Access-Control-Allow-Origin"))
	}
	for _, origin := range []string{"", "https://evil.example", "https://shop.example.evil.example", "http://shop.example"} {
		h := []string{"X-API-Key", pub.Key}
		if origin != "" {
			h = append(h, "Origin", origin)
		}
		res := e.do("GET", "/api/v1/key", nil, h...)
		if p := res.problem(t); p.Status != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %q: %d, ACAO %q", origin, p.Status, res.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	// A secret key from a browser works server-side but never gets CORS headers.
	res = e.do("GET", "/api/v1/key", nil, "X-API-Key", secret.Key, "Origin", "https://shop.example")
	if res.Status != 200 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("secret key with an Origin: %d, ACAO %q", res.Status, res.Header.Get("Access-Control-Allow-Origin"))
	}
	// Publishable keys never on secret-only routes (catalog writes).
	secretOnly := httptestKeyRoute(t, e, keyRule{perm: recom.PermReadWrite})
	if p := doKey(t, secretOnly, pub.Key, "https://shop.example").problem(t); p.Status != 403 || !strings.Contains(p.Detail, "publishable") {
		t.Errorf("publishable key on a secret-only route: %+v", p)
	}
	// Preflight.
	res = e.do("OPTIONS", "/api/v1/key", nil, "Origin", "https://shop.example", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "x-api-key")
	if res.Status != 204 || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "X-API-Key") {
		t.Errorf("preflight: %d %v", res.Status, res.Header)
	}
	if res := e.do("OPTIONS", "/api/v1/key", nil); res.Status != 405 {
		t.Errorf("OPTIONS without a preflight: %d", res.Status)
	}
}

func TestKeyRateLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newTestEnvOn(t, b)
		tok := e.signup("limits@example.com")
		tn := e.createTenant(tok, "Shop")
		e.do("PUT", "/api/v1/tenants/"+tn.ID, `{"config":{"rateLimits":{"readsPerMinute":5,"writesPerMinute":3}}}`, "Authorization", "Bearer "+tok)
		k := e.createKey(tok, tn.ID, recom.PermReadWrite, recom.KeySecret)
		other := e.createKey(tok, tn.ID, recom.PermReadWrite, recom.KeySecret)
		for i := 1; i <= 5; i++ {
			res := e.do("GET", "/api/v1/key", nil, "X-API-Key", k.Key)
			if res.Status != 200 || res.Header.Get("RateLimit-Limit") != "5" || res.Header.Get("RateLimit-Remaining") != strconv.Itoa(5-i) {
				t.Fatalf("read %d: %d, limit %q remaining %q", i, res.Status, res.Header.Get("RateLimit-Limit"), res.Header.Get("RateLimit-Remaining"))
			}
		}
		res := e.do("GET", "/api/v1/key", nil, "X-API-Key", k.Key)
		p := res.problem(t)
		retry, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if p.Status != 429 || p.Code != recom.CodeRateLimited || err != nil || retry < 1 || retry > 60 {
			t.Fatalf("6th read: %+v, Retry-After %q", p, res.Header.Get("Retry-After"))
		}
		// Writes have their own budget; other keys theirs.
		writes := httptestKeyRoute(t, e, keyRule{perm: recom.PermReadWrite})
		if res := doKey(t, writes, k.Key, ""); res.Status != 200 || res.Header.Get("RateLimit-Limit") != "3" {
			t.Errorf("a write after the reads ran out: %d limit %q", res.Status, res.Header.Get("RateLimit-Limit"))
		}
		if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", other.Key); res.Status != 200 {
			t.Errorf("another key of the tenant: %d", res.Status)
		}
	})
}

// TestStoredConfigWithoutLimitsGetsEachDefault: a tenant config stored without rate
// limits (as before they existed) gets each kind's default: 1,000 reads, 500 writes.
func TestStoredConfigWithoutLimitsGetsEachDefault(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("limits@example.com")
	tn := e.createTenant(tok, "Shop")
	tn.Config.RateLimits = recom.RateLimits{}
	if _, err := e.stores.Tenants.UpdateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	k := e.createKey(tok, tn.ID, recom.PermReadWrite, recom.KeySecret)
	if res := e.do("GET", "/api/v1/key", nil, "X-API-Key", k.Key); res.Header.Get("RateLimit-Limit") != "1000" {
		t.Errorf("read limit %q, want 1000", res.Header.Get("RateLimit-Limit"))
	}
	writes := httptestKeyRoute(t, e, keyRule{perm: recom.PermReadWrite})
	if res := doKey(t, writes, k.Key, ""); res.Header.Get("RateLimit-Limit") != "500" {
		t.Errorf("write limit %q, want 500", res.Header.Get("RateLimit-Limit"))
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newTestEnv(t)
	e.signup("victim@example.com")
	var last response
	for i := 0; i < 11; i++ {
		last = e.do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": "wrong password " + strconv.Itoa(i)})
	}
	p := last.problem(t)
	if p.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("11th failed login: %+v", p)
	}
	// The same answer for an email with no account: no oracle.
	var ghost response
	for i := 0; i < 11; i++ {
		ghost = e.do("POST", "/api/v1/auth/login", map[string]string{"email": "ghost@example.com", "password": "whatever password"})
	}
	if g := ghost.problem(t); g.Status != 429 || g.Detail != p.Detail {
		t.Errorf("throttle differs for an unknown email: %+v vs %+v", g, p)
	}
	// Even the right password waits now.
	if res := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "victim@example.com", "password": "correct horse battery"}); res.Status != 429 {
		t.Errorf("right password while throttled: %d", res.Status)
	}
}

// TestSignInBudgetIsPerClientBehindTheLoadBalancer: behind a trusted load balancer, the
// sign-in budget per address is each client's (from X-Forwarded-For), so one client
// using it up leaves the others signing in; a client cannot reset it by writing the
// header itself.
func TestSignInBudgetIsPerClientBehindTheLoadBalancer(t *testing.T) {
	e := newTestEnv(t, func(d *Deps) { d.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	e.signup("owner@example.com")
	login := func(from, email string) int {
		return e.do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong password"}, "X-Forwarded-For", from).Status
	}
	for i := range loginPerIP.Burst {
		if got := login("198.51.100.7", fmt.Sprintf("guess%d@example.com", i)); got != 401 {
			t.Fatalf("attempt %d: %d, want 401", i, got)
		}
	}
	if got := login("198.51.100.7", "one-more@example.com"); got != 429 {
		t.Errorf("past the budget: %d, want 429", got)
	}
	if got := login("6.6.6.6, 198.51.100.7", "spoofed@example.com"); got != 429 {
		t.Errorf("an address written in front of the real one reset the budget: %d", got)
	}
	if got := login("203.0.113.9", "owner@example.com"); got != 401 {
		t.Errorf("another client behind the same balancer: %d, want 401 (wrong password, not throttled)", got)
	}
}
