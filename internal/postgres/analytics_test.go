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

// TestStaleDaysWaitsForMarks: while a transaction that logged marks (as AppendEvents
// does, with its events) is running, StaleDays does not return, so a scan started after
// it sees those events. What it returns was read before that commit, and ReplaceDay of it
// clears only that: the marks of the transaction stay, for the next run.
func TestStaleDaysWaitsForMarks(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	s := open(t, url).Stores()
	tenant := newTenant(t, s)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	impression := recom.Event{TenantID: tenant.ID, Type: recom.RecommendationImpressed, UserID: "u1",
		ProductID: "p1", RecommendationID: "rec-1", Placement: "home", Timestamp: day.Add(time.Hour)}
	if _, err := s.Events.AppendEvents(ctx, []recom.Event{impression}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	before, err := s.Analytics.StaleDays(ctx, 10)
	if err != nil || len(before) != 1 {
		t.Fatalf("StaleDays = %v, %v; want one mark", before, err)
	}

	conn := connect(t, url)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	defer tx.Rollback(context.Background())
	// An AppendEvents in flight: its log rows (day re-marked, and a new day) are not
	// visible yet, its events not committed.
	for _, d := range []time.Time{day, day.AddDate(0, 0, 1)} {
		if _, err := tx.Exec(ctx, `INSERT INTO analytics_stale_log (tenant_id, day) VALUES ($1, $2)`, tenant.ID, d); err != nil {
			t.Fatalf("log mark: %v", err)
		}
	}

	type result struct {
		days []recom.StaleDay
		err  error
	}
	done := make(chan result, 1)
	go func() {
		days, err := s.Analytics.StaleDays(ctx, 10)
		done <- result{days, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("StaleDays returned %v, %v while the marking transaction was running; want it to wait", r.days, r.err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	select {
	case r := <-done:
		// It read before the commit: the first mark as it was. Rolling that up clears
		// only what it read, so the in-flight marks survive.
		if r.err != nil || len(r.days) != 1 || r.days[0] != before[0] {
			t.Errorf("StaleDays after the commit = %v, %v; want %v", r.days, r.err, before)
		}
		if err := s.Analytics.ReplaceDay(ctx, r.days[0], recom.DayRollup{}); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StaleDays did not return after the marking transaction committed")
	}
	if days, err := s.Analytics.StaleDays(ctx, 10); err != nil || len(days) != 2 || days[0].Version <= before[0].Version {
		t.Errorf("StaleDays later = %v, %v; want both days, the first with a newer version", days, err)
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
