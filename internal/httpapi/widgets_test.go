package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestUS7WidgetConfig is User Story 7 on the server side, on both backends: an admin
// configures a placement's widget, and the SDK's read (with the publishable key in the
// URL, from the shop's origin) sees it; an unchanged widget re-read costs a 304, a
// changed one comes back whole (the SDK re-reads every 60 s, US7-2).
func TestUS7WidgetConfig(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		admin := []string{"Authorization", "Bearer " + k.token}
		sdkRead := func(placement string, header ...string) response {
			return k.do("GET", "/api/v1/widgets/"+placement+"?apiKey="+k.public.Key, nil, append([]string{"Origin", "https://shop.example"}, header...)...)
		}
		var got struct{ Data recom.Widget }

		// Never configured: the defaults, so a container placed first already shows.
		res := sdkRead("product-page")
		res.decode(t, &got)
		if want := recom.DefaultWidget("", "product-page"); res.Status != http.StatusOK || got.Data.UpdatedAt != nil ||
			got.Data.Layout != want.Layout || got.Data.Columns != want.Columns || got.Data.Theme != want.Theme {
			t.Fatalf("an unconfigured placement: %d %s", res.Status, res.Body)
		}
		if res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Errorf("the shop's page may not read the answer: Access-Control-Allow-Origin %q", res.Header.Get("Access-Control-Allow-Origin"))
		}
		defaultTag := res.Header.Get("ETag")

		// US7-1: the spec's example, as the admin sends it.
		res = k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/product-page",
			`{"layout":"carousel","columns":4,"showPrice":true,"ctaText":"Add to Cart","theme":{"primaryColor":"#ff6600"}}`, admin...)
		res.decode(t, &got)
		if res.Status != http.StatusOK || got.Data.Layout != "carousel" || got.Data.CTAText != "Add to Cart" ||
			got.Data.Theme.PrimaryColor != "#ff6600" || got.Data.Theme.TextColor != "#1f2937" || got.Data.ItemCount != 4 || got.Data.UpdatedAt == nil {
			t.Fatalf("PUT the spec's example: %d %s", res.Status, res.Body)
		}
		res = sdkRead("product-page", "If-None-Match", defaultTag)
		res.decode(t, &got)
		if res.Status != http.StatusOK || got.Data.Layout != "carousel" || got.Data.Theme.PrimaryColor != "#ff6600" {
			t.Fatalf("the SDK's read after the change: %d %s", res.Status, res.Body)
		}
		tag := res.Header.Get("ETag")
		if tag == "" || tag == defaultTag {
			t.Errorf("ETag %q after the change, %q before", tag, defaultTag)
		}
		if again := sdkRead("product-page", "If-None-Match", tag); again.Status != http.StatusNotModified || len(again.Body) != 0 ||
			again.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Errorf("re-read of an unchanged widget: %d %s, Access-Control-Allow-Origin %q", again.Status, again.Body, again.Header.Get("Access-Control-Allow-Origin"))
		}

		// A PUT describes the whole widget: what it leaves out is the default again,
		// recom's (the document declares none, so its validator fills in nothing).
		res = k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/product-page", `{}`, admin...)
		res.decode(t, &got)
		if want := recom.DefaultWidget("", "product-page"); res.Status != http.StatusOK || got.Data.Layout != want.Layout || got.Data.Columns != want.Columns ||
			got.Data.ShowPrice != want.ShowPrice || got.Data.CTAText != want.CTAText || got.Data.ItemCount != want.ItemCount || got.Data.Theme != want.Theme {
			t.Errorf("PUT {}: %d %s, want the defaults", res.Status, res.Body)
		}
		res = k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/product-page", `{"ctaText":"Buy"}`, admin...)
		res.decode(t, &got)
		if res.Status != http.StatusOK || got.Data.Layout != "grid" || got.Data.Theme.PrimaryColor != "#1a56db" {
			t.Errorf("PUT of one field: %d %s", res.Status, res.Body)
		}
		if res := sdkRead("product-page", "If-None-Match", tag); res.Status != http.StatusOK {
			t.Errorf("re-read with the old ETag after a change: %d", res.Status)
		}

		k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/home", `{"title":"Picked for you","itemCount":8}`, admin...)
		var list struct {
			Data []recom.Widget
			Meta pageMeta
		}
		k.do("GET", "/api/v1/tenants/"+k.tenant.ID+"/widgets?limit=1", nil, admin...).decode(t, &list)
		if list.Meta.Total != 2 || len(list.Data) != 1 || list.Data[0].Placement != "home" || list.Data[0].Title != "Picked for you" {
			t.Errorf("list of widgets: %+v", list)
		}
		if res := k.do("GET", "/api/v1/tenants/"+k.tenant.ID+"/widgets/home", nil, admin...); res.Status != http.StatusOK ||
			!strings.Contains(string(res.Body), `"itemCount":8`) {
			t.Errorf("GET one widget: %d %s", res.Status, res.Body)
		}

		// The SDK's key only works from the shop's origins, and a secret key never in a URL.
		if res := k.do("GET", "/api/v1/widgets/home?apiKey="+k.public.Key, nil, "Origin", "https://evil.example"); res.Status != http.StatusForbidden {
			t.Errorf("the publishable key from another origin: %d", res.Status)
		}
		res = k.do("GET", "/api/v1/widgets/home?apiKey="+k.read.Key, nil)
		if p := res.problem(t); res.Status != http.StatusUnauthorized || !strings.Contains(p.Detail, "publishable") {
			t.Errorf("a secret key in the URL: %d %s", res.Status, res.Body)
		}
		if res := k.do("GET", "/api/v1/widgets/home", nil, "X-API-Key", k.read.Key); res.Status != http.StatusOK {
			t.Errorf("a secret key in the header: %d", res.Status)
		}
		// Another shop's key in the URL, from its own site, gets its own widget of that
		// name: the defaults, none of this shop's texts.
		otherTok := k.signup("other@shop.example")
		other := k.createTenant(otherTok, "Other shop")
		k.do("PUT", "/api/v1/tenants/"+other.ID, `{"config":{"allowedOrigins":["https://other.example"]}}`, "Authorization", "Bearer "+otherTok)
		otherKey := k.createKey(otherTok, other.ID, recom.PermRead, recom.KeyPublishable)
		res = k.do("GET", "/api/v1/widgets/product-page?apiKey="+otherKey.Key, nil, "Origin", "https://other.example")
		if res.Status != http.StatusOK || strings.Contains(string(res.Body), "Buy") || strings.Contains(string(res.Body), "updatedAt") {
			t.Errorf("another shop's key reading this placement name: %d %s", res.Status, res.Body)
		}

		// The SDK's other read: recommendations, with the key in the URL as well.
		if res := k.do("GET", "/api/v1/recommendations?userId=anon-1&placement=home&limit=4&apiKey="+k.public.Key, nil, "Origin", "https://shop.example"); res.Status != http.StatusOK {
			t.Errorf("recommendations with the key in the URL: %d %s", res.Status, res.Body)
		}
		// A refused key's answer stays readable to the shop's page, so the SDK can tell a
		// revoked key (and clear its widgets) from a network failure.
		if res := k.do("DELETE", "/api/v1/tenants/"+k.tenant.ID+"/api-keys/"+k.public.ID, nil, admin...); res.Status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		if res := sdkRead("home"); res.Status != http.StatusUnauthorized || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
			t.Errorf("a revoked key from the shop's page: %d, Access-Control-Allow-Origin %q", res.Status, res.Header.Get("Access-Control-Allow-Origin"))
		}
		if strings.Contains(k.logs.String(), k.public.Key) || strings.Contains(k.logs.String(), k.read.Key) {
			t.Error("a key sent in a URL reached the log")
		}
	})
}

