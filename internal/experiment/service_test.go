package experiment

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite"
	"github.com/recomengine/recomengine/internal/sqlite/sqlitetest"
	"github.com/recomengine/recomengine/internal/stats"
)

// shop opens a migrated SQLite store (closed when the test ends) with one tenant.
func shop(t *testing.T) (*sqlite.DB, recom.Stores, recom.Tenant) {
	t.Helper()
	db, tenant := sqlitetest.Shop(t)
	return db, db.Stores(), tenant
}

// TestExposuresQueueOnceAndFlush: an answer queues the user's exposure once; Flush stores
// it; a failed flush forgets the users, so their next answers queue them again.
func TestExposuresQueueOnceAndFlush(t *testing.T) {
	ctx := t.Context()
	db, st, tenant := shop(t)
	s := New(st.Experiments, st.Analytics, slog.New(slog.NewTextHandler(io.Discard, nil)))
	arm := recom.Arm{ExperimentID: "e1", Variant: recom.Variant, Strategy: "trending"}
	for range 3 {
		s.Expose(ctx, tenant.ID, arm, "u1")
	}
	s.Expose(ctx, tenant.ID, arm, "u2")
	if s.waiting != 2 {
		t.Fatalf("%d exposures queued, want 2 (u1 once, u2)", s.waiting)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	days, err := st.Experiments.ExposureDays(ctx, tenant.ID, "e1")
	if err != nil || len(days) != 1 || days[0].Users != 2 {
		t.Fatalf("stored exposures %+v, %v; want 2 users", days, err)
	}
	s.Expose(ctx, tenant.ID, arm, "u1")
	if s.waiting != 0 {
		t.Errorf("an exposure already stored was queued again")
	}

	db.Close() // the next flush fails
	s.Expose(ctx, tenant.ID, arm, "u3")
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush on a closed store succeeded")
	}
	s.Expose(ctx, tenant.ID, arm, "u3")
	if s.waiting != 1 {
		t.Errorf("after a failed flush, u3's next answer queued %d exposures, want 1", s.waiting)
	}
}

// TestResultsStoreOnlyTheirTenantsExposures: computing a tenant's results first stores
// that tenant's queued exposures, so they count, and leaves every other tenant's queued:
// another tenant's exposures can neither be written by this request nor fail it.
func TestResultsStoreOnlyTheirTenantsExposures(t *testing.T) {
	ctx := t.Context()
	_, st, tenant := shop(t)
	s := New(st.Experiments, st.Analytics, slog.New(slog.NewTextHandler(io.Discard, nil)))
	in := recom.ExperimentInput{Name: new("Home test"), Placement: new("home"), ControlStrategy: new("collaborative"),
		VariantStrategy: new("trending"), PrimaryMetric: new(recom.MetricConversionRate), Method: new(recom.MethodFixed)}
	e, err := s.Create(ctx, tenant.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if e, err = s.Move(ctx, tenant.ID, e.ID, recom.ExperimentRunning); err != nil {
		t.Fatal(err)
	}
	arm, ok := s.Assign(ctx, tenant.ID, "home", "u1")
	if !ok {
		t.Fatal("a running experiment assigned no arm")
	}
	s.Expose(ctx, tenant.ID, arm, "u1")
	s.Expose(ctx, "another-tenant", recom.Arm{ExperimentID: "x", Variant: recom.Control, Strategy: "trending"}, "u1")
	r, err := s.Results(ctx, tenant.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.SampleSize.Control+r.SampleSize.Variant != 1 {
		t.Errorf("results counted %+v users, want the one exposed", r.SampleSize)
	}
	if s.waiting != 1 || len(s.pending["another-tenant"]) != 1 || len(s.pending) != 1 {
		t.Errorf("after one tenant's results, queued %d (%v); want only the other tenant's exposure", s.waiting, s.pending)
	}
}

// TestNStarIsThePlacementsWeek: the sequential test is tuned for the placement's users of
// the 7 days before the start (from the rollups), or 5000 without that history.
func TestNStarIsThePlacementsWeek(t *testing.T) {
	ctx := t.Context()
	_, st, tenant := shop(t)
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for d := -9; d <= 0; d++ { // 7 days in the window, two before it and the start day
		day := recom.Day(start).AddDate(0, 0, d)
		rows := []recom.DailyRow{
			{Day: day, Dims: recom.Dims{Placement: "home", Strategy: "trending"}, Users: 1000},
			{Day: day, Dims: recom.Dims{Placement: "cart", Strategy: "trending"}, Users: 50},
		}
		if err := st.Analytics.ReplaceDay(ctx, recom.StaleDay{TenantID: tenant.ID, Day: day}, recom.DayRollup{Daily: rows}); err != nil {
			t.Fatal(err)
		}
	}
	s := New(st.Experiments, st.Analytics, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for placement, want := range map[string]float64{"home": 7000, "cart": 350, "footer": stats.DefaultNStar} {
		name := "on " + placement
		e, err := s.Create(ctx, tenant.ID, recom.ExperimentInput{Name: &name, Placement: &placement,
			ControlStrategy: ptr("collaborative"), VariantStrategy: ptr("trending")})
		if err != nil {
			t.Fatal(err)
		}
		e.StartedAt = &start
		if got := s.expectedSample(ctx, e); got != want {
			t.Errorf("N* of %s = %v, want %v", placement, got, want)
		}
	}
}

func ptr(s string) *string { return &s }
