package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

func TestSignupLoginMe(t *testing.T) {
	e := newTestEnv(t)
	res := e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "  Jane@Example.COM ", "password": "correct horse battery"})
	if res.Status != http.StatusCreated {
		t.Fatalf("signup: %d %s", res.Status, res.Body)
	}
	var out struct {
		Data session `json:"data"`
	}
	res.decode(t, &out)
	if out.Data.Token == "" || out.Data.User.Email != "jane@example.com" || out.Data.User.Role != recom.RoleAdmin || out.Data.User.ID == "" {
		t.Fatalf("signup answered %s", res.Body)
	}
	if strings.Contains(string(res.Body), "$2a$") || strings.Contains(string(res.Body), "passwordHash") {
		t.Fatal("the password hash reached the caller")
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"recom_refresh=", "HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("refresh cookie %q lacks %s", cookie, attr)
		}
	}
	// FR-002: the refresh token lives 7 days.
	if c, err := http.ParseSetCookie(cookie); err != nil || c.MaxAge < 7*24*3600-60 || c.MaxAge > 7*24*3600 {
		t.Errorf("refresh cookie lifetime: Max-Age %d (%v), want 7 days", c.MaxAge, err)
	}
	if res := e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "jane@example.com", "password": "another long password"}); res.Status != 409 {
		t.Errorf("duplicate signup: %d", res.Status)
	}
	me := e.do("GET", "/api/v1/auth/me", nil, "Authorization", "Bearer "+out.Data.Token)
	if me.Status != 200 || !strings.Contains(string(me.Body), "jane@example.com") {
		t.Errorf("/auth/me: %d %s", me.Status, me.Body)
	}
	wrongPassword := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "jane@example.com", "password": "wrong password!!"})
	unknownEmail := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "nobody@example.com", "password": "correct horse battery"})
	if wrongPassword.Status != 401 || unknownEmail.Status != 401 || wrongPassword.problem(t).Detail != unknownEmail.problem(t).Detail {
		t.Errorf("login failures differ or are not 401: %s / %s", wrongPassword.Body, unknownEmail.Body)
	}
	if ok := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "JANE@example.com", "password": "correct horse battery"}); ok.Status != 200 {
		t.Errorf("login: %d %s", ok.Status, ok.Body)
	}
	for _, h := range []string{"", "Bearer", "Bearer nonsense", "Basic abc", "Bearer " + out.Data.Token + "x"} {
		if res := e.do("GET", "/api/v1/auth/me", nil, "Authorization", h); res.Status != 401 {
			t.Errorf("Authorization %q: %d", h, res.Status)
		}
	}
}

func TestSuperAdminFromConfig(t *testing.T) {
	e := newTestEnv(t)
	var out struct {
		Data session `json:"data"`
	}
	e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "Root@RecomEngine.test", "password": "correct horse battery"}).decode(t, &out)
	if out.Data.User.Role != recom.RoleSuperAdmin {
		t.Errorf("role = %q, want super_admin", out.Data.User.Role)
	}
	other := e.signup("merchant@shop.example")
	e.createTenant(other, "Someone else's shop")
	// A node whose configuration no longer lists the email: the role is gone at once.
	d, fx := newDeps(t, embedded)
	d.Stores, d.Config.SuperAdminEmails = e.stores, nil
	wireServices(t, &d, fx)
	node2 := serveDeps(t, d, fixture{})
	var me struct{ Data recom.Admin }
	node2.do("GET", "/api/v1/auth/me", nil, "Authorization", "Bearer "+out.Data.Token).decode(t, &me)
	var list struct{ Meta pageMeta }
	node2.do("GET", "/api/v1/tenants", nil, "Authorization", "Bearer "+out.Data.Token).decode(t, &list)
	if me.Data.Role != recom.RoleAdmin || list.Meta.Total != 0 {
		t.Errorf("delisted: role %q, sees %d tenants; want admin, none", me.Data.Role, list.Meta.Total)
	}
}

