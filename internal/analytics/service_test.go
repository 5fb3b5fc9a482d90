package analytics

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite/sqlitetest"
)

// TestSlowDayRests: a day whose rollup took long is not rolled up again until it has
// rested ten times as long; it stays stale meanwhile and is rolled up after.
func TestSlowDayRests(t *testing.T) {
	ctx := t.Context()
	db, tenant := sqlitetest.Shop(t)
	st := db.Stores()
	impress := func(user string) {
		e := recom.Event{TenantID: tenant.ID, Type: recom.RecommendationImpressed, UserID: user, ProductID: "p1",
			RecommendationID: "r1", Placement: "home", Timestamp: day.Add(time.Hour)}
		if _, err := st.Events.AppendEvents(ctx, []recom.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	s := New(st, refs, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tick := 300 * time.Millisecond // each reading of the clock moves it on: every rollup "takes" 300 ms
	s.now = func() time.Time { clock = clock.Add(tick); return clock }

	impress("u1")
	if n, err := s.Refresh(ctx); n != 1 || err != nil {
		t.Fatalf("first Refresh = %d, %v; want the day", n, err)
	}
	impress("u2")
	if n, err := s.Refresh(ctx); n != 0 || err != nil {
		t.Fatalf("Refresh while the slow day rests = %d, %v; want nothing", n, err)
	}
	clock = clock.Add(3 * time.Second) // 10 × 300 ms later
	if n, err := s.Refresh(ctx); n != 1 || err != nil {
		t.Fatalf("Refresh after the rest = %d, %v; want the day", n, err)
	}
	rows, err := st.Analytics.Daily(ctx, tenant.ID, day, day, recom.AnalyticsFilter{})
	if err != nil || len(rows) != 1 || rows[0].Impressions != 1 || rows[0].Users != 1 {
		t.Fatalf("rows %+v, %v; want one impression: both users saw the same (id, product)", rows, err)
	}
}

// TestPassStopsAtItsBudget: a pass of the job works through stale days until its
// budget is spent, then leaves the rest for the next pass; a day stale again waits for
// the next round; every day gets its turn.
func TestPassStopsAtItsBudget(t *testing.T) {
	ctx := t.Context()
	db, tenant := sqlitetest.Shop(t)
	st := db.Stores()
	impress := func(d time.Time) {
		e := recom.Event{TenantID: tenant.ID, Type: recom.RecommendationImpressed, UserID: recom.NewID(), ProductID: "p1",
			RecommendationID: "r1", Placement: "home", Timestamp: d.Add(time.Hour)}
		if _, err := st.Events.AppendEvents(ctx, []recom.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 { // three stale days
		impress(day.AddDate(0, 0, -i))
	}
	s := New(st, refs, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(time.Millisecond); return clock } // far under slowRollup
	pass := func(wantMore bool) {
		t.Helper()
		done, more, err := s.refresh(ctx, 1500*time.Microsecond) // spent by the first day
		if done != 1 || more != wantMore || err != nil {
			t.Fatalf("pass = %d days, more %v, %v; want 1 day, more %v", done, more, err, wantMore)
		}
	}
	pass(true)
	// The day just rolled up gets a new event: it waits for the next round, so a day
	// under steady traffic cannot keep the others waiting.
	var rolled recom.StaleDay
	for i := range 3 {
		d := day.AddDate(0, 0, -i)
		if stale, _ := st.Analytics.StaleDays(ctx, 10); !slices.ContainsFunc(stale, func(x recom.StaleDay) bool { return x.Day.Equal(d) }) {
			rolled = recom.StaleDay{TenantID: tenant.ID, Day: d}
		}
	}
	impress(rolled.Day)
	pass(true)
	pass(false) // the round ends: the re-stale day was skipped
	pass(false) // the next round takes it
	if n, err := s.Refresh(ctx); n != 0 || err != nil {
		t.Fatalf("Refresh after the passes = %d, %v; want nothing left", n, err)
	}
}
