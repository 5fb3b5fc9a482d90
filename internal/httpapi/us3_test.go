package httpapi

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
)

type recResponse struct {
	Data []recommend.Recommendation `json:"data"`
	Meta recommend.Meta             `json:"meta"`
}

// shopFixture fills a tenant with 30 products in three categories and the behaviour of
// shoppers who each stay in one category and buy items in pairs every two weeks over the
// last three months, so every strategy has real signal (and the engine's gate, which holds
// out the last 30 days, has history to check collaborative against).
func shopFixture(t *testing.T, k *keyEnv, shoppers int) {
	t.Helper()
	cats := []string{"Kitchen", "Garden", "Toys"}
	var items []map[string]any
	for i := 0; i < 30; i++ {
		items = append(items, map[string]any{"productId": fmt.Sprintf("p%d", i), "name": fmt.Sprintf("%s item %d", cats[i/10], i),
			"category": cats[i/10], "price": 10 + i%10, "imageUrl": fmt.Sprintf("https://cdn.shop.example/p%d.jpg", i),
			"url": fmt.Sprintf("https://shop.example/p/%d", i), "brand": "Brand" + fmt.Sprint(i%3)})
	}
	if res := k.do("POST", "/api/v1/catalog/batch", map[string]any{"items": items}, "X-API-Key", k.rw.Key); res.Status != 200 {
		t.Fatalf("catalog: %d %s", res.Status, res.Body)
	}
	base := time.Now().Add(-88 * 24 * time.Hour).UTC()
	var evs []map[string]any
	flush := func() {
		if len(evs) == 0 {
			return
		}
		if res := k.do("POST", "/api/v1/events/batch", map[string]any{"events": evs}, "X-API-Key", k.rw.Key); res.Status != 202 {
			t.Fatalf("events: %d %s", res.Status, res.Body)
		}
		evs = nil
	}
	add := func(e map[string]any) {
		evs = append(evs, e)
		if len(evs) == 100 {
			flush()
		}
	}
	for u := 0; u < shoppers; u++ {
		c := u % 3
		for j := 0; j < 6; j++ {
			a, b := c*10+(u+j)%10, c*10+(u+j+1)%10
			at := base.Add(time.Duration(j)*15*24*time.Hour + time.Duration(u*7%1440)*time.Minute)
			user := fmt.Sprintf("shopper-%d", u)
			add(map[string]any{"eventType": "product_viewed", "userId": user, "productId": fmt.Sprintf("p%d", a), "timestamp": at.Format(time.RFC3339Nano)})
			order := fmt.Sprintf("o-%d-%d", u, j)
			for _, p := range []int{a, b} {
				add(map[string]any{"eventType": "purchase", "userId": user, "productId": fmt.Sprintf("p%d", p), "orderId": order,
					"price": 12, "quantity": 1, "timestamp": at.Add(time.Minute).Format(time.RFC3339Nano)})
			}
		}
	}
	flush()
}

func (k *keyEnv) recommend(t *testing.T, query string) recResponse {
	t.Helper()
	res := k.do("GET", "/api/v1/recommendations?"+query, nil, "X-API-Key", k.read.Key)
	if res.Status != 200 {
		t.Fatalf("recommendations?%s: %d %s", query, res.Status, res.Body)
	}
	var out recResponse
	res.decode(t, &out)
	return out
}