func TestRefreshRotatesAndReuseRevokesFamily(t *testing.T) {
	e := newTestEnv(t)
	first := e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "r@example.com", "password": "correct horse battery"})
	c1 := cookieValue(t, first)
	second := e.do("POST", "/api/v1/auth/refresh", nil, "Cookie", "recom_refresh="+c1)
	if second.Status != 200 {
		t.Fatalf("refresh: %d %s", second.Status, second.Body)
	}
	c2 := cookieValue(t, second)
	if c2 == c1 {
		t.Fatal("the refresh token was not rotated")
	}
	if res := e.do("POST", "/api/v1/auth/refresh", nil, "Cookie", "recom_refresh="+c1); res.Status != 401 {
		t.Fatalf("reuse of a rotated token: %d", res.Status)
	}
	if res := e.do("POST", "/api/v1/auth/refresh", nil, "Cookie", "recom_refresh="+c2); res.Status != 401 {
		t.Fatalf("after reuse the family must be revoked, but the newest token still works: %d", res.Status)
	}
	// Logout revokes a fresh family.
	login := e.do("POST", "/api/v1/auth/login", map[string]string{"email": "r@example.com", "password": "correct horse battery"})
	c3 := cookieValue(t, login)
	if res := e.do("POST", "/api/v1/auth/logout", nil, "Cookie", "recom_refresh="+c3); res.Status != 204 {
		t.Fatalf("logout: %d", res.Status)
	}
	if res := e.do("POST", "/api/v1/auth/refresh", nil, "Cookie", "recom_refresh="+c3); res.Status != 401 {
		t.Fatalf("refresh after logout: %d", res.Status)
	}
	if res := e.do("POST", "/api/v1/auth/refresh", nil); res.Status != 401 {
		t.Fatalf("refresh without cookie: %d", res.Status)
	}
}

func cookieValue(t *testing.T, res response) string {
	t.Helper()
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == refreshCookie && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("no refresh cookie in %v", res.Header)
	return ""
}

