package httpapi

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// keyEnv is an env with one tenant and its keys.
type keyEnv struct {
	*testEnv
	token            string
	tenant           recom.Tenant
	rw, read, public apiKeyCreated
}

func newKeyEnv(t testing.TB, b backend) *keyEnv {
	t.Helper()
	e := newTestEnvOn(t, b)
	k := &keyEnv{testEnv: e}
	k.token = e.signup("merchant@shop.example")
	k.tenant = e.createTenant(k.token, "Shop")
	e.do("PUT", "/api/v1/tenants/"+k.tenant.ID, `{"config":{"allowedOrigins":["https://shop.example"]}}`, "Authorization", "Bearer "+k.token)
	k.rw = e.createKey(k.token, k.tenant.ID, recom.PermReadWrite, recom.KeySecret)
	k.read = e.createKey(k.token, k.tenant.ID, recom.PermRead, recom.KeySecret)
	k.public = e.createKey(k.token, k.tenant.ID, recom.PermReadWrite, recom.KeyPublishable)
	return k
}

func (k *keyEnv) events(query string) (evs []recom.Event, total int) {
	k.t.Helper()
	var out struct {
		Data []recom.Event `json:"data"`
		Meta pageMeta      `json:"meta"`
	}
	k.do("GET", "/api/v1/tenants/"+k.tenant.ID+"/events"+query, nil, "Authorization", "Bearer "+k.token).decode(k.t, &out)
	return out.Data, out.Meta.Total
}