// TestUS3 is User Story 3's acceptance scenarios and edge cases on both backends.
func TestUS3(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 300)

		// 1: a user with 10+ events → 8 recommendations with every field.
		r := k.recommend(t, "userId=shopper-0&limit=8")
		if len(r.Data) != 8 || r.Meta.RecommendationID == "" || r.Meta.Cached {
			t.Fatalf("US3-1: %d items, meta %+v", len(r.Data), r.Meta)
		}
		for _, it := range r.Data {
			if it.ProductID == "" || it.Name == "" || it.ImageURL == "" || it.Price <= 0 || it.Score < 0 || it.Score > 1 || it.Reason == "" {
				t.Errorf("US3-1 incomplete item %+v", it)
			}
		}
		if r.Meta.Strategy != "collaborative" {
			t.Errorf("US3-1 strategy %q, want the tenant default collaborative", r.Meta.Strategy)
		}

		// 2: a new user → trending_fallback, isFallback.
		r = k.recommend(t, "userId=never-seen")
		if r.Meta.Strategy != "trending_fallback" || !r.Meta.IsFallback || len(r.Data) == 0 {
			t.Errorf("US3-2: %+v, %d items", r.Meta, len(r.Data))
		}

		// 4: frequently bought together for a product.
		r = k.recommend(t, "userId=shopper-1&strategy=frequently_bought_together&productId=p1")
		if r.Meta.Strategy != "frequently_bought_together" || len(r.Data) == 0 {
			t.Fatalf("US3-4: %+v %+v", r.Meta, r.Data)
		}
		for _, it := range r.Data {
			if it.ProductID == "p1" {
				t.Error("US3-4 the seed product was recommended")
			}
		}
		if !strings.Contains(r.Data[0].Reason, "Frequently bought with") {
			t.Errorf("US3-4 reason %q", r.Data[0].Reason)
		}

		// 5: the same request again within 5 minutes is cached; a new event is never hidden.
		first := k.recommend(t, "userId=shopper-2")
		again := k.recommend(t, "userId=shopper-2")
		if first.Meta.Cached || !again.Meta.Cached {
			t.Errorf("US3-5: cached %v then %v", first.Meta.Cached, again.Meta.Cached)
		}
		k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "shopper-2", "productId": "p25"}, "X-API-Key", k.rw.Key)
		if after := k.recommend(t, "userId=shopper-2"); after.Meta.Cached {
			t.Error("US3-5: a new event of the user was hidden by the cache")
		}

		// US2-5 / FR-012: an item made unavailable leaves every answer at once, cached or not.
		top := k.recommend(t, "userId=shopper-3").Data[0].ProductID
		k.do("PATCH", "/api/v1/catalog/"+url.PathEscape(top), `{"available":false}`, "X-API-Key", k.rw.Key)
		for _, q := range []string{"userId=shopper-3", "userId=shopper-3&strategy=trending", "userId=nobody"} {
			for _, it := range k.recommend(t, q).Data {
				if it.ProductID == top {
					t.Errorf("%s: the unavailable %s was recommended", q, top)
				}
			}
		}

		// 3: a tenant whose default is content_based gets content-based.
		k.do("PUT", "/api/v1/tenants/"+k.tenant.ID, `{"config":{"defaultStrategy":"content_based"}}`, "Authorization", "Bearer "+k.token)
		deadline := time.Now().Add(6 * time.Second) // the key's cached config, at most auth.KeyTTL old
		for {
			r = k.recommend(t, "userId=shopper-4&productId=p5")
			if r.Meta.Strategy == "content_based" || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if r.Meta.Strategy != "content_based" || len(r.Data) == 0 || !strings.Contains(r.Data[0].Reason, "Similar to") {
			t.Errorf("US3-3: %+v %+v", r.Meta, r.Data)
		}
		// FR-015 for every strategy: a user with fewer than coldStartMinEvents (5) products
		// gets trending_fallback from strategies that read the user's history; "for this
		// product" needs none, so a new visitor on a product page gets it.
		for i := range 2 {
			k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "newcomer", "productId": fmt.Sprintf("p%d", i)}, "X-API-Key", k.rw.Key)
		}
		for _, strategy := range []string{"content_based", "frequently_bought_together", "collaborative"} {
			if r := k.recommend(t, "userId=newcomer&strategy="+strategy); r.Meta.Strategy != "trending_fallback" || !r.Meta.IsFallback {
				t.Errorf("a user with 2 products, %s: %+v", strategy, r.Meta)
			}
		}
		if r := k.recommend(t, "userId=newcomer&strategy=content_based&productId=p5"); r.Meta.Strategy != "content_based" || r.Meta.IsFallback {
			t.Errorf("a new visitor on a product page: %+v", r.Meta)
		}
	})
}

func TestRecommendationValidation(t *testing.T) {
	k := newKeyEnv(t, embedded)
	for q, field := range map[string]string{
		"":                                   "userId",
		"userId=u&limit=0":                   "limit",
		"userId=u&limit=51":                  "limit",
		"userId=u&strategy=magic":            "strategy",
		"userId=" + strings.Repeat("x", 129): "userId",
		"userId=u&limit=two":                 "limit",
		"userId=u&productId=":                "productId",
		"userId=u&placement=" + strings.Repeat("p", 129): "placement",
	} {
		res := k.do("GET", "/api/v1/recommendations?"+q, nil, "X-API-Key", k.read.Key)
		p := res.problem(t)
		if p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("?%s: %+v", q, p)
		}
	}
	// A publishable key from an allowed origin may ask; from elsewhere not.
	if res := k.do("GET", "/api/v1/recommendations?userId=u", nil, "X-API-Key", k.public.Key, "Origin", "https://shop.example"); res.Status != 200 {
		t.Errorf("publishable key: %d %s", res.Status, res.Body)
	}
	_ = recom.MaxRecentEvents
}

