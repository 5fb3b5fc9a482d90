package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/recomengine/recomengine/internal/recom"
)

// testEventDedupPerTenant: the dedup key is tenant, user, type, product and timestamp
// (FR-010); the same event in another tenant is new (FR-004).
func testEventDedupPerTenant(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	t1, t2 := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	ev := newEvent(t1.ID, "u1", "p1", recom.Purchase, t0)
	appendEvents(t, s, []recom.Event{ev}, true)
	appendEvents(t, s, []recom.Event{ev}, false)

	// Another value of any key field makes another event; other fields do not.
	other := func(change func(e *recom.Event)) recom.Event {
		e := ev
		change(&e)
		return e
	}
	appendEvents(t, s, []recom.Event{
		other(func(e *recom.Event) { e.TenantID = t2.ID }),
		other(func(e *recom.Event) { e.UserID = "u2" }),
		other(func(e *recom.Event) { e.Type = recom.AddToCart }),
		other(func(e *recom.Event) { e.ProductID = "p2" }),
		other(func(e *recom.Event) { e.Timestamp = t0.Add(time.Microsecond) }),
		other(func(e *recom.Event) {
			e.SessionID, e.OrderID, e.Metadata = "s9", "o9", json.RawMessage(`{"retry":true}`)
			e.ReceivedAt = t0.Add(time.Hour)
		}),
	}, true, true, true, true, true, false)
	if got := findEvents(t, s, t1.ID, recom.EventFilter{}); len(got) != 5 {
		t.Errorf("tenant 1 has %d events, want 5", len(got))
	}
	if got := findEvents(t, s, t2.ID, recom.EventFilter{}); len(got) != 1 {
		t.Errorf("tenant 2 has %d events, want 1", len(got))
	}
}

// testEventDuplicateInBatch: within one call the first occurrence of a key wins.
func testEventDuplicateInBatch(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	a, b := newEvent(tenant.ID, "u1", "p1", recom.ProductViewed, t0), newEvent(tenant.ID, "u1", "p2", recom.ProductViewed, t0)
	a.Metadata = json.RawMessage(`{"n":1}`)
	a2 := a
	a2.Metadata = json.RawMessage(`{"n":2}`)
	appendEvents(t, s, []recom.Event{a, b, a, a2}, true, true, false, false)
	got := findEvents(t, s, tenant.ID, recom.EventFilter{ProductID: "p1"})
	if len(got) != 1 || !jsonEqual(got[0].Metadata, a.Metadata) {
		t.Errorf("stored %d events for p1 (first metadata %s); want one, the first occurrence's %s",
			len(got), metadataOf(got), a.Metadata)
	}
	c := newEvent(tenant.ID, "u2", "p1", recom.ProductViewed, t0)
	appendEvents(t, s, []recom.Event{b, c, c}, false, true, false)
	if _, total, err := s.Events.FindEvents(t.Context(), tenant.ID, recom.EventFilter{}); err != nil || total != 3 {
		t.Errorf("FindEvents total = %d, %v; want 3", total, err)
	}
}

