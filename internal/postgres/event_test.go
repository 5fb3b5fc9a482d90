package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/postgres"
	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/recom"
)

// TestEventPartitions: Migrate makes this month's partition and the next two; running
// EnsureEventPartitions again, or on several nodes at once, is harmless; events land in
// the partition of their month.
func TestEventPartitions(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	db := open(t, url)
	conn := connect(t, url)
	now := time.Now().UTC()
	month := func(m int) time.Time {
		return time.Date(now.Year(), now.Month()+time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	}
	want := []string{"events_default", partitionName(month(0)), partitionName(month(1)), partitionName(month(2))}
	if got := partitions(t, conn); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("partitions after Migrate = %v, want %v", got, want)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = db.EnsureEventPartitions(ctx, now, 4) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent EnsureEventPartitions #%d: %v", i, err)
		}
	}
	want = append(want, partitionName(month(3)), partitionName(month(4)))
	if got := partitions(t, conn); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("partitions = %v, want %v", got, want)
	}

	s := db.Stores()
	tenant := newTenant(t, s)
	events := []recom.Event{
		event(tenant.ID, "u1", month(1).Add(-time.Microsecond)), // last instant of this month
		event(tenant.ID, "u2", month(1)),                        // first of the next
		event(tenant.ID, "u3", time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC)),
	}
	if _, err := s.Events.AppendEvents(ctx, events); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	wantIn := map[string]string{"u1": partitionName(month(0)), "u2": partitionName(month(1)), "u3": "events_default"}
	for user, table := range wantIn {
		if got := tableOf(t, conn, user); got != table {
			t.Errorf("event of %s is in %s, want %s", user, got, table)
		}
	}
}

// TestEventPartitionsMoveStrays: creating the partition of a month whose events wait in
// the default partition moves them in; they stay found and deduplicated.
func TestEventPartitionsMoveStrays(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	db := open(t, url)
	conn := connect(t, url)
	s := db.Stores()
	tenant := newTenant(t, s)
	later := recom.Now().AddDate(0, 8, 0) // beyond the partitions Migrate made
	ev := event(tenant.ID, "u1", later)
	if isNew, err := s.Events.AppendEvents(ctx, []recom.Event{ev}); err != nil || !isNew[0] {
		t.Fatalf("AppendEvents = %v, %v; want new", isNew, err)
	}
	if got := tableOf(t, conn, "u1"); got != "events_default" {
		t.Fatalf("event is in %s, want events_default", got)
	}
	if err := db.EnsureEventPartitions(ctx, time.Now(), 9); err != nil {
		t.Fatalf("EnsureEventPartitions: %v", err)
	}
	month := time.Date(later.Year(), later.Month(), 1, 0, 0, 0, 0, time.UTC)
	if got := tableOf(t, conn, "u1"); got != partitionName(month) {
		t.Errorf("event is in %s after EnsureEventPartitions, want %s", got, partitionName(month))
	}
	if isNew, err := s.Events.AppendEvents(ctx, []recom.Event{ev}); err != nil || isNew[0] {
		t.Errorf("AppendEvents of the moved event again = %v, %v; want a duplicate", isNew, err)
	}
	if got, total, err := s.Events.FindEvents(ctx, tenant.ID, recom.EventFilter{}); err != nil || total != 1 ||
		!got[0].Timestamp.Equal(ev.Timestamp) {
		t.Errorf("FindEvents = %v, %d, %v; want the moved event", got, total, err)
	}
	// A fresh event of that month goes straight to the new partition.
	if _, err := s.Events.AppendEvents(ctx, []recom.Event{event(tenant.ID, "u2", later)}); err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if got := tableOf(t, conn, "u2"); got != partitionName(month) {
		t.Errorf("new event is in %s, want %s", got, partitionName(month))
	}
}