// TestSparseTenantFallsBack: with too little data for collaborative filtering (spec edge
// case), the answer comes from trending and says isFallback.
func TestSparseTenantFallsBack(t *testing.T) {
	k := newKeyEnv(t, embedded)
	shopFixture(t, k, 12)
	r := k.recommend(t, "userId=shopper-0")
	if r.Meta.Strategy != "trending_fallback" || !r.Meta.IsFallback || len(r.Data) != 8 {
		t.Errorf("sparse tenant: %+v, %d items", r.Meta, len(r.Data))
	}
}

// TestFreshness: once a view of X is acknowledged, the very next answer follows X — items
// recommended because of X — with no rebuild (DESIGN §4: recent events are re-scored live).
func TestFreshness(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 300)
		becauseX := func(r recResponse) (n int) {
			for _, it := range r.Data {
				if strings.Contains(it.Reason, "Toys item 25") {
					n++
				}
			}
			return n
		}
		// A shopper who looked at five kitchen products in the last days.
		for i := 0; i < 5; i++ {
			at := time.Now().Add(-time.Duration(48+i) * time.Hour).UTC().Format(time.RFC3339)
			k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "fresh-shopper", "productId": fmt.Sprint("p", i), "timestamp": at},
				"X-API-Key", k.rw.Key)
		}
		before := k.recommend(t, "userId=fresh-shopper")
		if becauseX(before) > 0 {
			t.Fatalf("the answer already follows a product the shopper never saw: %+v", before.Data)
		}
		version := before.Meta.ModelVersion
		if res := k.do("POST", "/api/v1/events", map[string]any{"eventType": "product_viewed", "userId": "fresh-shopper", "productId": "p25"},
			"X-API-Key", k.rw.Key); res.Status != 202 {
			t.Fatalf("view: %d", res.Status)
		}
		after := k.recommend(t, "userId=fresh-shopper")
		if becauseX(after) == 0 || after.Meta.Cached || after.Meta.ModelVersion != version {
			t.Errorf("after viewing Toys item 25 (%+v): %d items because of it, cached %v, model %d→%d: %+v", after.Meta,
				becauseX(after), after.Meta.Cached, version, after.Meta.ModelVersion, after.Data)
		}
	})
}

// TestRepurchaseSetting: what a shopper bought is not recommended to them again, unless
// the tenant's allowRepurchase says a shop of consumables wants it (DESIGN §4 filters).
func TestRepurchaseSetting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 300)
		shows := func(query, product string) bool {
			for _, it := range k.recommend(t, query).Data {
				if it.ProductID == product {
					return true
				}
			}
			return false
		}
		const query = "userId=buyer&strategy=trending&limit=20"
		top := k.recommend(t, query).Data[0].ProductID
		if res := k.do("POST", "/api/v1/events", map[string]any{"eventType": "purchase", "userId": "buyer", "productId": top, "orderId": "o-1", "price": 5},
			"X-API-Key", k.rw.Key); res.Status != 202 {
			t.Fatalf("purchase: %d %s", res.Status, res.Body)
		}
		if shows(query, top) {
			t.Errorf("%s, which the shopper just bought, was recommended to them", top)
		}
		if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID, `{"config":{"allowRepurchase":true}}`, "Authorization", "Bearer "+k.token); res.Status != 200 {
			t.Fatalf("allowRepurchase: %d %s", res.Status, res.Body)
		}
		for deadline := time.Now().Add(6 * time.Second); !shows(query, top); time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) { // the key's cached config is at most auth.KeyTTL old
				t.Fatalf("with allowRepurchase, the bought %s never came back", top)
			}
		}
		if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID, `{"config":{"allowRepurchase":"yes"}}`, "Authorization", "Bearer "+k.token); res.Status != 400 ||
			!strings.Contains(string(res.Body), "allowRepurchase") {
			t.Errorf("allowRepurchase \"yes\": %d %s; want 400 naming the field", res.Status, res.Body)
		}
	})
}
