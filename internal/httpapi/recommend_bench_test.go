package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

// BenchmarkRecommendationsHTTP measures the server's whole work for GET
// /api/v1/recommendations, middleware included, without a network or a load client in
// the way: what one request costs the server, steadier than a load test on a shared
// machine. "known" cycles 100 shoppers with a history (their lists cached after the
// first round), "new" asks for a new visitor each time (the one shared list). The
// production backend (PostgreSQL + Redis) adds one Redis read a request.
func BenchmarkRecommendationsHTTP(b *testing.B) {
	for _, be := range []backend{embedded, production} {
		b.Run(string(be), func(b *testing.B) {
			h, key := recommendingShop(b, be)
			for _, mix := range []string{"known", "new"} {
				b.Run(mix, func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						user := fmt.Sprint("u", i%100)
						if mix == "new" {
							user = fmt.Sprint("visitor-", i)
						}
						i++
						req := httptest.NewRequest("GET", "/api/v1/recommendations?userId="+user, nil)
						req.Header.Set("X-API-Key", key)
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Fatalf("status %d: %s", w.Code, w.Body)
						}
					}
				})
			}
		})
	}
}

// recommendingShop is a server with a tenant of 200 products and 100 shoppers' views
// and purchases, learnt by the recommender; it returns the handler and a read key.
func recommendingShop(b *testing.B, be backend) (http.Handler, string) {
	ctx := context.Background()
	d, _ := newDeps(b, be)
	// The access log as served (JSON at info), written nowhere: the tests' log buffer
	// would grow through the run and be measured instead.
	d.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	h, err := NewServer(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := d.Stores.Admins.CreateAdmin(ctx, recom.Admin{ID: recom.NewID(), Email: "bench@example.com", PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: recom.Now()})
	if err != nil {
		b.Fatal(err)
	}
	tn, _ := recom.NewTenant(admin.ID, "Bench")
	tn.Config.RateLimits.ReadsPerMinute = 100_000_000
	if tn, err = d.Stores.Tenants.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	full, prefix := auth.NewAPIKey(recom.KeySecret)
	k, _ := recom.NewAPIKey("bench", recom.PermRead, recom.KeySecret)
	k.Prefix, k.Hash = prefix, auth.HashAPIKey(d.Pepper, full)
	if _, err := d.Stores.APIKeys.CreateAPIKey(ctx, tn.ID, k, 10); err != nil {
		b.Fatal(err)
	}
	items := make([]recom.CatalogItem, 200)
	for i := range items {
		items[i] = recom.CatalogItem{ProductID: fmt.Sprint("p", i), Name: fmt.Sprint("Product ", i),
			Category: fmt.Sprint("c", i%10), Price: float64(1 + i%50), Available: true}
	}
	if _, err := d.Stores.Catalog.UpsertItems(ctx, tn.ID, items); err != nil {
		b.Fatal(err)
	}
	var events []recom.Event
	at := time.Now().Add(-24 * time.Hour).UTC()
	for u := range 100 {
		for j := range 6 {
			p := fmt.Sprint("p", (u*7+j)%200)
			user := fmt.Sprint("u", u)
			events = append(events,
				recom.Event{TenantID: tn.ID, Type: recom.ProductViewed, UserID: user, ProductID: p, Timestamp: at},
				recom.Event{TenantID: tn.ID, Type: recom.Purchase, UserID: user, ProductID: p, OrderID: fmt.Sprint(u, "-", j), Timestamp: at.Add(time.Minute)})
			at = at.Add(time.Second)
		}
	}
	if _, err := d.Ingester.Append(ctx, events); err != nil {
		b.Fatal(err)
	}
	return h, full
}
