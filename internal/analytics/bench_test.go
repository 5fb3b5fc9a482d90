package analytics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/postgres"
	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/recom"
)

// BenchmarkOverview90Days measures the overview of a tenant with many events over 90 days
// on PostgreSQL (the target: 10M events, p95 ≤ 50 ms). The events are written
// with one INSERT … SELECT from generate_series (a realistic mix: 70 % impressions, 7 %
// clicks, 3 % purchase lines a third of them earned by a click, 20 % views, over 5,000
// users, 2,000 products, 3 placements and 10,000 answers of every strategy and both arms
// of an experiment), rolled up by the service, and the overview read b.N times.
// RECOM_BENCH_ANALYTICS_EVENTS sets the count (default 1,000,000 to keep `make bench`
// short; the note's figure uses 10,000,000).
func BenchmarkOverview90Days(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("RECOM_BENCH_ANALYTICS_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	svc, tenantID, q := bigShop(b, n)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		if _, err := svc.Overview(ctx, tenantID, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// TestBigShop runs the benchmark's setup on a small shop, so `make test` catches a
// change of the schema or the service that would break `make bench`.
func TestBigShop(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 events; run without -short")
	}
	bigShop(t, 100_000) // fewer spread the events so thin that no click falls in a purchase's window
}

// bigShop is a tenant with n events over the 90 days before now on a fresh PostgreSQL
// database, rolled up; it returns the service, the tenant and the 90-day query, after
// checking the overview sees the events.
func bigShop(tb testing.TB, n int) (*analytics.Service, string, analytics.Query) {
	ctx := context.Background()
	url := pgtest.NewDatabase(tb)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	st := db.Stores()
	now := time.Now().UTC()
	tenant, err := st.Tenants.CreateTenant(ctx, recom.Tenant{ID: recom.NewID(), Name: "Big shop", OwnerID: seedAdmin(tb, st),
		Status: recom.TenantActive, Config: recom.DefaultTenantConfig(), CreatedAt: now, UpdatedAt: now})
	if err != nil {
		tb.Fatal(err)
	}
	refs := recom.NewRefCodec([]byte("bench"))
	recIDs := make([]string, 10_000)
	for i := range recIDs {
		ref := recom.RecommendationRef{Strategy: recom.ServedStrategies[i%len(recom.ServedStrategies)], IssuedAt: now}
		if i%3 == 0 {
			ref.ExperimentID, ref.Variant = "00000000-0000-4000-8000-000000000001", []string{recom.Control, recom.Variant}[i/3%2]
		}
		recIDs[i] = refs.Mint(tenant.ID, ref)
	}

	start := time.Now()
	seed(tb, url, tenant.ID, recIDs, n, now)
	tb.Logf("seeded %d events over 90 days in %s", n, time.Since(start).Round(time.Second))

	svc := analytics.New(st, refs, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	start = time.Now()
	days := 0
	for {
		k, err := svc.Refresh(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if k == 0 {
			break
		}
		days += k
	}
	tb.Logf("rolled up %d days in %s", days, time.Since(start).Round(time.Millisecond))

	q, err := analytics.ParseQuery(recom.Day(now).AddDate(0, 0, -89).Format(time.DateOnly), recom.Day(now).Format(time.DateOnly), "", "", now)
	if err != nil {
		tb.Fatal(err)
	}
	o, err := svc.Overview(ctx, tenant.ID, q)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("overview: %+v", o.Current)
	if o.Current.Impressions == 0 || o.Current.Conversions == 0 || o.Current.Revenue == 0 {
		tb.Fatal("the seeded events did not reach the overview")
	}
	return svc, tenant.ID, q
}

func seedAdmin(b testing.TB, st recom.Stores) string {
	a, err := st.Admins.CreateAdmin(context.Background(), recom.Admin{ID: recom.NewID(), Email: "big@shop.example",
		PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: time.Now().UTC()})
	if err != nil {
		b.Fatal(err)
	}
	return a.ID
}

// seed writes n events of the tenant spread over the 90 days before now, and marks every
// day stale as AppendEvents would.
func seed(b testing.TB, url, tenantID string, recIDs []string, n int, now time.Time) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// Event i happens at now − 90 days + i·step. Buckets of i mod 100 choose the type; an
	// answer (recommendation id) is shown to one user as five products; clicks and the
	// purchases they earn come 5 s and 10 min after the impression of the same user and
	// product, unearned purchases go to other products.
	step := fmt.Sprintf("%f", (90*24*time.Hour).Seconds()/float64(n))
	_, err = conn.Exec(ctx, `INSERT INTO events (occurred_at, received_at, tenant_id, event_type, user_id,
			product_id, recommendation_id, placement, order_id, price, quantity)
		SELECT at + CASE WHEN kind = 'recommendation_clicked' THEN interval '5 seconds'
				WHEN kind = 'purchase' THEN interval '10 minutes' ELSE interval '0' END,
			at, $1::uuid, kind::event_type, 'u' || (answer % 5000), 'p' || ((answer * 7 + i % 5 + CASE WHEN kind = 'purchase' AND i % 3 <> 0 THEN 1 ELSE 0 END) % 2000),
			CASE WHEN kind LIKE 'recommendation%' THEN ($2::text[])[1 + answer % cardinality($2::text[])] END,
			CASE WHEN kind LIKE 'recommendation%' THEN (ARRAY['home', 'product-page', 'cart'])[1 + answer % 3] END,
			CASE WHEN kind = 'purchase' THEN 'o' || i END,
			CASE WHEN kind = 'purchase' THEN 5 + (i % 50) END,
			CASE WHEN kind = 'purchase' THEN 1 END
		FROM (SELECT i, i / 20 AS answer, $3::timestamptz + (i * $4::float8) * interval '1 second' AS at,
				CASE WHEN i % 100 < 70 THEN 'recommendation_impressed'
					WHEN i % 100 < 77 THEN 'recommendation_clicked'
					WHEN i % 100 < 80 THEN 'purchase' ELSE 'product_viewed' END AS kind
			FROM generate_series(0, $5::int - 1) AS i) AS g
		ON CONFLICT DO NOTHING`, tenantID, recIDs, now.Add(-90*24*time.Hour), step, n)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO analytics_stale_log (tenant_id, day)
		SELECT $1, d::date FROM generate_series($2::timestamptz, $3::timestamptz, interval '1 day') AS d`,
		tenantID, recom.Day(now.Add(-90*24*time.Hour)), recom.Day(now)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}
