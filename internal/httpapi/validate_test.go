package httpapi

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestBadInputIsAProblemNamingTheField: unknown fields, wrong types, oversized bodies,
// malformed JSON and bad query values are 4xx problems naming the field, never a 5xx.
func TestBadInputIsAProblemNamingTheField(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("owner@example.com")
	tenant := e.createTenant(tok, "Acme Store")
	authz := []string{"Authorization", "Bearer " + tok}
	big := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		header     []string
		wantStatus int
		wantField  string
	}{
		{"unknown field", "POST", "/api/v1/tenants", `{"name":"A","colour":"red"}`, authz, 400, "colour"},
		{"unknown nested field", "POST", "/api/v1/tenants", `{"name":"A","config":{"theme":"x"}}`, authz, 400, "config.theme"},
		{"wrong type", "POST", "/api/v1/tenants", `{"name":42}`, authz, 400, "name"},
		{"wrong nested type", "POST", "/api/v1/tenants", `{"name":"A","config":{"coldStartMinEvents":"five"}}`, authz, 400, "config.coldStartMinEvents"},
		{"bad enum", "POST", "/api/v1/tenants", `{"name":"A","config":{"defaultStrategy":"magic"}}`, authz, 400, "config.defaultStrategy"},
		{"out of range", "POST", "/api/v1/tenants", `{"name":"A","config":{"rateLimits":{"readsPerMinute":0}}}`, authz, 400, "config.rateLimits.readsPerMinute"},
		{"bad pattern", "POST", "/api/v1/tenants", `{"name":"A","config":{"currency":"euro"}}`, authz, 400, "config.currency"},
		{"bad origin", "POST", "/api/v1/tenants", `{"name":"A","config":{"allowedOrigins":["javascript:alert(1)"]}}`, authz, 400, "config.allowedOrigins[0]"},
		{"origin with port 99999", "POST", "/api/v1/tenants", `{"name":"A","config":{"allowedOrigins":["https://shop.example:99999"]}}`, authz, 400, "config.allowedOrigins[0]"},
		{"origin with a path", "POST", "/api/v1/tenants", `{"name":"A","config":{"allowedOrigins":["https://shop.example/shop"]}}`, authz, 400, "config.allowedOrigins[0]"},
		{"missing required", "POST", "/api/v1/tenants", `{}`, authz, 400, "name"},
		{"empty name", "POST", "/api/v1/tenants", `{"name":""}`, authz, 400, "name"},
		{"blank name", "POST", "/api/v1/tenants", `{"name":"   "}`, authz, 400, "name"},
		{"control characters in name", "POST", "/api/v1/tenants", `{"name":"Evil\u0000\u001b[31m"}`, authz, 400, "name"},
		{"control characters in key name", "POST", "/api/v1/tenants/" + tenant.ID + "/api-keys", `{"name":"k\u0007","permissions":"read"}`, authz, 400, "name"},
		{"malformed JSON", "POST", "/api/v1/tenants", `{"name":"A",`, authz, 400, "body"},
		{"not an object", "POST", "/api/v1/tenants", `["A"]`, authz, 400, "body"},
		{"null body", "POST", "/api/v1/tenants", `null`, authz, 400, "body"},
		{"empty body", "POST", "/api/v1/tenants", ``, authz, 400, "body"},
		{"trailing data", "POST", "/api/v1/tenants", `{"name":"A"} {"name":"B"}`, authz, 400, "body"},
		{"oversized body", "POST", "/api/v1/tenants", big, authz, 413, ""},
		{"wrong media type", "POST", "/api/v1/tenants", `name=A`, append([]string{"Content-Type", "application/x-www-form-urlencoded"}, authz...), 415, ""},
		{"limit not a number", "GET", "/api/v1/tenants?limit=ten", nil, authz, 400, "limit"},
		{"limit above 100", "GET", "/api/v1/tenants?limit=101", nil, authz, 400, "limit"},
		{"limit zero", "GET", "/api/v1/tenants?limit=0", nil, authz, 400, "limit"},
		{"negative offset", "GET", "/api/v1/tenants?offset=-1", nil, authz, 400, "offset"},
		{"bad boolean", "GET", "/api/v1/tenants?includeDeleted=maybe", nil, authz, 400, "includeDeleted"},
		{"update with nothing", "PUT", "/api/v1/tenants/" + tenant.ID, `{}`, authz, 400, "body"},
		{"bad status", "PUT", "/api/v1/tenants/" + tenant.ID, `{"status":"paused"}`, authz, 400, "status"},
		{"bad permission", "POST", "/api/v1/tenants/" + tenant.ID + "/api-keys", `{"name":"k","permissions":"admin"}`, authz, 400, "permissions"},
		{"signup bad email", "POST", "/api/v1/auth/signup", `{"email":"not-an-email","password":"long enough password"}`, nil, 400, "email"},
		{"signup short password", "POST", "/api/v1/auth/signup", `{"email":"a@example.com","password":"short"}`, nil, 400, "password"},
		{"signup password over bcrypt's 72 bytes", "POST", "/api/v1/auth/signup", `{"email":"b@example.com","password":"` + strings.Repeat("é", 37) + `"}`, nil, 400, "password"},
		{"signup password is email", "POST", "/api/v1/auth/signup", `{"email":"someone@example.com","password":"someone@example.com"}`, nil, 400, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.do(tt.method, tt.path, tt.body, tt.header...)
			p := res.problem(t)
			if res.Status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.Status, tt.wantStatus, res.Body)
			}
			if tt.wantField == "" {
				return
			}
			for _, f := range p.Errors {
				if f.Field == tt.wantField && f.Message != "" {
					return
				}
			}
			t.Errorf("no error names %q: %s", tt.wantField, res.Body)
		})
	}
	// Nothing above changed the tenant.
	res := e.do("GET", "/api/v1/tenants", nil, authz...)
	if !strings.Contains(string(res.Body), `"total":1`) {
		t.Errorf("bad requests created tenants: %s", res.Body)
	}
}