// TestUS2 is User Story 2's acceptance scenarios 1–4 on both backends (scenario 5, an
// unavailable item left out of recommendations, is with the recommendation engine).
func TestUS2(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		key := []string{"X-API-Key", k.rw.Key}

		// 1: a product → 201 with the created item.
		res := k.do("POST", "/api/v1/catalog", map[string]any{"productId": "prod-456", "name": "Blue Mug", "category": "Kitchen", "price": 12.5}, key...)
		var item struct {
			Data recom.CatalogItem `json:"data"`
		}
		res.decode(t, &item)
		if res.Status != 201 || item.Data.ProductID != "prod-456" || item.Data.Price != 12.5 || !item.Data.Available || item.Data.CreatedAt.IsZero() || item.Data.Currency != "USD" {
			t.Fatalf("US2-1: %d %s", res.Status, res.Body)
		}

		// 2: an event → 202, persisted.
		res = k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "user-123", "productId": "prod-456"}, key...)
		if res.Status != 202 || string(res.Body) != `{"data":{"accepted":1},"meta":{}}`+"\n" ||
			res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Content-Length") != strconv.Itoa(len(res.Body)) {
			t.Fatalf("US2-2: %d %q %v", res.Status, res.Body, res.Header)
		}
		evs, total := k.events("?userId=user-123")
		if total != 1 || evs[0].Type != recom.ProductViewed || evs[0].ProductID != "prod-456" || evs[0].Timestamp.IsZero() {
			t.Fatalf("US2-2 not persisted: %d %+v", total, evs)
		}
		// The engine's fast state saw it at once (DESIGN §3); impressions are not interest.
		k.do("POST", "/api/v1/events", map[string]any{"eventType": "recommendation_impressed", "userId": "user-123", "productId": "prod-456",
			"recommendationId": "r1", "placement": "home"}, key...)
		recent, version, err := k.activity.RecentEvents(context.Background(), k.tenant.ID, "user-123", 10)
		if err != nil || version == 0 || len(recent) != 1 || recent[0].ProductID != "prod-456" {
			t.Errorf("activity after ingest: %v version %d %+v", err, version, recent)
		}

		// 3: a batch of 100 (two invalid) → 202 with counts; the valid 98 are stored.
		batch := make([]map[string]any, 100)
		base := time.Now().Add(-time.Hour).UTC()
		for i := range batch {
			batch[i] = map[string]any{"eventType": "add_to_cart", "userId": fmt.Sprintf("u%d", i), "productId": "prod-456",
				"timestamp": base.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)}
		}
		batch[7]["eventType"] = "teleported"
		batch[42]["timestamp"] = time.Now().Add(time.Hour).Format(time.RFC3339)
		res = k.do("POST", "/api/v1/events/batch", map[string]any{"events": batch}, key...)
		var out struct {
			Data   batchResult    `json:"data"`
			Errors []batchProblem `json:"errors"`
		}
		res.decode(t, &out)
		if res.Status != 202 || out.Data != (batchResult{Accepted: 98, Rejected: 2}) || len(out.Errors) != 2 ||
			out.Errors[0].Index != 7 || out.Errors[0].Errors[0].Field != "events[7].eventType" ||
			out.Errors[1].Index != 42 || out.Errors[1].Errors[0].Field != "events[42].timestamp" {
			t.Fatalf("US2-3: %d %s", res.Status, res.Body)
		}
		if _, total := k.events("?eventType=add_to_cart"); total != 98 {
			t.Errorf("US2-3: %d add_to_cart events stored, want 98", total)
		}
		// The same batch again: all duplicates.
		res = k.do("POST", "/api/v1/events/batch", map[string]any{"events": batch}, key...)
		res.decode(t, &out)
		if out.Data != (batchResult{Duplicates: 98, Rejected: 2}) {
			t.Errorf("the batch resent: %s", res.Body)
		}

		// 4: a duplicate (same user, type, product, timestamp) → 200, no second record.
		ev := map[string]any{"eventType": "purchase", "userId": "user-123", "productId": "prod-456", "orderId": "o-1",
			"price": 12.5, "quantity": 2, "timestamp": "2026-11-01T10:00:00.123456Z"}
		if res := k.do("POST", "/api/v1/events", ev, key...); res.Status != 202 {
			t.Fatalf("purchase: %d %s", res.Status, res.Body)
		}
		res = k.do("POST", "/api/v1/events", ev, key...)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"duplicate":true`) {
			t.Fatalf("US2-4: %d %s", res.Status, res.Body)
		}
		if evs, total := k.events("?eventType=purchase"); total != 1 || *evs[0].Quantity != 2 || evs[0].OrderID != "o-1" {
			t.Errorf("US2-4: %d purchases stored: %+v", total, evs)
		}

		// An unknown product is accepted with a warning.
		res = k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "user-9", "productId": "not-in-catalog"}, key...)
		if res.Status != 202 || !strings.Contains(string(res.Body), `"field":"productId"`) {
			t.Errorf("unknown product: %d %s", res.Status, res.Body)
		}
		// In a batch, each event of an unknown product gets its own warning; once the
		// product is added, its events get none, at once.
		view := func(user, product string) map[string]any {
			return map[string]any{"eventType": "product_viewed", "userId": user, "productId": product}
		}
		res = k.do("POST", "/api/v1/events/batch", map[string]any{"events": []any{view("user-9", "prod-456"),
			view("user-10", "not-in-catalog"), view("user-11", "not-in-catalog"), view("user-12", "prod-456")}}, key...)
		if body := string(res.Body); res.Status != 202 || !strings.Contains(body, `"field":"events[1].productId"`) ||
			!strings.Contains(body, `"field":"events[2].productId"`) || strings.Contains(body, `events[0]`) || strings.Contains(body, `events[3]`) {
			t.Errorf("batch with unknown products: %d %s", res.Status, body)
		}
		if res := k.do("POST", "/api/v1/catalog", map[string]any{"productId": "not-in-catalog", "name": "Now In"}, key...); res.Status != 201 {
			t.Fatalf("create not-in-catalog: %d %s", res.Status, res.Body)
		}
		res = k.do("POST", "/api/v1/events", view("user-13", "not-in-catalog"), key...)
		if res.Status != 202 || strings.Contains(string(res.Body), `productId`) {
			t.Errorf("event of a product just added: %d %s", res.Status, res.Body)
		}

		// US1-4 on the real route: a read key cannot send events.
		res = k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "u", "productId": "prod-456"}, "X-API-Key", k.read.Key)
		if p := res.problem(t); p.Status != 403 || p.Detail != "Insufficient permissions: write access required" {
			t.Errorf("US1-4: %+v", p)
		}
		// A publishable key sends events from an allowed origin, never catalog writes.
		res = k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "u", "productId": "prod-456"},
			"X-API-Key", k.public.Key, "Origin", "https://shop.example")
		if res.Status != 202 {
			t.Errorf("publishable key event: %d %s", res.Status, res.Body)
		}
		res = k.do("POST", "/api/v1/catalog", map[string]any{"productId": "x", "name": "X"}, "X-API-Key", k.public.Key, "Origin", "https://shop.example")
		if res.Status != 403 {
			t.Errorf("publishable key catalog write: %d", res.Status)
		}
	})
}

func TestCatalogCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		// The same operations, for the tenant of a secret key and, from the dashboard, for
		// tenant {id} of its admin.
		surfaces := []struct {
			name, base string
			write      []string
			read       []string
		}{
			{"key", "/api/v1/catalog", []string{"X-API-Key", k.rw.Key}, []string{"X-API-Key", k.read.Key}},
			{"admin", "/api/v1/tenants/" + k.tenant.ID + "/catalog", []string{"Authorization", "Bearer " + k.token}, []string{"Authorization", "Bearer " + k.token}},
		}
		for _, sf := range surfaces {
			t.Run(sf.name, func(t *testing.T) {
				catalogCRUD(t, k, sf.base, sf.write, sf.read)
			})
		}
		// A read key cannot write; another admin cannot reach the tenant's catalog at all.
		if res := k.do("POST", "/api/v1/catalog", map[string]any{"productId": "x", "name": "X"}, "X-API-Key", k.read.Key); res.Status != 403 {
			t.Errorf("read key write: %d", res.Status)
		}
		other := []string{"Authorization", "Bearer " + k.signup("other@shop.example")}
		base := "/api/v1/tenants/" + k.tenant.ID + "/catalog"
		item := `{"productId":"mug-red","name":"Mine now","available":true}`
		for _, c := range []struct{ method, path, body string }{
			{"GET", base, ""}, {"POST", base, item}, {"POST", base + "/batch", `{"items":[` + item + `]}`},
			{"GET", base + "/mug-red", ""}, {"PATCH", base + "/mug-red", `{"available":true}`}, {"PUT", base + "/mug-red", item}, {"DELETE", base + "/mug-red", ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			if res := k.do(c.method, c.path, body, other...); res.Status != 404 {
				t.Errorf("%s %s by another admin: %d %s", c.method, c.path, res.Status, res.Body)
			}
		}
		var it struct {
			Data recom.CatalogItem `json:"data"`
		}
		k.do("GET", "/api/v1/catalog/mug-red", nil, "X-API-Key", k.read.Key).decode(t, &it)
		if it.Data.Name != "Red 100% Mug" || it.Data.Available {
			t.Errorf("another admin changed the product: %+v", it.Data)
		}
	})
}

// catalogCRUD is the catalog's life on one surface: base is its collection, write and read
// the headers that authorise each.
func catalogCRUD(t *testing.T, k *keyEnv, base string, write, read []string) {
	items := []map[string]any{
		{"productId": "mug-blue", "name": "Blue Mug", "category": "Kitchen", "price": 12.5, "brand": "Acme", "attributes": map[string]any{"color": "blue", "ml": 350}},
		{"productId": "mug-red", "name": "Red 100% Mug", "category": "Kitchen", "price": 11, "available": false},
		{"productId": "tee", "name": "T-shirt", "category": "Clothes", "price": 20, "url": "https://shop.example/p/tee"},
	}
	res := k.do("POST", base+"/batch", map[string]any{"items": items}, write...)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"rejected":0`) {
		t.Fatalf("batch: %d %s", res.Status, res.Body)
	}
	// A mistyped item is reported by its index and the rest stored, on both surfaces.
	res = k.do("POST", base+"/batch", `{"items":[{"productId":"cap","name":"Cap"},{"productId":"hat","name":"Hat","price":"free"}]}`, write...)
	var partial struct {
		Data   catalogBatchResult `json:"data"`
		Errors []batchProblem     `json:"errors"`
	}
	res.decode(t, &partial)
	if res.Status != 200 || partial.Data.Created+partial.Data.Updated != 1 || partial.Data.Rejected != 1 || len(partial.Errors) != 1 ||
		partial.Errors[0].Index != 1 || partial.Errors[0].Errors[0].Field != "items[1].price" {
		t.Fatalf("batch with a mistyped item: %d %s", res.Status, res.Body)
	}
	if res := k.do("DELETE", base+"/cap", nil, write...); res.Status != 204 {
		t.Fatalf("DELETE cap: %d", res.Status)
	}
	list := func(q string) (ids []string, total int) {
		var out struct {
			Data []recom.CatalogItem `json:"data"`
			Meta pageMeta            `json:"meta"`
		}
		k.do("GET", base+q, nil, read...).decode(t, &out)
		for _, it := range out.Data {
			ids = append(ids, it.ProductID)
		}
		return ids, out.Meta.Total
	}
	for q, want := range map[string]int{"": 3, "?category=Kitchen": 2, "?available=false": 1, "?search=MUG": 2, "?search=100%25": 1, "?search=_": 0, "?limit=1": 3} {
		if _, total := list(q); total != want {
			t.Errorf("GET %s%s: total %d, want %d", base, q, total, want)
		}
	}
	var it struct {
		Data recom.CatalogItem `json:"data"`
	}
	k.do("GET", base+"/tee", nil, read...).decode(t, &it)
	if it.Data.Currency != "USD" || it.Data.URL != "https://shop.example/p/tee" {
		t.Errorf("GET one: %+v (the currency is the tenant's)", it.Data)
	}
	// PATCH available=false: the change a recommendation reads at once.
	res = k.do("PATCH", base+"/mug-blue", `{"available":false,"price":9.99}`, write...)
	res.decode(t, &it)
	if res.Status != 200 || it.Data.Available || it.Data.Price != 9.99 || it.Data.Name != "Blue Mug" || it.Data.Attributes["color"] != "blue" {
		t.Fatalf("PATCH: %d %s", res.Status, res.Body)
	}
	// Attributes given replace the stored ones, so one can be removed.
	res = k.do("PATCH", base+"/mug-blue", `{"attributes":{"ml":400}}`, write...)
	it.Data = recom.CatalogItem{}
	res.decode(t, &it)
	if res.Status != 200 || len(it.Data.Attributes) != 1 || it.Data.Attributes["ml"] != 400.0 || it.Data.Price != 9.99 {
		t.Fatalf("PATCH attributes: %d %s", res.Status, res.Body)
	}
	// PUT replaces: fields not sent are cleared; a different productId is refused.
	res = k.do("PUT", base+"/mug-blue", `{"name":"Blue Mug v2","price":14}`, write...)
	res.decode(t, &it)
	if res.Status != 200 || it.Data.Brand != "" || !it.Data.Available || it.Data.Name != "Blue Mug v2" {
		t.Errorf("PUT: %d %s", res.Status, res.Body)
	}
	if res := k.do("PUT", base+"/mug-blue", `{"productId":"other","name":"X"}`, write...); res.Status != 400 || res.problem(t).Errors[0].Field != "productId" {
		t.Errorf("PUT with another productId: %d %s", res.Status, res.Body)
	}
	if res := k.do("POST", base, map[string]any{"productId": "tee", "name": "T-shirt v2"}, write...); res.Status != 200 {
		t.Errorf("POST of an existing productId (upsert): %d", res.Status)
	}
	if res := k.do("POST", base, map[string]any{"productId": "cap", "name": "Cap", "price": -1}, write...); res.Status != 400 || res.problem(t).Errors[0].Field != "price" {
		t.Errorf("POST with a negative price: %d %s", res.Status, res.Body)
	}
	if res := k.do("DELETE", base+"/tee", nil, write...); res.Status != 204 {
		t.Errorf("DELETE: %d", res.Status)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if res := k.do(m, base+"/tee", nil, write...); res.Status != 404 {
			t.Errorf("%s after delete: %d", m, res.Status)
		}
	}
	if res := k.do("PATCH", base+"/nope", `{"price":1}`, write...); res.Status != 404 {
		t.Errorf("PATCH of a missing product: %d", res.Status)
	}
	// The other surface sees the same catalog: the PUT cleared mug-blue's category.
	var admin struct {
		Meta pageMeta `json:"meta"`
	}
	k.do("GET", "/api/v1/tenants/"+k.tenant.ID+"/catalog?category=Kitchen", nil, "Authorization", "Bearer "+k.token).decode(t, &admin)
	var byKey struct {
		Meta pageMeta `json:"meta"`
	}
	k.do("GET", "/api/v1/catalog?category=Kitchen", nil, "X-API-Key", k.read.Key).decode(t, &byKey)
	if admin.Meta.Total != 1 || byKey.Meta.Total != 1 {
		t.Errorf("Kitchen products: admin %d, key %d, want 1 (mug-red)", admin.Meta.Total, byKey.Meta.Total)
	}
}