// testEventMixedTenants: one call carries the events of several tenants, each kept apart.
func testEventMixedTenants(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	t1, t2 := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := newEvent(t1.ID, "u1", "p1", recom.ProductViewed, t0)
	e1in2 := e1
	e1in2.TenantID = t2.ID
	e2 := newEvent(t2.ID, "u2", "p2", recom.AddToCart, t0.Add(time.Second))
	e3 := newEvent(t1.ID, "u3", "p3", recom.ProductClicked, t0.Add(2*time.Second))
	appendEvents(t, s, []recom.Event{e1, e1in2, e2, e3, e1, e2}, true, true, true, true, false, false)
	if diff := cmp.Diff([]recom.Event{e3, e1}, findEvents(t, s, t1.ID, recom.EventFilter{}), cmpEvents); diff != "" {
		t.Errorf("events of tenant 1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]recom.Event{e2, e1in2}, findEvents(t, s, t2.ID, recom.EventFilter{}), cmpEvents); diff != "" {
		t.Errorf("events of tenant 2 (-want +got):\n%s", diff)
	}
}

// testEventRoundTrip: every field reads back as written; absent ones stay absent.
func testEventRoundTrip(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	position, quantity, price := 3, 2, 19.99
	zero := 0
	full := recom.Event{TenantID: tenant.ID, Type: recom.RecommendationClicked, UserID: "user-ü-1",
		ProductID: "SKU-001/β", Timestamp: t0, SessionID: "sess-1", AnonymousID: "anon-1",
		RecommendationID: "rec-1", Placement: "product_page", Position: &position, OrderID: "order-1",
		Price: &price, Quantity: &quantity, Currency: "EUR",
		Metadata:   json.RawMessage(`{"b": [1, 2.5, "x"], "a": {"nested": true, "s": "ü\"q"}, "n": null}`),
		ReceivedAt: t0.Add(1500 * time.Millisecond)}
	bare := recom.Event{TenantID: tenant.ID, Type: recom.ProductViewed, UserID: "u2", ProductID: "p2",
		Timestamp: t0.Add(-time.Hour), ReceivedAt: t0}
	zeros := recom.Event{TenantID: tenant.ID, Type: recom.Purchase, UserID: "u3", ProductID: "p3",
		Timestamp: t0.Add(-2 * time.Hour), Position: &zero, Price: new(0.0), Quantity: &quantity,
		OrderID: "o3", Metadata: json.RawMessage(`{}`), ReceivedAt: t0}
	nullMetadata := recom.Event{TenantID: tenant.ID, Type: recom.ProductViewed, UserID: "u4", ProductID: "p4",
		Timestamp: t0.Add(-3 * time.Hour), Metadata: json.RawMessage(`null`), ReceivedAt: t0}
	appendEvents(t, s, []recom.Event{full, bare, zeros, nullMetadata}, true, true, true, true)
	got := findEvents(t, s, tenant.ID, recom.EventFilter{})
	if diff := cmp.Diff([]recom.Event{full, bare, zeros, nullMetadata}, got, cmpEvents); diff != "" {
		t.Errorf("FindEvents (-want +got):\n%s", diff)
	}
	for _, e := range got {
		wantUTC(t, "event Timestamp", e.Timestamp)
		wantUTC(t, "event ReceivedAt", e.ReceivedAt)
	}
	if len(got) == 4 && got[1].Metadata != nil {
		t.Errorf("absent metadata read back as %s, want nil", got[1].Metadata)
	}
}

// testEventMetadataKept: metadata is kept byte for byte, including JSON that some
// databases' JSON types refuse ("\u0000", a lone surrogate, a number beyond float64), so
// such an event cannot fail the batch it came in. Invalid UTF-8, which Go's json.Valid
// lets through inside strings, becomes U+FFFD.
func testEventMetadataKept(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	metadata := []string{
		`{"nul":"a\u0000b","lone":"\ud800","big":1e400,"tiny":1e-400,"long":123456789012345678901234567890}`,
		`{ "spaced" : [ 1 , 2 ] ,"dup":1,"dup":2 }`,
		"{\"bad\":\"\xff\xfe\"}",
	}
	var events []recom.Event
	for i, m := range metadata {
		e := newEvent(tenant.ID, fmt.Sprint("u", i), "p1", recom.ProductViewed, t0.Add(-time.Duration(i)*time.Second))
		e.Metadata = json.RawMessage(m)
		events = append(events, e)
	}
	events = append(events, newEvent(tenant.ID, "plain", "p1", recom.ProductViewed, t0.Add(-time.Hour)))
	appendEvents(t, s, events, true, true, true, true)
	got := findEvents(t, s, tenant.ID, recom.EventFilter{})
	if len(got) != 4 {
		t.Fatalf("FindEvents = %d events, want 4", len(got))
	}
	want := append(metadata[:2:2], "{\"bad\":\"\uFFFD\"}") // one U+FFFD for the run of bad bytes
	for i, w := range want {
		if string(got[i].Metadata) != w {
			t.Errorf("metadata #%d = %s, want %s", i, got[i].Metadata, w)
		}
	}
}

// testEventTimes: zero times are filled in, and times keep microseconds, truncated.
func testEventTimes(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	before := recom.Now()
	appendEvents(t, s, []recom.Event{{TenantID: tenant.ID, Type: recom.ProductViewed, UserID: "u1", ProductID: "p1"}}, true)
	after := recom.Now()
	got := findEvents(t, s, tenant.ID, recom.EventFilter{})
	if len(got) != 1 || got[0].ReceivedAt.Before(before) || got[0].ReceivedAt.After(after) ||
		!got[0].Timestamp.Equal(got[0].ReceivedAt) {
		t.Fatalf("event without times = %+v; want ReceivedAt between %v and %v, Timestamp equal", got, before, after)
	}

	// Nanoseconds are cut, not rounded: t0+999ns is the same event as t0 (FR-010).
	ev := newEvent(tenant.ID, "u2", "p2", recom.ProductViewed, t0)
	ev.Timestamp = t0.Add(999 * time.Nanosecond).In(time.FixedZone("CET", 3600))
	appendEvents(t, s, []recom.Event{ev}, true)
	ev.Timestamp = t0
	appendEvents(t, s, []recom.Event{ev}, false)
	if got := findEvents(t, s, tenant.ID, recom.EventFilter{UserID: "u2"}); len(got) != 1 || !got[0].Timestamp.Equal(t0) {
		t.Errorf("event at t0+999ns in CET read back as %+v; want one at %v", got, t0)
	}
}

// testEventFind: filters, newest first, pagination with the total, tenant isolation.
func testEventFind(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := newEvent(tenant.ID, "u1", "p1", recom.ProductViewed, t0)
	e2 := newEvent(tenant.ID, "u1", "p2", recom.ProductViewed, t0.Add(time.Minute))
	e3 := newEvent(tenant.ID, "u2", "p1", recom.AddToCart, t0.Add(2*time.Minute))
	e4 := newEvent(tenant.ID, "u1", "p1", recom.Purchase, t0.Add(3*time.Minute))
	e5 := newEvent(tenant.ID, "u2", "p2", recom.ProductViewed, t0.Add(4*time.Minute))
	theirs := newEvent(other.ID, "u1", "p1", recom.ProductViewed, t0.Add(time.Hour))
	appendEvents(t, s, []recom.Event{e3, e1, theirs, e5, e4, e2}, true, true, true, true, true, true)
	// Same time as e3, stored later: comes first among equals.
	e6 := newEvent(tenant.ID, "u1", "p2", recom.AddToCart, t0.Add(2*time.Minute))
	appendEvents(t, s, []recom.Event{e6}, true)

	tests := []struct {
		name      string
		filter    recom.EventFilter
		want      []recom.Event
		wantTotal int
	}{
		{"all", recom.EventFilter{}, []recom.Event{e5, e4, e6, e3, e2, e1}, 6},
		{"type", recom.EventFilter{Type: recom.ProductViewed}, []recom.Event{e5, e2, e1}, 3},
		{"user", recom.EventFilter{UserID: "u1"}, []recom.Event{e4, e6, e2, e1}, 4},
		{"product", recom.EventFilter{ProductID: "p1"}, []recom.Event{e4, e3, e1}, 3},
		{"user and product", recom.EventFilter{UserID: "u1", ProductID: "p1"}, []recom.Event{e4, e1}, 2},
		{"all three", recom.EventFilter{Type: recom.ProductViewed, UserID: "u1", ProductID: "p2"}, []recom.Event{e2}, 1},
		{"no match", recom.EventFilter{Type: recom.RemoveFromCart}, []recom.Event{}, 0},
		{"unknown user", recom.EventFilter{UserID: "nobody"}, []recom.Event{}, 0},
		{"page", recom.EventFilter{Page: recom.Page{Limit: 2, Offset: 1}}, []recom.Event{e4, e6}, 6},
		{"first page", recom.EventFilter{Page: recom.Page{Limit: 2}}, []recom.Event{e5, e4}, 6},
		{"filtered last page", recom.EventFilter{UserID: "u1", Page: recom.Page{Limit: 3, Offset: 3}}, []recom.Event{e1}, 4},
		{"past the end", recom.EventFilter{Page: recom.Page{Limit: 2, Offset: 6}}, []recom.Event{}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.Events.FindEvents(ctx, tenant.ID, tt.filter)
			if err != nil {
				t.Fatalf("FindEvents: %v", err)
			}
			if got == nil {
				t.Error("FindEvents returned a nil slice; want an empty one (JSON [])")
			}
			if diff := cmp.Diff(tt.want, got, cmpEvents); diff != "" || total != tt.wantTotal {
				t.Errorf("FindEvents total = %d, want %d; events (-want +got):\n%s", total, tt.wantTotal, diff)
			}
		})
	}
	got, total, err := s.Events.FindEvents(ctx, other.ID, recom.EventFilter{UserID: "u1"})
	if err != nil || total != 1 || !cmp.Equal([]recom.Event{theirs}, got, cmpEvents) {
		t.Errorf("FindEvents of the other tenant = %d events (total %d), %v; want only its own", len(got), total, err)
	}
	for _, id := range []string{recom.NewID(), strings.ToUpper(other.ID), "not-a-uuid"} {
		if got, total, err := s.Events.FindEvents(ctx, id, recom.EventFilter{}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("FindEvents of unknown tenant %q = %d events (total %d), %v; want none", id, len(got), total, err)
		}
	}
}