func TestTenantLifecycleAndOwnership(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.signup("a@example.com"), e.signup("b@example.com")
	ta := e.createTenant(a, "Acme Store")
	if ta.Status != recom.TenantActive || ta.Config.DefaultStrategy != "collaborative" || ta.Config.RateLimits.ReadsPerMinute != 1000 {
		t.Fatalf("new tenant: %+v", ta)
	}
	bearerA, bearerB := []string{"Authorization", "Bearer " + a}, []string{"Authorization", "Bearer " + b}
	// B sees nothing of A's: 404, never 403.
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/tenants/" + ta.ID}, {"PUT", "/api/v1/tenants/" + ta.ID}, {"DELETE", "/api/v1/tenants/" + ta.ID},
		{"GET", "/api/v1/tenants/" + ta.ID + "/api-keys"}, {"POST", "/api/v1/tenants/" + ta.ID + "/api-keys"},
		{"DELETE", "/api/v1/tenants/" + ta.ID + "/api-keys/x"},
	} {
		var body any
		switch r.method {
		case "PUT":
			body = map[string]string{"status": "suspended"}
		case "POST":
			body = map[string]string{"name": "k", "permissions": "read"}
		}
		if res := e.do(r.method, r.path, body, bearerB...); res.Status != 404 {
			t.Errorf("B %s %s = %d, want 404", r.method, r.path, res.Status)
		}
	}
	var list struct {
		Data []recom.Tenant `json:"data"`
		Meta pageMeta       `json:"meta"`
	}
	e.do("GET", "/api/v1/tenants", nil, bearerB...).decode(t, &list)
	if list.Meta.Total != 0 || len(list.Data) != 0 {
		t.Errorf("B lists A's tenants: %+v", list)
	}
	// Suspend with a config merge, then reactivate.
	res := e.do("PUT", "/api/v1/tenants/"+ta.ID, `{"status":"suspended","config":{"currency":"EUR","rateLimits":{"readsPerMinute":900}}}`, bearerA...)
	var upd struct {
		Data recom.Tenant `json:"data"`
	}
	res.decode(t, &upd)
	if res.Status != 200 || upd.Data.Status != recom.TenantSuspended || upd.Data.Config.Currency != "EUR" ||
		upd.Data.Config.RateLimits.ReadsPerMinute != 900 || upd.Data.Config.RateLimits.WritesPerMinute != 500 ||
		upd.Data.Config.DefaultStrategy != "collaborative" {
		t.Fatalf("update: %d %s", res.Status, res.Body)
	}
	if res := e.do("PUT", "/api/v1/tenants/"+ta.ID, map[string]string{"status": "active"}, bearerA...); res.Status != 200 {
		t.Fatalf("reactivate: %d", res.Status)
	}
	// Raising its own rate limits is an operator's call; a super admin may.
	if p := e.do("PUT", "/api/v1/tenants/"+ta.ID, `{"config":{"rateLimits":{"readsPerMinute":5000}}}`, bearerA...).problem(t); p.Status != 403 {
		t.Errorf("an owner raised its rate limits: %+v", p)
	}
	if p := e.do("POST", "/api/v1/tenants", `{"name":"Big","config":{"rateLimits":{"writesPerMinute":100000}}}`, bearerA...).problem(t); p.Status != 403 {
		t.Errorf("an owner created a tenant with raised limits: %+v", p)
	}
	root := e.signup("root@recomengine.test")
	if res := e.do("PUT", "/api/v1/tenants/"+ta.ID, `{"config":{"rateLimits":{"readsPerMinute":5000}}}`, "Authorization", "Bearer "+root); res.Status != 200 {
		t.Errorf("a super admin could not raise the limits: %d %s", res.Status, res.Body)
	}
	if res := e.do("PUT", "/api/v1/tenants/"+ta.ID, `{"name":"Acme Store 2"}`, bearerA...); res.Status != 200 {
		t.Errorf("the owner cannot rename after an operator raised the limits: %d %s", res.Status, res.Body)
	}
	if res := e.do("DELETE", "/api/v1/tenants/"+ta.ID, nil, bearerA...); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := e.do("PUT", "/api/v1/tenants/"+ta.ID, map[string]string{"status": "active"}, bearerA...); res.Status != 409 {
		t.Errorf("reactivating a deleted tenant: %d", res.Status)
	}
	// Nothing is written to a deleted tenant, whose data waits for its purge; reads still work.
	base := "/api/v1/tenants/" + ta.ID
	for _, c := range []struct{ method, path, body string }{
		{"POST", base + "/catalog", `{"productId":"p","name":"P"}`},
		{"POST", base + "/catalog/batch", `{"items":[{"productId":"p","name":"P"}]}`},
		{"PUT", base + "/catalog/p", `{"name":"P"}`},
		{"PATCH", base + "/catalog/p", `{"available":false}`},
		{"DELETE", base + "/catalog/p", ""},
		{"PUT", base + "/widgets/home", `{"ctaText":"Buy"}`},
		{"POST", base + "/experiments", `{"name":"E","placement":"home","controlStrategy":"trending","variantStrategy":"collaborative"}`},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		if res := e.do(c.method, c.path, body, bearerA...); res.Status != 409 {
			t.Errorf("%s %s on a deleted tenant: %d %s", c.method, c.path, res.Status, res.Body)
		}
	}
	if res := e.do("GET", base+"/catalog", nil, bearerA...); res.Status != 200 {
		t.Errorf("the deleted tenant's catalog cannot be read: %d", res.Status)
	}
	e.do("GET", "/api/v1/tenants", nil, bearerA...).decode(t, &list)
	if list.Meta.Total != 0 {
		t.Errorf("a deleted tenant is listed: %+v", list)
	}
	for _, yes := range []string{"true", "TRUE", "1"} {
		e.do("GET", "/api/v1/tenants?includeDeleted="+yes, nil, bearerA...).decode(t, &list)
		if list.Meta.Total != 1 || list.Data[0].Status != recom.TenantDeleted {
			t.Errorf("includeDeleted=%s: %+v", yes, list)
		}
	}
}

