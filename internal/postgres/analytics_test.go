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

// TestStaleDaysWaitsForMarks: StaleDays does not return a mark while a transaction that
// upserted it (as AppendEvents does, with its events) is running, so a scan started after
// it returns sees those events; it then returns the mark's newest version. A mark that
// such a transaction inserted is not listed, nor waited for: a later call lists it.
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
	const upsert = `INSERT INTO analytics_stale (tenant_id, day, version) VALUES ($1, $2, 1)
		ON CONFLICT (tenant_id, day) DO UPDATE SET version = analytics_stale.version + 1`
	for _, d := range []time.Time{day, day.AddDate(0, 0, 1)} { // re-marked, and new
		if _, err := tx.Exec(ctx, upsert, tenant.ID, d); err != nil {
			t.Fatalf("upsert mark: %v", err)
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
		want := []recom.StaleDay{{TenantID: tenant.ID, Day: day, Version: before[0].Version + 1}}
		if r.err != nil || len(r.days) != 1 || r.days[0] != want[0] {
			t.Errorf("StaleDays after the commit = %v, %v; want %v", r.days, r.err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StaleDays did not return after the marking transaction committed")
	}
	if days, err := s.Analytics.StaleDays(ctx, 10); err != nil || len(days) != 2 {
		t.Errorf("StaleDays later = %v, %v; want both marks", days, err)
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