// testEventLargeBatch: one call of 5,000 events over 5 tenants, a tenth of them repeats,
// as the ingest flusher writes under load.
func testEventLargeBatch(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenants := make([]recom.Tenant, 5)
	for i := range tenants {
		tenants[i] = newTenant(t, s, owner.ID, t0)
	}
	const n = 5000
	events, want := make([]recom.Event, n), make([]bool, n)
	types := recom.EventTypes
	for i := range n {
		if i%10 == 9 {
			events[i], want[i] = events[i*7/10], false // an earlier event of this call
			continue
		}
		e := newEvent(tenants[i%len(tenants)].ID, fmt.Sprint("u", i%97), fmt.Sprint("p", i%89),
			types[i%len(types)], t0.Add(time.Duration(i)*time.Millisecond))
		if i%3 == 0 {
			e.Metadata = json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))
		}
		events[i], want[i] = e, true
	}
	appendEvents(t, s, events, want...)
	sum := 0
	for _, tenant := range tenants {
		_, total, err := s.Events.FindEvents(ctx, tenant.ID, recom.EventFilter{Page: recom.Page{Limit: 1}})
		if err != nil {
			t.Fatalf("FindEvents: %v", err)
		}
		sum += total
	}
	if sum != n*9/10 {
		t.Errorf("stored %d events, want %d", sum, n*9/10)
	}
	again, err := s.Events.AppendEvents(ctx, events)
	if err != nil {
		t.Fatalf("AppendEvents again: %v", err)
	}
	for i, isNew := range again {
		if isNew {
			t.Fatalf("AppendEvents again: event #%d is new; want every one a duplicate", i)
		}
	}
	got := findEvents(t, s, tenants[0].ID, recom.EventFilter{Page: recom.Page{Limit: 1}})
	if len(got) != 1 || !cmp.Equal(got[0], events[4995], cmpEvents) {
		t.Errorf("newest event of tenant 1 = %+v, want %+v", got, events[4995])
	}
}