func TestPagination(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("many@example.com")
	for i := 0; i < 25; i++ {
		e.createTenant(tok, "Shop")
	}
	var list struct {
		Data []recom.Tenant `json:"data"`
		Meta pageMeta       `json:"meta"`
	}
	e.do("GET", "/api/v1/tenants", nil, "Authorization", "Bearer "+tok).decode(t, &list)
	if len(list.Data) != 20 || list.Meta != (pageMeta{Total: 25, Limit: 20, Offset: 0}) {
		t.Errorf("default page: %d items, meta %+v", len(list.Data), list.Meta)
	}
	e.do("GET", "/api/v1/tenants?limit=10&offset=20", nil, "Authorization", "Bearer "+tok).decode(t, &list)
	if len(list.Data) != 5 || list.Meta != (pageMeta{Total: 25, Limit: 10, Offset: 20}) {
		t.Errorf("last page: %d items, meta %+v", len(list.Data), list.Meta)
	}
}

func TestAPIKeysStoredHashedAndLimited(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("keys@example.com")
	tn := e.createTenant(tok, "Acme")
	bearerTok := []string{"Authorization", "Bearer " + tok}
	path := "/api/v1/tenants/" + tn.ID + "/api-keys"
	res := e.do("POST", path, map[string]string{"name": "Production SDK", "permissions": "read"}, bearerTok...)
	var created struct {
		Data apiKeyCreated `json:"data"`
	}
	res.decode(t, &created)
	if res.Status != 201 || !auth.LooksLikeAPIKey(created.Data.Key) || !strings.HasPrefix(created.Data.Key, created.Data.Prefix) ||
		created.Data.Permissions != recom.PermRead || created.Data.Type != recom.KeySecret {
		t.Fatalf("create key: %d %s", res.Status, res.Body)
	}
	stored, err := e.stores.APIKeys.FindAPIKeyByHash(context.Background(), auth.HashAPIKey(e.pepper, created.Data.Key))
	if err != nil || stored.TenantID != tn.ID || bytes.Contains(stored.Hash, []byte(created.Data.Key)) {
		t.Fatalf("the key is not stored as its HMAC: %v %+v", err, stored)
	}
	list := e.do("GET", path, nil, bearerTok...)
	if strings.Contains(string(list.Body), created.Data.Key) || !strings.Contains(string(list.Body), created.Data.Prefix) {
		t.Errorf("the list shows the key or lacks its prefix: %s", list.Body)
	}
	pub := e.do("POST", path, map[string]string{"name": "Browser", "permissions": "read", "type": "publishable"}, bearerTok...)
	if pub.Status != 201 || !strings.Contains(string(pub.Body), `"key":"rk_pub_`) {
		t.Fatalf("publishable key: %d %s", pub.Status, pub.Body)
	}
	for i := 2; i < recom.MaxActiveAPIKeys; i++ {
		if res := e.do("POST", path, map[string]string{"name": "k", "permissions": "read_write"}, bearerTok...); res.Status != 201 {
			t.Fatalf("key %d: %d", i+1, res.Status)
		}
	}
	if res := e.do("POST", path, map[string]string{"name": "eleventh", "permissions": "read"}, bearerTok...); res.Status != 409 {
		t.Fatalf("11th key: %d %s", res.Status, res.Body)
	}
	// The list pages as every list does (FR-027).
	var page struct {
		Data []recom.APIKey
		Meta pageMeta
	}
	e.do("GET", path+"?limit=4&offset=8", nil, bearerTok...).decode(t, &page)
	if len(page.Data) != 2 || page.Meta != (pageMeta{Total: 10, Limit: 4, Offset: 8}) {
		t.Errorf("keys 9 and 10 of 10: %d keys, meta %+v", len(page.Data), page.Meta)
	}
	if res := e.do("DELETE", path+"/"+created.Data.ID, nil, bearerTok...); res.Status != 204 {
		t.Fatalf("revoke: %d", res.Status)
	}
	if res := e.do("DELETE", path+"/"+created.Data.ID, nil, bearerTok...); res.Status != 404 {
		t.Errorf("second revoke: %d", res.Status)
	}
	if res := e.do("POST", path, map[string]string{"name": "replacement", "permissions": "read"}, bearerTok...); res.Status != 201 {
		t.Errorf("a key after revoking one: %d", res.Status)
	}
}