// TestWidgetValidation: each widget field wrong in each way is a 400 naming it, and
// nothing is stored; the values reach the SDK's CSS, so only hex colours pass.
func TestWidgetValidation(t *testing.T) {
	k := newKeyEnv(t, embedded)
	admin := []string{"Authorization", "Bearer " + k.token}
	url := "/api/v1/tenants/" + k.tenant.ID + "/widgets/home"
	cases := []struct {
		body  string
		field string
	}{
		{`{"layout":"list"}`, "layout"},
		{`{"layout":3}`, "layout"},
		{`{"columns":0}`, "columns"},
		{`{"columns":7}`, "columns"},
		{`{"columns":2.5}`, "columns"},
		{`{"itemCount":21}`, "itemCount"},
		{`{"showPrice":"yes"}`, "showPrice"},
		{`{"ctaText":""}`, "ctaText"},
		{`{"ctaText":"` + strings.Repeat("x", 41) + `"}`, "ctaText"},
		{`{"ctaText":"Buy\u0000now"}`, "ctaText"},
		{`{"title":"` + strings.Repeat("t", 81) + `"}`, "title"},
		{`{"strategy":"random"}`, "strategy"},
		{`{"theme":{"primaryColor":"red"}}`, "theme.primaryColor"},
		{`{"theme":{"textColor":"#ff660"}}`, "theme.textColor"},
		{`{"theme":{"backgroundColor":"#fff;background:url(https://evil.example/x)"}}`, "theme.backgroundColor"},
		{`{"theme":{"borderRadius":33}}`, "theme.borderRadius"},
		{`{"theme":{"borderRadius":-1}}`, "theme.borderRadius"},
		{`{"theme":{"fontFamily":"x"}}`, "theme.fontFamily"},
		{`{"placement":"other"}`, "placement"},
		{`{"updatedAt":"2026-01-01T00:00:00Z"}`, "updatedAt"},
		{`{"colour":"#fff"}`, "colour"},
	}
	for _, c := range cases {
		res := k.do("PUT", url, c.body, admin...)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", c.body, res.Status, res.Body)
			continue
		}
		p := res.problem(t)
		if !slices.ContainsFunc(p.Errors, func(f recom.FieldError) bool { return f.Field == c.field }) {
			t.Errorf("%s: the problem does not name %s: %s", c.body, c.field, res.Body)
		}
	}
	if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/widgets/%01bad", `{}`, admin...); res.Status != http.StatusBadRequest {
		t.Errorf("a placement with a control character: %d %s", res.Status, res.Body)
	}
	if res := k.do("PUT", url, `{}`, "Authorization", "Bearer "+k.token, "Content-Type", "text/plain"); res.Status != http.StatusUnsupportedMediaType {
		t.Errorf("a widget as text/plain: %d", res.Status)
	}
	var list struct{ Meta pageMeta }
	k.do("GET", "/api/v1/tenants/"+k.tenant.ID+"/widgets", nil, admin...).decode(t, &list)
	if list.Meta.Total != 0 {
		t.Errorf("%d widgets stored by refused requests", list.Meta.Total)
	}
}

