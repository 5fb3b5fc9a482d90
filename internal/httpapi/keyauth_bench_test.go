package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

// BenchmarkKeyAuthAndRateLimit measures requireKey on a cache hit with the in-process
// limiter: key hashing, cache lookup, tenant checks and one GCRA step (target ≤ 50 µs p50).
func BenchmarkKeyAuthAndRateLimit(b *testing.B) {
	ctx := context.Background()
	d, _ := newDeps(b, embedded)
	s, err := newServer(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	admin, _ := d.Stores.Admins.CreateAdmin(ctx, recom.Admin{ID: recom.NewID(), Email: "bench@example.com", PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: recom.Now()})
	tn, _ := recom.NewTenant(admin.ID, "Bench")
	tn.Config.RateLimits.ReadsPerMinute = 1_000_000
	tn, _ = d.Stores.Tenants.CreateTenant(ctx, tn)
	full, prefix := auth.NewAPIKey(recom.KeySecret)
	k, _ := recom.NewAPIKey("bench", recom.PermRead, recom.KeySecret)
	k.Prefix, k.Hash = prefix, auth.HashAPIKey(d.Pepper, full)
	if _, err := d.Stores.APIKeys.CreateAPIKey(ctx, tn.ID, k, 10); err != nil {
		b.Fatal(err)
	}
	h := s.requireKey(keyRule{perm: recom.PermRead})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/api/v1/key", nil)
	req.Header.Set("X-API-Key", full)
	h.ServeHTTP(httptest.NewRecorder(), req) // warm the cache
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		times = append(times, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(times[len(times)*99/100].Nanoseconds())/1000, "p99-µs")
}