// TestLogsCarryNoEmailOrKey: NFR-011.
func TestLogsCarryNoEmailOrKey(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("private.person@example.com")
	tn := e.createTenant(tok, "Acme")
	var created struct {
		Data apiKeyCreated `json:"data"`
	}
	e.do("POST", "/api/v1/tenants/"+tn.ID+"/api-keys", map[string]string{"name": "k", "permissions": "read"}, "Authorization", "Bearer "+tok).decode(t, &created)
	key := created.Data.Key
	e.do("GET", "/api/v1/nope?email=private.person@example.com&api_key="+key, nil, "X-API-Key", key)
	e.do("POST", "/api/v1/auth/login", map[string]string{"email": "private.person@example.com", "password": "wrong password!!"})
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"POST /api/v1/auth/login"`) {
		t.Fatalf("no access log was written: %s", logs)
	}
	for _, secret := range []string{"private.person", key, key[len("rk_live_"):], tok, "correct horse"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// TestLongestPasswordSignsIn: a password of bcrypt's 72 bytes (multi-byte letters count
// by their bytes) signs up and signs in; one byte more is refused at signup (400), never
// a 500.
func TestLongestPasswordSignsIn(t *testing.T) {
	e := newTestEnv(t)
	password := strings.Repeat("é", 35) + "ab" // 72 bytes
	creds := map[string]any{"email": "long@shop.example", "password": password}
	if res := e.do("POST", "/api/v1/auth/signup", creds); res.Status != http.StatusCreated {
		t.Fatalf("signup with 72 bytes: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/v1/auth/login", creds); res.Status != http.StatusOK {
		t.Fatalf("login with 72 bytes: %d %s", res.Status, res.Body)
	}
	creds = map[string]any{"email": "longer@shop.example", "password": password + "c"}
	if res := e.do("POST", "/api/v1/auth/signup", creds); res.Status != http.StatusBadRequest || res.problem(t).Errors[0].Field != "password" {
		t.Fatalf("signup with 73 bytes: %d %s", res.Status, res.Body)
	}
}

// TestSessionCookieOnlyFromTheDashboard: a page of a sibling host (same site, another
// origin) cannot spend an admin's refresh cookie nor sign them out; the dashboard's own
// pages and clients that are no browser page can.
func TestSessionCookieOnlyFromTheDashboard(t *testing.T) {
	e := newTestEnv(t)
	c := cookieValue(t, e.do("POST", "/api/v1/auth/signup", map[string]string{"email": "s@example.com", "password": "correct horse battery"}))
	for _, path := range []string{"/api/v1/auth/refresh", "/api/v1/auth/logout"} {
		for _, site := range []string{"same-site", "cross-site"} {
			res := e.do("POST", path, nil, "Cookie", "recom_refresh="+c, "Sec-Fetch-Site", site)
			if res.Status != http.StatusForbidden || res.problem(t).Code != recom.CodeForbidden {
				t.Errorf("%s from a %s page: %d %s", path, site, res.Status, res.Body)
			}
		}
	}
	// Refused before use: the cookie is still the live one.
	res := e.do("POST", "/api/v1/auth/refresh", nil, "Cookie", "recom_refresh="+c, "Sec-Fetch-Site", "same-origin")
	if res.Status != http.StatusOK {
		t.Fatalf("refresh from the dashboard's page: %d %s", res.Status, res.Body)
	}
	if res := e.do("POST", "/api/v1/auth/logout", nil, "Cookie", "recom_refresh="+cookieValue(t, res)); res.Status != http.StatusNoContent {
		t.Errorf("logout from a client that is no browser page: %d", res.Status)
	}
}