// TestSDKSendsEventsAsPlainText: the SDK's events come as text/plain with the publishable
// key in the URL (sendBeacon can do no other), from the shop's origin, and are stored
// like any other; a body of another type is still refused.
func TestSDKSendsEventsAsPlainText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shop := []string{"Origin", "https://shop.example", "Content-Type", "text/plain;charset=UTF-8"}
		one := `{"eventType":"recommendation_impressed","userId":"anon-1","productId":"p1","recommendationId":"r1","placement":"home","position":1}`
		if res := k.do("POST", "/api/v1/events?apiKey="+k.public.Key, one, shop...); res.Status != http.StatusAccepted {
			t.Fatalf("one event as text/plain: %d %s", res.Status, res.Body)
		}
		batch := `{"events":[{"eventType":"recommendation_clicked","userId":"anon-1","productId":"p1","recommendationId":"r1","placement":"home","position":1}]}`
		if res := k.do("POST", "/api/v1/events/batch?apiKey="+k.public.Key, batch, shop...); res.Status != http.StatusAccepted {
			t.Fatalf("a batch as text/plain: %d %s", res.Status, res.Body)
		}
		if _, total := k.events("?userId=anon-1"); total != 2 {
			t.Errorf("%d events stored, want 2", total)
		}
		for _, ct := range []string{"TEXT/PLAIN", "text/plain; charset=utf-8"} {
			ev := strings.Replace(one, `"p1"`, `"p-`+ct+`"`, 1)
			if res := k.do("POST", "/api/v1/events?apiKey="+k.public.Key, ev, "Origin", "https://shop.example", "Content-Type", ct); res.Status != http.StatusAccepted {
				t.Errorf("an event as %s: %d %s", ct, res.Status, res.Body)
			}
		}
		for _, ct := range []string{"text/html", "text/plain; charset=iso-8859-1", "text/plainer"} {
			if res := k.do("POST", "/api/v1/events?apiKey="+k.public.Key, one, "Origin", "https://shop.example", "Content-Type", ct); res.Status != http.StatusUnsupportedMediaType {
				t.Errorf("an event as %s: %d", ct, res.Status)
			}
		}
		if res := k.do("POST", "/api/v1/events?apiKey="+k.rw.Key, one, "Content-Type", "text/plain"); res.Status != http.StatusUnauthorized {
			t.Errorf("a secret key in the URL of an event: %d", res.Status)
		}
	})
}

// TestSDKBundleNotBuilt: a server without the bundle answers its path with a 404 problem.
func TestSDKBundleNotBuilt(t *testing.T) {
	e := newTestEnvOn(t, embedded)
	if res := e.do("GET", "/sdk/recomengine.v1.js", nil); res.Status != http.StatusNotFound || res.problem(t).Code != recom.CodeNotFound {
		t.Errorf("GET the SDK without one: %d %s", res.Status, res.Body)
	}
}