// TestIngestValidation: every field wrong in each way → a 4xx problem naming the field,
// and nothing stored.
func TestIngestValidation(t *testing.T) {
	k := newKeyEnv(t, embedded)
	key := []string{"X-API-Key", k.rw.Key}
	long := strings.Repeat("x", 129)
	future := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	events101 := make([]map[string]any, 101)
	for i := range events101 {
		events101[i] = map[string]any{"eventType": "product_viewed", "userId": "u", "productId": fmt.Sprint("p", i)}
	}
	items501 := make([]map[string]any, 501)
	for i := range items501 {
		items501[i] = map[string]any{"productId": fmt.Sprint("p", i), "name": "P"}
	}
	ev := func(kv ...any) map[string]any {
		m := map[string]any{"eventType": "product_viewed", "userId": "u1", "productId": "p1"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		field  string
	}{
		{"eventType missing", "/api/v1/events", ev("eventType", nil), 400, "eventType"},
		{"eventType enum", "/api/v1/events", ev("eventType", "teleported"), 400, "eventType"},
		{"eventType type", "/api/v1/events", ev("eventType", 3), 400, "eventType"},
		{"userId missing", "/api/v1/events", ev("userId", nil), 400, "userId"},
		{"userId too long", "/api/v1/events", ev("userId", long), 400, "userId"},
		{"userId type", "/api/v1/events", ev("userId", 42), 400, "userId"},
		{"userId control chars", "/api/v1/events", ev("userId", "a\nb"), 400, "userId"},
		{"productId missing", "/api/v1/events", ev("productId", nil), 400, "productId"},
		{"productId too long", "/api/v1/events", ev("productId", long), 400, "productId"},
		{"timestamp future", "/api/v1/events", ev("timestamp", future), 400, "timestamp"},
		{"timestamp format", "/api/v1/events", ev("timestamp", "yesterday"), 400, "timestamp"},
		{"timestamp ancient", "/api/v1/events", ev("timestamp", "1970-01-01T00:00:00Z"), 400, "timestamp"},
		{"price negative", "/api/v1/events", ev("eventType", "purchase", "orderId", "o", "price", -1), 400, "price"},
		{"price type", "/api/v1/events", ev("price", "cheap"), 400, "price"},
		{"quantity zero", "/api/v1/events", ev("eventType", "purchase", "orderId", "o", "quantity", 0), 400, "quantity"},
		{"quantity fraction", "/api/v1/events", ev("quantity", 1.5), 400, "quantity"},
		{"purchase without orderId", "/api/v1/events", ev("eventType", "purchase"), 400, "orderId"},
		{"click without recommendationId", "/api/v1/events", ev("eventType", "recommendation_clicked", "placement", "home"), 400, "recommendationId"},
		{"impression without placement", "/api/v1/events", ev("eventType", "recommendation_impressed", "recommendationId", "r"), 400, "placement"},
		{"position negative", "/api/v1/events", ev("position", -1), 400, "position"},
		{"currency", "/api/v1/events", ev("currency", "dollars"), 400, "currency"},
		{"metadata not an object", "/api/v1/events", ev("metadata", []int{1}), 400, "metadata"},
		{"metadata too big", "/api/v1/events", ev("metadata", map[string]string{"x": strings.Repeat("y", 5000)}), 400, "metadata"},
		{"unknown field", "/api/v1/events", ev("colour", "red"), 400, "colour"},
		{"not JSON", "/api/v1/events", `{"eventType":`, 400, "body"},
		{"batch of 101", "/api/v1/events/batch", map[string]any{"events": events101}, 400, "events"},
		{"empty batch", "/api/v1/events/batch", map[string]any{"events": []any{}}, 400, "events"},
		{"batch not an array", "/api/v1/events/batch", map[string]any{"events": "many"}, 400, "events"},
		{"batch all invalid", "/api/v1/events/batch", map[string]any{"events": []any{ev("userId", nil)}}, 400, "events[0].userId"},
		{"batch item wrong type", "/api/v1/events/batch", map[string]any{"events": []any{ev("userId", true)}}, 400, "events[0].userId"},
		{"catalog 501 items", "/api/v1/catalog/batch", map[string]any{"items": items501}, 400, "items"},
		{"catalog name missing", "/api/v1/catalog", map[string]any{"productId": "p"}, 400, "name"},
		{"catalog price negative", "/api/v1/catalog", map[string]any{"productId": "p", "name": "P", "price": -5}, 400, "price"},
		{"catalog price type", "/api/v1/catalog", map[string]any{"productId": "p", "name": "P", "price": "5"}, 400, "price"},
		{"catalog url scheme", "/api/v1/catalog", map[string]any{"productId": "p", "name": "P", "url": "javascript:alert(1)"}, 400, "url"},
		{"catalog attribute type", "/api/v1/catalog", map[string]any{"productId": "p", "name": "P", "attributes": map[string]any{"x": []int{1}}}, 400, "attributes.x"},
		{"catalog batch item", "/api/v1/catalog/batch", map[string]any{"items": []any{map[string]any{"productId": "p"}}}, 400, "items[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := k.do("POST", tt.path, tt.body, key...)
			p := res.problem(t)
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tt.status, res.Body)
			}
			for _, f := range p.Errors {
				if f.Field == tt.field {
					return
				}
			}
			t.Errorf("no error names %q: %s", tt.field, res.Body)
		})
	}
	if _, total := k.events(""); total != 0 {
		t.Errorf("%d events stored by invalid requests", total)
	}
	var cat struct {
		Meta pageMeta `json:"meta"`
	}
	k.do("GET", "/api/v1/catalog", nil, key...).decode(t, &cat)
	if cat.Meta.Total != 0 {
		t.Errorf("%d products stored by invalid requests", cat.Meta.Total)
	}
}