// FuzzTenantCreateBody: whatever the body, the answer is a 201 or a 4xx problem, never a 5xx.
func FuzzTenantCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"name":"A"}`, `{"name":"A","config":{"allowedOrigins":["https://a.b"]}}`, `{`, `[]`, `null`, `""`,
		`{"name":"\u0000"}`, `{"name":"A","config":{"rateLimits":{"readsPerMinute":1e309}}}`,
		`{"name":"A","config":null}`, `{"name":{"x":1}}`, "\xff\xfe", `{"name":"A","name":"B"}`,
	} {
		f.Add(seed)
	}
	e := newTestEnv(f)
	tok := e.signup("fuzz@example.com")
	f.Fuzz(func(t *testing.T, body string) {
		e.t = t
		res := e.do("POST", "/api/v1/tenants", body, "Authorization", "Bearer "+tok)
		switch {
		case res.Status == http.StatusCreated:
		case res.Status >= 400 && res.Status < 500:
			res.problem(t)
		default:
			t.Fatalf("body %q answered %d: %s", body, res.Status, res.Body)
		}
	})
}

func TestDecodeDirect(t *testing.T) {
	// decode is the second net behind the contract: check it alone.
	type in struct {
		N int `json:"n"`
	}
	for body, field := range map[string]string{`{"n":"x"}`: "n", `{"m":1}`: "m", `{"n":1}{}`: "body", `{`: "body"} {
		r, _ := http.NewRequest("POST", "/", strings.NewReader(body))
		if _, err := decode[in](r); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("decode(%s) = %v, want an error naming %s", body, err, field)
		}
	}
}

// TestEventRoutesRefuseBadTransport: the event routes check in Go what the validator does
// for other routes (contract.go, checkedInGo): no key is a 401, a body that is not JSON a
// 415, a body over the cap a 413 whether its length is announced or chunked; and their
// answers carry the API's security headers.
func TestEventRoutesRefuseBadTransport(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("owner@example.com")
	tenant := e.createTenant(tok, "Acme Store")
	key := e.createKey(tok, tenant.ID, recom.PermReadWrite, recom.KeySecret).Key
	one := `{"eventType":"product_viewed","userId":"u1","productId":"p1"}`
	bodies := map[string]string{"/api/v1/events": one, "/api/v1/events/batch": `{"events":[` + one + `]}`}
	big := `{"events":[` + strings.Repeat(one+",", 2000) + one + `]}` // over the 64 KiB cap
	send := func(path string, body io.Reader, header ...string) response {
		t.Helper()
		req, err := http.NewRequest("POST", e.srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return response{Status: res.StatusCode, Header: res.Header, Body: b}
	}
	for path, body := range bodies {
		t.Run(path, func(t *testing.T) {
			jsonKey := []string{"Content-Type", "application/json", "X-API-Key", key}
			for _, tt := range []struct {
				name   string
				body   io.Reader
				header []string
				want   int
			}{
				{"no key", strings.NewReader(body), []string{"Content-Type", "application/json"}, 401},
				{"form body", strings.NewReader("eventType=product_viewed"), []string{"Content-Type", "application/x-www-form-urlencoded", "X-API-Key", key}, 415},
				{"announced oversized body", strings.NewReader(big), jsonKey, 413},
				{"chunked oversized body", io.MultiReader(strings.NewReader(big)), jsonKey, 413},
			} {
				if res := send(path, tt.body, tt.header...); res.Status != tt.want {
					t.Errorf("%s: status %d, want %d: %s", tt.name, res.Status, tt.want, res.Body)
				} else {
					res.problem(t)
				}
			}
			res := send(path, strings.NewReader(body), jsonKey...)
			if res.Status != http.StatusAccepted && res.Status != http.StatusOK {
				t.Fatalf("a good event: %d %s", res.Status, res.Body)
			}
			for h, want := range map[string]string{"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "Referrer-Policy": "", "Permissions-Policy": ""} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("an accepted event's answer has %s %q, want %q", h, got, want)
				}
			}
		})
	}
}

// TestQueryAndPathValuesMustBePrintable: a query or path value that is not printable
// UTF-8 is a 400 naming the parameter on every route, on both stores (PostgreSQL would
// refuse it only when it reached a statement: a 500), and nothing it touched is stored.
func TestQueryAndPathValuesMustBePrintable(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		admin := []string{"Authorization", "Bearer " + k.token}
		read, rw := []string{"X-API-Key", k.read.Key}, []string{"X-API-Key", k.rw.Key}
		tenant := "/api/v1/tenants/" + k.tenant.ID
		tests := []struct {
			method, path string
			header       []string
			field        string
		}{
			{"GET", "/api/v1/recommendations?userId=u%FF%FE", read, "userId"},
			{"GET", "/api/v1/recommendations?userId=u1&placement=a%0Ab", read, "placement"},
			{"GET", "/api/v1/recommendations?userId=u1&productId=p%00", read, "productId"},
			{"GET", "/api/v1/catalog?search=%00%FF", read, "search"},
			{"GET", "/api/v1/catalog?category=%C3", read, "category"},
			{"GET", "/api/v1/catalog/p%00", read, "productId"},
			{"DELETE", "/api/v1/catalog/%FF", rw, "productId"},
			{"GET", "/api/v1/catalog?limit=5&%FF=1", read, "query"},
			{"GET", "/api/v1/catalog?limit=5&x=%ZZ", read, "query"},
			{"GET", "/api/v1/recommendations?userId=u1&x=%ZZ", read, "query"},
			{"GET", "/api/v1/recommendations?userId=u1&%FF=1", read, "query"},
			{"GET", "/api/v1/recommendations?userId=u1&utm=a%00", read, "utm"},
			{"GET", tenant + "/events?userId=%FF", admin, "userId"},
			{"GET", "/api/v1/tenants/%FF", admin, "id"},
			{"GET", tenant + "/experiments/%00/results", admin, "expId"},
		}
		for _, tt := range tests {
			res := k.do(tt.method, tt.path, nil, tt.header...)
			if res.Status != http.StatusBadRequest || !slices.ContainsFunc(res.problem(t).Errors, func(f recom.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("%s %s: %d %s, want a 400 naming %s", tt.method, tt.path, res.Status, res.Body, tt.field)
			}
		}
		// A product whose id the API took can be read back by it (U+0085, a C1 control, is
		// allowed in ids; C0 controls are not).
		if res := k.do("POST", "/api/v1/catalog", map[string]any{"productId": "p\u0085x", "name": "Odd"}, rw...); res.Status != http.StatusCreated {
			t.Fatalf("creating p\\u0085x: %d %s", res.Status, res.Body)
		}
		if res := k.do("GET", "/api/v1/catalog/p%C2%85x", nil, read...); res.Status != http.StatusOK {
			t.Errorf("reading p\\u0085x back: %d %s", res.Status, res.Body)
		}
		// Printable text of any script is fine, and the same shopper as in events.
		if res := k.do("GET", "/api/v1/recommendations?userId=caf%C3%A9-%E5%AE%A2&placement=home", nil, read...); res.Status != http.StatusOK {
			t.Errorf("a Unicode user id: %d %s", res.Status, res.Body)
		}
	})
}

// TestParameterProblemsSayWhatIsExpected: a bad query parameter is named with what it
// must be, in words, not the schema engine's report.
func TestParameterProblemsSayWhatIsExpected(t *testing.T) {
	e := newTestEnv(t)
	tok := e.signup("owner@example.com")
	tenant := e.createTenant(tok, "Acme Store")
	for query, want := range map[string]string{
		"/api/v1/tenants?limit=-1":                                                    "must be an integer from 1 to 100",
		"/api/v1/tenants?offset=x":                                                    "must be an integer from 0 to 1000000",
		"/api/v1/tenants?includeDeleted=maybe":                                        "must be true or false",
		"/api/v1/tenants/" + tenant.ID + "/analytics/top-products?by=foo":             "must be one of revenue, impressions, clicks, ctr",
		"/api/v1/tenants/" + tenant.ID + "/events?userId=" + strings.Repeat("u", 129): "must be at most 128 characters",
		"/api/v1/tenants/" + tenant.ID + "/experiments?placement=":                    "must be 1 to 128 characters",
	} {
		res := e.do("GET", query, nil, "Authorization", "Bearer "+tok)
		p := res.problem(t)
		if res.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Message != want || strings.Contains(p.Detail, "schema") {
			t.Errorf("GET %s: %d %s\nwant one error %q", query, res.Status, res.Body, want)
		}
	}
}

// TestBodyNamesAreExact: a member name in another case than the contract's, or a name
// given twice, is a 400 naming it, for single events, each event and item of a batch
// (the others stored), and batch envelopes: never read as the nearest field.
func TestBodyNamesAreExact(t *testing.T) {
	k := newKeyEnv(t, embedded)
	rw := []string{"X-API-Key", k.rw.Key}
	for _, tc := range []struct{ path, body, field string }{
		{"/api/v1/events", `{"EVENTTYPE":"product_viewed","userId":"u1","productId":"p1"}`, "EVENTTYPE"},
		{"/api/v1/events", `{"eventType":"product_viewed","userId":"u1","userId":"u2","productId":"p1"}`, "userId"},
		{"/api/v1/events/batch", `{"Events":[{"eventType":"product_viewed","userId":"u1","productId":"p1"}]}`, "Events"},
		{"/api/v1/catalog/batch", `{"Items":[{"productId":"p1","name":"A"}]}`, "Items"},
		{"/api/v1/catalog/batch", `{"items":[{"productId":"p1","name":"A"}],"items":[]}`, "items"},
	} {
		res := k.do("POST", tc.path, tc.body, rw...)
		if res.Status != http.StatusBadRequest || !slices.ContainsFunc(res.problem(t).Errors, func(f recom.FieldError) bool { return f.Field == tc.field }) {
			t.Errorf("POST %s %s: %d %s, want a 400 naming %s", tc.path, tc.body, res.Status, res.Body, tc.field)
		}
	}
	// In a batch, the item with a wrong name is rejected by index; the others are stored.
	res := k.do("POST", "/api/v1/events/batch", `{"events":[{"eventType":"product_viewed","userId":"u1","productId":"p1"},
		{"eventType":"product_viewed","UserID":"u2","productId":"p1"}]}`, rw...)
	var out struct {
		Data   struct{ Accepted, Rejected int }
		Errors []struct {
			Index  int
			Errors []recom.FieldError
		}
	}
	res.decode(t, &out)
	if res.Status != http.StatusAccepted || out.Data.Accepted != 1 || out.Data.Rejected != 1 || len(out.Errors) != 1 ||
		out.Errors[0].Index != 1 || out.Errors[0].Errors[0].Field != "events[1].UserID" {
		t.Errorf("a batch with one wrongly named field: %d %s", res.Status, res.Body)
	}
	res = k.do("POST", "/api/v1/catalog/batch", `{"items":[{"productId":"p1","name":"A"},{"ProductID":"p2","name":"B"}]}`, rw...)
	if res.Status >= 300 || !strings.Contains(string(res.Body), `"created":1`) || !strings.Contains(string(res.Body), `"items[1].ProductID"`) {
		t.Errorf("a catalog batch with one wrongly named field: %d %s", res.Status, res.Body)
	}
	if evs, _ := k.events("?userId=u2"); len(evs) != 0 {
		t.Errorf("an event with UserID was stored as %+v", evs)
	}
}