// TestAppendEventsConcurrent: flushers racing with overlapping batches (two nodes, a
// client retrying on both) neither deadlock nor store an event twice, and exactly one of
// them reports each event new.
func TestAppendEventsConcurrent(t *testing.T) {
	ctx := t.Context()
	s := open(t, pgtest.NewDatabase(t)).Stores()
	tenant := newTenant(t, s)
	base := recom.Now().Add(-time.Hour)
	const n, flushers = 2000, 4
	events := make([]recom.Event, n)
	for i := range events {
		events[i] = event(tenant.ID, fmt.Sprint("u", i%37), base.Add(time.Duration(i)*time.Microsecond))
	}
	results := make([][]bool, flushers)
	errs := make([]error, flushers)
	var wg sync.WaitGroup
	mult := []int{1, 3, 7, 9} // coprime to n: each a permutation
	for f := range flushers {
		batch := make([]recom.Event, n)
		for i := range batch { // each flusher in another order
			batch[i] = events[(i*mult[f]+f*97)%n]
		}
		wg.Go(func() {
			isNew, err := s.Events.AppendEvents(ctx, batch)
			errs[f] = err
			results[f] = make([]bool, n)
			for i, ok := range isNew {
				results[f][(i*mult[f]+f*97)%n] = ok
			}
		})
	}
	wg.Wait()
	for f, err := range errs {
		if err != nil {
			t.Fatalf("AppendEvents of flusher %d: %v", f, err)
		}
	}
	for i := range n {
		count := 0
		for f := range flushers {
			if results[f][i] {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("event %d reported new by %d flushers, want 1", i, count)
		}
	}
	if _, total, err := s.Events.FindEvents(ctx, tenant.ID, recom.EventFilter{Page: recom.Page{Limit: 1}}); err != nil || total != n {
		t.Errorf("FindEvents total = %d, %v; want %d", total, err, n)
	}
}

// BenchmarkAppendEvents measures the ingest flusher's write: batches of 5,000 new events
// over 50 tenants, with a realistic mix of fields, into this month's partition. "serial"
// is one flusher; "parallel" runs GOMAXPROCS flushers at once (one per core, e.g. one
// per node on a shared database).
func BenchmarkAppendEvents(b *testing.B) {
	ctx := b.Context()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(b))
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatalf("Migrate: %v", err)
	}
	s := db.Stores()
	tenants := make([]string, 50)
	for i := range tenants {
		tenants[i] = newTenant(b, s).ID
	}
	const size = 5000
	newBatch := func() []recom.Event {
		events := make([]recom.Event, size)
		position, quantity, price := 2, 1, 24.99
		for i := range events {
			e := recom.Event{TenantID: tenants[i%len(tenants)], Type: recom.EventTypes[i%7],
				UserID: fmt.Sprintf("user-%06d", i*7919%100000), ProductID: fmt.Sprintf("sku-%05d", i*104729%20000),
				SessionID: fmt.Sprintf("sess-%08x", i*31), ReceivedAt: recom.Now()}
			switch e.Type {
			case recom.RecommendationClicked, recom.RecommendationImpressed:
				e.RecommendationID, e.Placement, e.Position = recom.NewID(), "product_page", &position
			case recom.Purchase:
				e.OrderID, e.Price, e.Quantity, e.Currency = fmt.Sprint("order-", i), &price, &quantity, "USD"
			}
			if i%4 == 0 {
				e.Metadata = json.RawMessage(`{"source":"web","ab":"b"}`)
			}
			events[i] = e
		}
		return events
	}
	// Each batch gets timestamps of its own, a microsecond apart and close to now, so
	// every event is new.
	base := recom.Now().Add(-time.Minute)
	var batches atomic.Int64
	appendBatch := func(b *testing.B, events []recom.Event) {
		n := batches.Add(1)
		for i := range events {
			events[i].Timestamp = base.Add(time.Duration(n*size+int64(i)) * time.Microsecond)
		}
		isNew, err := s.Events.AppendEvents(ctx, events)
		if err != nil {
			b.Errorf("AppendEvents: %v", err)
			return
		}
		if !isNew[0] || !isNew[size-1] {
			b.Errorf("AppendEvents reported new events as duplicates")
		}
	}
	b.Run("serial", func(b *testing.B) {
		events := newBatch()
		for b.Loop() {
			appendBatch(b, events)
		}
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("single", func(b *testing.B) { // a lone request's flush: the statement's own cost
		events := newBatch()[:1]
		for b.Loop() {
			n := batches.Add(1)
			events[0].Timestamp = base.Add(time.Duration(n*size) * time.Microsecond)
			if _, err := s.Events.AppendEvents(ctx, events); err != nil {
				b.Fatalf("AppendEvents: %v", err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			events := newBatch()
			for pb.Next() {
				appendBatch(b, events)
			}
		})
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkScanEvents measures a model build's read: ScanEvents over one tenant's 500,000
// events of the last 90 days (four monthly partitions), stored interleaved with as many
// events of 9 other tenants, as ingestion stores them. Setup takes a while; run with
// -benchtime=3x.
func BenchmarkScanEvents(b *testing.B) {
	ctx := b.Context()
	url := pgtest.NewDatabase(b)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatalf("Migrate: %v", err)
	}
	now := recom.Now()
	if err := db.EnsureEventPartitions(ctx, now.AddDate(0, 0, -90), 4); err != nil {
		b.Fatalf("EnsureEventPartitions: %v", err)
	}
	s := db.Stores()
	tenants := make([]string, 10)
	for i := range tenants {
		tenants[i] = newTenant(b, s).ID
	}
	const n, size = 1_000_000, 10_000 // half of them of tenants[0]
	start, step := now.AddDate(0, 0, -90), 90*24*time.Hour/n
	position, price := 2, 24.99
	events := make([]recom.Event, size)
	for j := 0; j < n; j += size {
		for i := range events {
			k := j + i
			tenant := tenants[0]
			if k%2 == 1 {
				tenant = tenants[1+k%9]
			}
			e := recom.Event{TenantID: tenant, Type: recom.EventTypes[k%7],
				UserID: fmt.Sprintf("user-%06d", k*7919%100000), ProductID: fmt.Sprintf("sku-%05d", k*104729%20000),
				SessionID: fmt.Sprintf("sess-%08x", k/10), Timestamp: start.Add(time.Duration(k) * step), ReceivedAt: now}
			switch e.Type {
			case recom.RecommendationClicked, recom.RecommendationImpressed:
				e.RecommendationID, e.Placement, e.Position = fmt.Sprint("rec-", k), "product_page", &position
			case recom.Purchase:
				e.OrderID, e.Price, e.Currency = fmt.Sprint("order-", k), &price, "USD"
			}
			if k%4 == 0 {
				e.Metadata = json.RawMessage(`{"source":"web","ab":"b"}`)
			}
			events[i] = e
		}
		if _, err := s.Events.AppendEvents(ctx, events); err != nil {
			b.Fatalf("AppendEvents: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE events`); err != nil { // as autovacuum would
		b.Fatalf("VACUUM ANALYZE: %v", err)
	}
	for b.Loop() {
		read := 0
		err := s.Events.ScanEvents(ctx, tenants[0], time.Time{}, func(chunk []recom.Event) error {
			read += len(chunk)
			return nil
		})
		if err != nil || read != n/2 {
			b.Fatalf("ScanEvents read %d events, %v; want %d", read, err, n/2)
		}
	}
	b.ReportMetric(float64(b.N*n/2)/b.Elapsed().Seconds(), "events/s")
}

func partitionName(month time.Time) string {
	return fmt.Sprintf("events_y%04dm%02d", month.Year(), int(month.Month()))
}

// partitions returns the partitions of events, sorted by name.
func partitions(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT c.relname::text FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1`)
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	return names
}

// tableOf returns the partition holding the event of the user.
func tableOf(t *testing.T, conn *pgx.Conn, userID string) string {
	t.Helper()
	var table string
	err := conn.QueryRow(t.Context(), `SELECT tableoid::regclass::text FROM events WHERE user_id = $1`,
		userID).Scan(&table)
	if err != nil {
		t.Fatalf("partition of %s's event: %v", userID, err)
	}
	return table
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func newTenant(t testing.TB, s recom.Stores) recom.Tenant {
	t.Helper()
	admin, err := s.Admins.CreateAdmin(t.Context(), recom.Admin{Email: recom.NewID() + "@example.com",
		PasswordHash: "x", Role: recom.RoleAdmin})
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	tenant, err := recom.NewTenant(admin.ID, "Shop")
	if err != nil {
		t.Fatalf("NewTenant: %v", err)
	}
	if tenant, err = s.Tenants.CreateTenant(t.Context(), tenant); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return tenant
}

func event(tenantID, userID string, at time.Time) recom.Event {
	return recom.Event{TenantID: tenantID, Type: recom.ProductViewed, UserID: userID, ProductID: "p1",
		Timestamp: at, ReceivedAt: recom.Now()}
}

// TestAppendEventsPlansOnce: the ingest flush's statement is planned once, not at every
// call (Open says why), while other queries keep PostgreSQL's choice.
func TestAppendEventsPlansOnce(t *testing.T) {
	ctx := t.Context()
	db := open(t, pgtest.NewDatabase(t))
	s := db.Stores()
	tenant := newTenant(t, s)
	for i := range 8 { // one call at a time, so all on one connection of the pool
		e := recom.Event{TenantID: tenant.ID, Type: recom.ProductViewed, UserID: "u", ProductID: fmt.Sprint("p", i)}
		if isNew, err := s.Events.AppendEvents(ctx, []recom.Event{e}); err != nil || !isNew[0] {
			t.Fatalf("AppendEvents #%d: %v, %v", i, isNew, err)
		}
	}
	generic, custom, err := db.IngestPlans(ctx)
	if err != nil {
		t.Fatalf("IngestPlans: %v", err)
	}
	if generic != 8 || custom != 0 {
		t.Errorf("the flush statement took %d generic and %d custom plans in 8 calls, want 8 generic", generic, custom)
	}
	if mode, err := db.PlanCacheMode(ctx); err != nil || mode != "auto" {
		t.Errorf("other queries plan with plan_cache_mode %q (%v); want PostgreSQL's choice, auto", mode, err)
	}
}

// TestAppendEventsInEveryExecMode: the flush reads the keys it inserted whether they
// come back binary (prepared statements, pgx's default) or as text (default_query_exec_mode
// exec, which poolers in transaction mode need), and optional fields left empty are
// stored as NULL while those given round-trip.
func TestAppendEventsInEveryExecMode(t *testing.T) {
	inEveryExecMode(t, func(t *testing.T, _ string, db *postgres.DB, tenant recom.Tenant) {
		ctx, s := t.Context(), db.Stores()
		at := recom.Now().Add(-time.Minute)
		price, position, quantity := 12.5, 3, 2
		full := recom.Event{TenantID: tenant.ID, Type: recom.Purchase, UserID: "u1", ProductID: "p1", Timestamp: at,
			SessionID: "s1", OrderID: "o1", Price: &price, Quantity: &quantity, Currency: "EUR",
			Metadata: json.RawMessage(`{"coupon":"X"}`)}
		click := recom.Event{TenantID: tenant.ID, Type: recom.RecommendationClicked, UserID: "u1", ProductID: "p2",
			Timestamp: at.Add(time.Microsecond), RecommendationID: "r1", Placement: "home", Position: &position}
		bare := event(tenant.ID, "u2", at)
		isNew, err := s.Events.AppendEvents(ctx, []recom.Event{full, click, bare, bare})
		if err != nil || !slices.Equal(isNew, []bool{true, true, true, false}) {
			t.Fatalf("AppendEvents = %v, %v; want [true true true false]", isNew, err)
		}
		isNew, err = s.Events.AppendEvents(ctx, []recom.Event{event(tenant.ID, "u3", at), click})
		if err != nil || !slices.Equal(isNew, []bool{true, false}) {
			t.Fatalf("AppendEvents again = %v, %v; want [true false]", isNew, err)
		}
		got, _, err := s.Events.FindEvents(ctx, tenant.ID, recom.EventFilter{UserID: "u1"})
		if err != nil || len(got) != 2 {
			t.Fatalf("FindEvents(u1) = %d events, %v", len(got), err)
		}
		p, c := got[1], got[0] // newest first
		if p.SessionID != "s1" || p.OrderID != "o1" || p.Price == nil || *p.Price != 12.5 || p.Quantity == nil ||
			*p.Quantity != 2 || p.Currency != "EUR" || string(p.Metadata) != `{"coupon":"X"}` || p.Position != nil {
			t.Errorf("the purchase came back as %+v", p)
		}
		if c.RecommendationID != "r1" || c.Placement != "home" || c.Position == nil || *c.Position != 3 ||
			c.Price != nil || c.Quantity != nil || c.SessionID != "" || c.Metadata != nil {
			t.Errorf("the click came back as %+v", c)
		}
		nulls, err := db.CountEvents(ctx, `session_id IS NULL AND order_id IS NULL AND currency IS NULL
				AND metadata IS NULL AND price IS NULL`)
		if err != nil || nulls != 3 {
			t.Errorf("%d events with their optional fields NULL (%v); want 3: the click and the two bare views", nulls, err)
		}
	})
}

// TestAppendEventsExpectsNewEvents: flushes of new events skip ON CONFLICT; a flush that
// meets a stored duplicate is written again with it, and so are the flushes of the next
// seconds, as its client may be retrying more.
func TestAppendEventsExpectsNewEvents(t *testing.T) {
	ctx := t.Context()
	db := open(t, pgtest.NewDatabase(t))
	s := db.Stores()
	tenant := newTenant(t, s)
	at := recom.Now().Add(-time.Minute)
	step := func(want []bool, users ...string) {
		t.Helper()
		batch := make([]recom.Event, len(users))
		for i, u := range users {
			batch[i] = event(tenant.ID, u, at)
		}
		if isNew, err := s.Events.AppendEvents(ctx, batch); err != nil || !slices.Equal(isNew, want) {
			t.Fatalf("AppendEvents(%v) = %v, %v; want %v", users, isNew, err, want)
		}
	}
	calls := func(wantNew, wantConflict int64) {
		t.Helper()
		newOnly, onConflict, err := db.FlushCalls(ctx)
		if err != nil || newOnly != wantNew || onConflict != wantConflict {
			t.Fatalf("flush statements ran %d times without ON CONFLICT, %d with (%v); want %d and %d",
				newOnly, onConflict, err, wantNew, wantConflict)
		}
	}
	step([]bool{true, true}, "a", "b")
	step([]bool{true}, "c")
	calls(2, 0)
	// a is stored: the first try fails whole (and pgx drops the failed statement, so its
	// count starts again), the second skips a.
	step([]bool{true, false, true}, "d", "a", "e")
	calls(0, 1)
	step([]bool{true}, "f") // within duplicateQuiet of the duplicate
	calls(0, 2)
	defer postgres.SetDuplicateQuiet(0)()
	step([]bool{true}, "g")
	calls(1, 2)
	if _, total, err := s.Events.FindEvents(ctx, tenant.ID, recom.EventFilter{}); err != nil || total != 7 {
		t.Errorf("%d events stored (%v), want 7: a to g once each", total, err)
	}
}

// TestAppendEventsReturnsOtherErrors: a flush of new events that fails for any reason
// but a stored duplicate reports the error and is not run again, since the first run may
// have committed (a connection lost after the commit) and a second would then answer
// its events as duplicates. Here a trigger fails the first insert only.
func TestAppendEventsReturnsOtherErrors(t *testing.T) {
	ctx := t.Context()
	db := open(t, pgtest.NewDatabase(t))
	s := db.Stores()
	tenant := newTenant(t, s)
	if err := db.Exec(ctx, `CREATE SEQUENCE inserts;
		CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF nextval('inserts') = 1 THEN RAISE EXCEPTION 'injected failure'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER fail_first BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_first()`); err != nil {
		t.Fatal(err)
	}
	batch := []recom.Event{event(tenant.ID, "u1", recom.Now().Add(-time.Minute)), event(tenant.ID, "u2", recom.Now().Add(-time.Minute))}
	if isNew, err := s.Events.AppendEvents(ctx, batch); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("AppendEvents = %v, %v; want the injected failure", isNew, err)
	}
	if isNew, err := s.Events.AppendEvents(ctx, batch); err != nil || !slices.Equal(isNew, []bool{true, true}) {
		t.Fatalf("AppendEvents again = %v, %v; want both new: the failed call stored nothing", isNew, err)
	}
}

// TestAppendEventsLargeFlush: flushes large enough for execLarge (thousands of events)
// store every event with its fields, one after another on the buffers the first left
// (with prepared statements; in exec mode they go through pgx's Exec), and a large flush
// that meets stored duplicates answers them.
func TestAppendEventsLargeFlush(t *testing.T) {
	inEveryExecMode(t, func(t *testing.T, mode string, db *postgres.DB, tenant recom.Tenant) {
		ctx, s := t.Context(), db.Stores()
		for round := range 3 {
			isNew, err := s.Events.AppendEvents(ctx, largeBatch(tenant.ID, round*3000, 3000))
			if err != nil || len(isNew) != 3000 || slices.Contains(isNew, false) {
				t.Fatalf("round %d: AppendEvents of 3,000 new events: %d answers, %d new, %v",
					round, len(isNew), countTrue(isNew), err)
			}
		}
		if kept, want := db.KeptBuffers(), map[string]int{"cache_statement": 2, "exec": 0}[mode]; kept != want {
			t.Errorf("%d buffers kept for the next large flush, want %d", kept, want)
		}
		// 2,000 stored again and 1,000 new.
		isNew, err := s.Events.AppendEvents(ctx, largeBatch(tenant.ID, 7000, 3000))
		if err != nil || countTrue(isNew) != 1000 || slices.Contains(isNew[:2000], true) {
			t.Fatalf("AppendEvents over stored events: %d new, %v; want the last 1,000", countTrue(isNew), err)
		}
		for cond, want := range map[string]int{
			"true": 10_000,
			"event_type = 'purchase' AND price = 12.5 AND quantity = 2 AND currency = 'EUR' AND order_id = 'o-' || substr(user_id, 6)::int":    3333,
			"event_type = 'recommendation_clicked' AND position = 4 AND placement = 'home' AND metadata->>'k' = substr(user_id, 6)::int::text": 3333,
			"event_type = 'product_viewed' AND price IS NULL AND metadata IS NULL AND order_id IS NULL":                                        3334,
			"product_id = 'sku-' || (substr(user_id, 6)::int % 300)":                                                                           10_000,
		} {
			if n, err := db.CountEvents(ctx, cond); err != nil || n != want {
				t.Errorf("%d events where %s (%v), want %d", n, cond, err, want)
			}
		}
	})
}

// TestAppendEventsLargeFlushCancelled: a large flush whose context ends while the
// database holds it fails, and leaves no buffer in use: the next large flushes, three at
// once, store all theirs. (Under -race it also checks that nothing writes to a
// connection pgx is closing.)
func TestAppendEventsLargeFlushCancelled(t *testing.T) {
	ctx := t.Context()
	url := pgtest.NewDatabase(t)
	db := open(t, url)
	s := db.Stores()
	tenant := newTenant(t, s)
	for round := range 2 { // the statement prepared, so the lock holds its execution
		if _, err := s.Events.AppendEvents(ctx, largeBatch(tenant.ID, round*3000, 3000)); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
	}
	lock := connect(t, url)
	tx, err := lock.Begin(ctx)
	if err == nil {
		_, err = tx.Exec(ctx, "LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE")
	}
	if err != nil {
		t.Fatalf("lock tenants: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s.Events.AppendEvents(short, largeBatch(tenant.ID, 6000, 3000))
	cancel()
	if err == nil {
		t.Fatal("a flush held by a lock past its context's end succeeded")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			isNew, err := s.Events.AppendEvents(ctx, largeBatch(tenant.ID, 9000+i*3000, 3000))
			if err != nil || countTrue(isNew) != 3000 {
				t.Errorf("AppendEvents #%d after the cancelled one: %d of 3,000 new, %v", i, countTrue(isNew), err)
			}
		})
	}
	wg.Wait()
}

// largeBatch returns n events of one tenant, user-<k> for k from from, new for every k:
// a third purchases, a third recommendation clicks with metadata, a third bare views.
func largeBatch(tenantID string, from, n int) []recom.Event {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	price, quantity, position := 12.5, 2, 4
	events := make([]recom.Event, n)
	for i := range events {
		k := from + i
		e := recom.Event{TenantID: tenantID, Type: recom.ProductViewed, UserID: fmt.Sprintf("user-%05d", k),
			ProductID: fmt.Sprintf("sku-%d", k%300), Timestamp: at.Add(time.Duration(k) * time.Microsecond)}
		switch k % 3 {
		case 1:
			e.Type, e.OrderID, e.Price, e.Quantity, e.Currency = recom.Purchase, fmt.Sprint("o-", k), &price, &quantity, "EUR"
		case 2:
			e.Type, e.RecommendationID, e.Placement, e.Position = recom.RecommendationClicked, fmt.Sprint("r-", k), "home", &position
			e.Metadata = json.RawMessage(fmt.Sprintf(`{"k":%d}`, k))
		}
		events[i] = e
	}
	return events
}

// inEveryExecMode runs test on a fresh database with a tenant, through a DB whose
// connections use each of pgx's exec modes: prepared statements (the default), and
// exec, which poolers in transaction mode need.
func inEveryExecMode(t *testing.T, test func(t *testing.T, mode string, db *postgres.DB, tenant recom.Tenant)) {
	for _, mode := range []string{"cache_statement", "exec"} {
		t.Run(mode, func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			tenant := newTenant(t, open(t, url).Stores())
			test(t, mode, open(t, url+"&default_query_exec_mode="+mode), tenant)
		})
	}
}

func countTrue(bs []bool) (n int) {
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
