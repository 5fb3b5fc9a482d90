package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/recom"
)

// TestStaleDaysKeepsMarksOfRunningTransactions: a flush still running when StaleDays
// reads (its events invisible to the rollup's scan) keeps its mark through ReplaceDay,
// even when a later flush of the same day committed first with a later log row: the
// day is listed again once it commits, so its events reach a rollup.
func TestStaleDaysKeepsMarksOfRunningTransactions(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	s := open(t, url).Stores()
	tenant := newTenant(t, s)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	impression := func(user string) recom.Event {
		return recom.Event{TenantID: tenant.ID, Type: recom.RecommendationImpressed, UserID: user,
			ProductID: "p1", RecommendationID: "rec-1", Placement: "home", Timestamp: day.Add(time.Hour)}
	}
	if _, err := s.Events.AppendEvents(ctx, []recom.Event{impression("u1")}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}

	// A flush in flight: its log row written, not committed.
	conn := connect(t, url)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `INSERT INTO analytics_stale_log (tenant_id, day) VALUES ($1, $2)`, tenant.ID, day); err != nil {
		t.Fatalf("log mark: %v", err)
	}
	// A later flush of the same day commits first.
	if _, err := s.Events.AppendEvents(ctx, []recom.Event{impression("u3")}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}

	days, err := s.Analytics.StaleDays(ctx, 10)
	if err != nil || len(days) != 1 {
		t.Fatalf("StaleDays = %v, %v; want the day, at once", days, err)
	}
	if err := s.Analytics.ReplaceDay(ctx, days[0], recom.DayRollup{}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	again, err := s.Analytics.StaleDays(ctx, 10)
	if err != nil || len(again) != 1 || !again[0].Day.Equal(day) {
		t.Errorf("StaleDays after the in-flight flush committed = %v, %v; want the day again", again, err)
	}
}

// TestAppendEventsConcurrentMarks: flushers racing with overlapping batches of analytic
// events, whose marks overlap across tenants and days, neither deadlock nor fail on a
// mark upserted twice, and leave a mark on every day.
func TestAppendEventsConcurrentMarks(t *testing.T) {
	ctx := t.Context()
	s := open(t, pgtest.NewDatabase(t)).Stores()
	tenants := []recom.Tenant{newTenant(t, s), newTenant(t, s), newTenant(t, s)}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const n, flushers, days = 1500, 4, 10
	types := recom.AnalyticEvents
	events := make([]recom.Event, n)
	for i := range events {
		e := recom.Event{TenantID: tenants[i%len(tenants)].ID, Type: types[i/len(tenants)%len(types)],
			UserID: fmt.Sprint("u", i%37), ProductID: fmt.Sprint("p", i%11),
			Timestamp: start.Add(time.Duration(i) * days * 24 * time.Hour / n)}
		if e.Type == recom.Purchase {
			e.OrderID = fmt.Sprint("o", i)
		} else {
			e.RecommendationID, e.Placement = fmt.Sprint("rec-", i), "home"
		}
		events[i] = e
	}
	var wg sync.WaitGroup
	errs := make([]error, flushers)
	mult := []int{1, 7, 11, 13} // coprime to n: each a permutation
	for f := range flushers {
		wg.Go(func() {
			// Each flusher writes its events in several calls, so marks are re-upserted.
			batch := make([]recom.Event, n)
			for i := range batch {
				batch[i] = events[(i*mult[f]+f*97)%n]
			}
			for i := 0; i < n && errs[f] == nil; i += 300 {
				_, errs[f] = s.Events.AppendEvents(ctx, batch[i:i+300])
			}
		})
	}
	wg.Wait()
	for f, err := range errs {
		if err != nil {
			t.Fatalf("AppendEvents of flusher %d: %v", f, err)
		}
	}
	marks, err := s.Analytics.StaleDays(ctx, 0)
	if err != nil {
		t.Fatalf("StaleDays: %v", err)
	}
	want := map[string]bool{}
	for _, e := range events {
		for d := recom.Day(e.Timestamp); !d.After(recom.Day(e.Timestamp.Add(30 * time.Minute))); d = d.AddDate(0, 0, 1) {
			if d.Equal(recom.Day(e.Timestamp)) || e.Type == recom.RecommendationClicked {
				want[e.TenantID+d.Format(time.DateOnly)] = true
			}
		}
	}
	got := map[string]bool{}
	for _, m := range marks {
		got[m.TenantID+m.Day.Format(time.DateOnly)] = true
	}
	if len(got) != len(marks) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("StaleDays = %d marks %v, want %v", len(marks), got, want)
	}
}