// testEventUnknownTenant: an event of a tenant that does not exist fails the call, which
// then stores nothing.
func testEventUnknownTenant(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	known := newEvent(tenant.ID, "u1", "p1", recom.ProductViewed, t0)
	_, err := s.Events.AppendEvents(ctx, []recom.Event{known,
		newEvent(recom.NewID(), "u1", "p1", recom.ProductViewed, t0)})
	wantError(t, "AppendEvents with an unknown tenant", err, recom.CodeNotFound, "Tenant not found.")
	_, err = s.Events.AppendEvents(ctx, []recom.Event{known, newEvent(strings.ToUpper(tenant.ID), "u1", "p1", recom.ProductViewed, t0)})
	wantError(t, "AppendEvents with the tenant's ID in upper case", err, recom.CodeNotFound, "Tenant not found.")
	if got := findEvents(t, s, tenant.ID, recom.EventFilter{}); len(got) != 0 {
		t.Errorf("the failed call stored %d events, want none", len(got))
	}
	appendEvents(t, s, []recom.Event{known}, true)
}

func testEventEmpty(t *testing.T, s recom.Stores) {
	if isNew, err := s.Events.AppendEvents(t.Context(), nil); err != nil || len(isNew) != 0 {
		t.Errorf("AppendEvents of no events = %v, %v; want none", isNew, err)
	}
}