// FuzzEventDecoding: whatever the body of a single event or a batch, the answer is a 2xx
// or a 4xx problem, never a 5xx.
func FuzzEventDecoding(f *testing.F) {
	for _, seed := range []string{
		`{"eventType":"product_viewed","userId":"u","productId":"p"}`,
		`{"events":[{"eventType":"purchase","userId":"u","productId":"p","orderId":"o","price":1.5,"quantity":2}]}`,
		`{"eventType":"recommendation_clicked","userId":"u","productId":"p","recommendationId":"r","placement":"home","position":1,"metadata":{"a":[1,{"b":null}]}}`,
		`{"events":[null, 1, "x", {}]}`, `{"timestamp":"2026-13-45T99:99:99Z"}`, `{"price":1e400}`, `{"quantity":-0}`,
		`{"metadata":{}}`, `{"userId":"\ud800"}`, `[]`, ``, `{"events":{}}`,
	} {
		f.Add(seed)
	}
	k := newKeyEnv(f, embedded)
	f.Fuzz(func(t *testing.T, body string) {
		k.t = t
		for _, path := range []string{"/api/v1/events", "/api/v1/events/batch"} {
			res := k.do("POST", path, body, "X-API-Key", k.rw.Key)
			switch {
			case res.Status >= 200 && res.Status < 300:
			case res.Status >= 400 && res.Status < 500:
				res.problem(t)
			default:
				t.Fatalf("%s with %q: %d %s", path, body, res.Status, res.Body)
			}
		}
	})
}