// testEventScan: the tenant's events from since on, oldest first, equal times in the order
// stored, every field as written; none of another tenant's (FR-004).
func testEventScan(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	position, price := 4, 9.5
	e1 := newEvent(tenant.ID, "u1", "p1", recom.ProductViewed, t0)
	e2 := newEvent(tenant.ID, "u2", "p1", recom.AddToCart, t0.Add(time.Minute))
	e3 := newEvent(tenant.ID, "u1", "p2", recom.RecommendationClicked, t0.Add(2*time.Minute))
	e3.RecommendationID, e3.Placement, e3.Position = "rec-1", "home", &position
	e3.Metadata = json.RawMessage(`{"ab":"b"}`)
	e4 := newEvent(tenant.ID, "u2", "p2", recom.Purchase, t0.Add(3*time.Minute))
	e4.OrderID, e4.Price, e4.Currency = "o1", &price, "EUR"
	before := newEvent(tenant.ID, "u3", "p3", recom.ProductViewed, t0.Add(-time.Microsecond))
	theirs := newEvent(other.ID, "u1", "p1", recom.ProductViewed, t0.Add(time.Minute))
	appendEvents(t, s, []recom.Event{e4, theirs, e2, before, e1}, true, true, true, true, true)
	// Same time as e2, stored later: comes after it.
	e5 := newEvent(tenant.ID, "u0", "p0", recom.ProductViewed, t0.Add(time.Minute))
	appendEvents(t, s, []recom.Event{e5}, true)
	appendEvents(t, s, []recom.Event{e3}, true)

	tests := []struct {
		name  string
		since time.Time
		want  []recom.Event
	}{
		{"from an event's time, inclusive", t0, []recom.Event{e1, e2, e5, e3, e4}},
		{"from the start", time.Time{}, []recom.Event{before, e1, e2, e5, e3, e4}},
		{"between events", t0.Add(time.Microsecond), []recom.Event{e2, e5, e3, e4}},
		{"in another zone", t0.Add(2 * time.Minute).In(time.FixedZone("CET", 3600)), []recom.Event{e3, e4}},
		{"after the last", t0.Add(time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, calls := scanEvents(t, s, tenant.ID, tt.since)
			if diff := cmp.Diff(tt.want, got, cmpEvents); diff != "" {
				t.Errorf("ScanEvents (-want +got):\n%s", diff)
			}
			if len(tt.want) == 0 && calls != 0 {
				t.Errorf("ScanEvents called fn %d times with no events; want none", calls)
			}
			for _, e := range got {
				wantUTC(t, "event Timestamp", e.Timestamp)
				wantUTC(t, "event ReceivedAt", e.ReceivedAt)
			}
		})
	}
	if got, _ := scanEvents(t, s, other.ID, time.Time{}); !cmp.Equal(got, []recom.Event{theirs}, cmpEvents) {
		t.Errorf("ScanEvents of the other tenant = %d events; want only its own", len(got))
	}
	if got, calls := scanEvents(t, s, recom.NewID(), time.Time{}); len(got) != 0 || calls != 0 {
		t.Errorf("ScanEvents of an unknown tenant = %d events in %d calls; want none", len(got), calls)
	}
}

// testEventScanChunks: a scan of more events than fit one chunk (a store hands a few
// thousand at a time) gets each event once, in order, over several calls, also where a
// chunk ends amid events of one time; fn's first error stops it.
func testEventScanChunks(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	const n, perTime = 7500, 1500 // 5 runs of 1,500 events at one time each
	var events, theirs []recom.Event
	for i := range n {
		at := t0.Add(time.Duration(i/perTime) * time.Second)
		events = append(events, newEvent(tenant.ID, fmt.Sprint("u", i%97), fmt.Sprint("p", i%89),
			recom.EventTypes[i%len(recom.EventTypes)], at))
		if i%4 == 0 { // interleaved with another tenant's events of the same times
			theirs = append(theirs, newEvent(other.ID, fmt.Sprint("u", i), "p1", recom.ProductViewed, at))
		}
	}
	for i := 0; i < n; i += 2500 {
		appendEvents(t, s, slices.Concat(events[i:i+2500], theirs[i/4:(i+2500)/4]), slices.Repeat([]bool{true}, 3125)...)
	}
	key := func(e recom.Event) string {
		return fmt.Sprint(e.TenantID, e.UserID, e.ProductID, e.Type, e.Timestamp.UnixMicro())
	}
	for _, tt := range []struct {
		name  string
		since time.Time
		want  []recom.Event
	}{
		{"all", t0, events},
		{"since the time of a run", t0.Add(time.Second), events[perTime:]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var got []recom.Event
			err := s.Events.ScanEvents(t.Context(), tenant.ID, tt.since, func(chunk []recom.Event) error {
				calls++
				if len(chunk) == 0 {
					t.Error("ScanEvents called fn with no events")
				}
				got = append(got, chunk...)
				return nil
			})
			if err != nil {
				t.Fatalf("ScanEvents: %v", err)
			}
			if calls < 2 {
				t.Errorf("ScanEvents called fn %d times for %d events; want chunks of a few thousand", calls, len(got))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ScanEvents read %d events, want %d", len(got), len(tt.want))
			}
			seen := map[string]bool{}
			for i, e := range got {
				if e.TenantID != tenant.ID {
					t.Fatalf("event #%d is of tenant %s", i, e.TenantID)
				}
				if i > 0 && e.Timestamp.Before(got[i-1].Timestamp) {
					t.Fatalf("event #%d at %v comes after one at %v", i, e.Timestamp, got[i-1].Timestamp)
				}
				if seen[key(e)] {
					t.Fatalf("event #%d read twice: %+v", i, e)
				}
				seen[key(e)] = true
			}
			for _, e := range tt.want {
				if !seen[key(e)] {
					t.Fatalf("event not read: %+v", e)
				}
			}
		})
	}

	// The first error of fn ends the scan and is returned as is.
	stop := errors.New("stop")
	calls := 0
	err := s.Events.ScanEvents(t.Context(), tenant.ID, t0, func([]recom.Event) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("ScanEvents with fn failing = %v after %d calls; want fn's error after 1", err, calls)
	}
}

// cmpEvents compares events with their metadata as JSON values: a store may keep JSON in
// a normal form (PostgreSQL's jsonb reorders keys and drops spaces). Absent metadata must
// stay absent.
var cmpEvents = cmp.Transformer("metadata", func(m json.RawMessage) any {
	if m == nil {
		return "<nil>"
	}
	var v any
	if err := json.Unmarshal(m, &v); err != nil {
		return "invalid JSON: " + string(m)
	}
	return v
})

func jsonEqual(a, b json.RawMessage) bool { return cmp.Equal(a, b, cmpEvents) }

func metadataOf(events []recom.Event) string {
	if len(events) == 0 {
		return "none"
	}
	return string(events[0].Metadata)
}

// newEvent returns an unsaved event of the tenant with the key fields given, received a
// second after it happened.
func newEvent(tenantID, userID, productID string, typ recom.EventType, at time.Time) recom.Event {
	return recom.Event{TenantID: tenantID, Type: typ, UserID: userID, ProductID: productID,
		Timestamp: at, SessionID: "s-" + userID, ReceivedAt: at.Add(time.Second)}
}

// appendEvents appends events and fails the test unless each event's new flag is as wanted.
func appendEvents(t *testing.T, s recom.Stores, events []recom.Event, wantNew ...bool) {
	t.Helper()
	isNew, err := s.Events.AppendEvents(t.Context(), events)
	if err != nil {
		t.Fatalf("AppendEvents: %v", err)
	}
	if diff := cmp.Diff(wantNew, isNew); diff != "" {
		t.Errorf("AppendEvents new flags (-want +got):\n%s", diff)
	}
}

// findEvents returns all of the tenant's events matching f.
func findEvents(t *testing.T, s recom.Stores, tenantID string, f recom.EventFilter) []recom.Event {
	t.Helper()
	got, _, err := s.Events.FindEvents(t.Context(), tenantID, f)
	if err != nil {
		t.Fatalf("FindEvents: %v", err)
	}
	return got
}

// scanEvents returns the tenant's events from since on, read by ScanEvents, and the
// number of calls of fn.
func scanEvents(t *testing.T, s recom.Stores, tenantID string, since time.Time) ([]recom.Event, int) {
	t.Helper()
	var got []recom.Event
	calls := 0
	err := s.Events.ScanEvents(t.Context(), tenantID, since, func(chunk []recom.Event) error {
		calls++
		got = append(got, chunk...)
		return nil
	})
	if err != nil {
		t.Fatalf("ScanEvents: %v", err)
	}
	return got, calls
}
