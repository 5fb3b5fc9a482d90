package cachetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// t0 is the suite's "now": events are placed relative to it, and Trending is asked at it.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// RunActivity runs the recom.Activity behaviour suite. open is called once per subtest
// and must return an Activity with no state (or one whose tenants cannot collide with
// other subtests').
func RunActivity(t *testing.T, open func(t *testing.T) recom.Activity) {
	ctx := context.Background()

	t.Run("UnknownIsEmpty", func(t *testing.T) {
		a := open(t)
		if err := a.Record(ctx, nil); err != nil {
			t.Fatalf("Record(nil): %v", err)
		}
		evs, seq, err := a.RecentEvents(ctx, "t1", "nobody", 10)
		if len(evs) != 0 || seq != 0 || err != nil {
			t.Fatalf("RecentEvents(unknown user) = %d events, seq %d, %v; want none, 0, nil", len(evs), seq, err)
		}
		if top, err := a.Trending(ctx, "t1", 10, t0); len(top) != 0 || err != nil {
			t.Fatalf("Trending(unknown tenant) = %v, %v; want none, nil", top, err)
		}
	})

	t.Run("RecentNewestFirstAndCapped", func(t *testing.T) {
		a := open(t)
		mustRecord(t, a, views("t1", "u1", 0, 60)...)
		wantRecent(t, a, "t1", "u1", 100, 59, 10) // capped at MaxRecentEvents
		wantRecent(t, a, "t1", "u1", 5, 59, 55)
		wantRecent(t, a, "t1", "u1", 0, -1, 0) // none, but the version
		if v := version(t, a, "t1", "u1"); v == 0 {
			t.Error("a user with events has version 0")
		}
	})

	t.Run("OutOfOrderArrival", func(t *testing.T) {
		a := open(t)
		evs := views("t1", "u1", 0, 60)
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		for i, size := 0, 1; i < len(evs); i, size = i+size, size+2 { // batches of 1, 3, 5, …
			mustRecord(t, a, evs[i:min(i+size, len(evs))]...)
		}
		wantRecent(t, a, "t1", "u1", 100, 59, 10)

		// Full: an event older than every one kept is dropped.
		mustRecord(t, a, views("t1", "u1", 3, 4)...)
		wantRecent(t, a, "t1", "u1", 100, 59, 10)
		// One between the kept ones pushes the oldest out; received after p30, it ranks
		// as newer.
		mid := views("t1", "u1", 30, 31)
		mid[0].ProductID = "mid"
		mid[0].ReceivedAt = mid[0].ReceivedAt.Add(time.Second)
		mustRecord(t, a, mid...)
		got, _ := recent(t, a, "t1", "u1", 100)
		if got[29].ProductID != "mid" || got[28].ProductID != "p31" || got[30].ProductID != "p30" ||
			got[49].ProductID != "p11" {
			t.Fatalf("after inserting mid at p30's time: %v; want …p31 mid p30 … p11", productIDs(got))
		}
	})

	t.Run("EqualTimestampsLastReceivedFirst", func(t *testing.T) {
		a := open(t)
		same := func(p string, received time.Duration) recom.Event {
			e := event("t1", "u1", recom.ProductViewed, p, t0)
			e.ReceivedAt = t0.Add(received)
			return e
		}
		// One batch, received a microsecond apart as the API does: a after b.
		mustRecord(t, a, same("b", 0), same("a", time.Microsecond))
		mustRecord(t, a, same("c", time.Second))
		got, _ := recent(t, a, "t1", "u1", 10)
		if ids := productIDs(got); fmt.Sprint(ids) != "[c a b]" {
			t.Fatalf("events with one timestamp = %v; want the last received first: [c a b]", ids)
		}
	})

	t.Run("VersionPerUser", func(t *testing.T) {
		a := open(t)
		mustRecord(t, a, views("t1", "u1", 0, 3)...)
		u1 := version(t, a, "t1", "u1")
		if u1 == 0 || version(t, a, "t1", "u2") != 0 {
			t.Fatalf("versions after u1's events: u1 %d, u2 %d; want u1's not 0, u2's 0", u1, version(t, a, "t1", "u2"))
		}
		if again := version(t, a, "t1", "u1"); again != u1 {
			t.Fatalf("u1's version went from %d to %d with no event", u1, again)
		}
		mixed := append(views("t1", "u2", 0, 1), views("t1", "u1", 10, 12)...)
		mustRecord(t, a, mixed...)
		u1b, u2 := version(t, a, "t1", "u1"), version(t, a, "t1", "u2")
		if u1b == u1 || u1b == 0 || u2 == 0 {
			t.Fatalf("after new events of both: u1 %d (was %d), u2 %d; want both changed", u1b, u1, u2)
		}
		mustRecord(t, a, views("t1", "u2", 100, 170)...) // 70 more, past the cap
		if v := version(t, a, "t1", "u2"); v == u2 {
			t.Error("u2's version did not change with 70 new events")
		}
		if v := version(t, a, "t1", "u1"); v != u1b {
			t.Errorf("u1's version changed with u2's events: %d, was %d", v, u1b)
		}
	})

	t.Run("TenantsAreIsolated", func(t *testing.T) {
		a := open(t)
		mustRecord(t, a, // one batch, two tenants, the same user ID
			event("t1", "u1", recom.Purchase, "t1-p", t0),
			event("t2", "u1", recom.ProductViewed, "t2-p", t0),
			event("t1", "u1", recom.ProductViewed, "t1-q", t0.Add(time.Minute)),
		)
		for _, tc := range []struct {
			tenant string
			ids    string
		}{{"t1", "[t1-q t1-p]"}, {"t2", "[t2-p]"}} {
			got, v := recent(t, a, tc.tenant, "u1", 10)
			if ids := productIDs(got); fmt.Sprint(ids) != tc.ids || v == 0 {
				t.Errorf("RecentEvents(%s, u1) = %v, version %d; want %s, a version not 0", tc.tenant, ids, v, tc.ids)
			}
			for _, e := range got {
				if e.TenantID != tc.tenant {
					t.Errorf("RecentEvents(%s) returned an event of tenant %q", tc.tenant, e.TenantID)
				}
			}
		}
		wantTrending(t, a, "t1", 10, t0, []recom.Scored{sc("t1-p", 5), sc("t1-q", decay(1, time.Minute))})
		wantTrending(t, a, "t2", 10, t0, []recom.Scored{sc("t2-p", 1)})
		wantTrending(t, a, "t3", 10, t0, nil)
	})

	t.Run("ForgetDropsOnlyTheTenant", func(t *testing.T) {
		a := open(t)
		mustRecord(t, a,
			event("t1", "u1", recom.Purchase, "t1-p", t0),
			event("t1", "u2", recom.ProductViewed, "t1-q", t0),
			event("t2", "u1", recom.ProductViewed, "t2-p", t0),
		)
		if err := a.Forget(ctx, "t1"); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"u1", "u2"} {
			if got, v := recent(t, a, "t1", user, 10); len(got) != 0 || v != 0 {
				t.Errorf("after Forget(t1), RecentEvents(t1, %s) = %v, version %d; want none, 0", user, productIDs(got), v)
			}
		}
		wantTrending(t, a, "t1", 10, t0, nil)
		if got, _ := recent(t, a, "t2", "u1", 10); fmt.Sprint(productIDs(got)) != "[t2-p]" {
			t.Errorf("Forget(t1) touched t2: RecentEvents(t2, u1) = %v", productIDs(got))
		}
		wantTrending(t, a, "t2", 10, t0, []recom.Scored{sc("t2-p", 1)})
		// The tenant can start again.
		mustRecord(t, a, event("t1", "u1", recom.ProductViewed, "t1-r", t0))
		wantTrending(t, a, "t1", 10, t0, []recom.Scored{sc("t1-r", 1)})
	})

	t.Run("KeepsWhatTheEngineReads", func(t *testing.T) {
		a := open(t)
		pos, price, qty := 3, 19.99, 2
		full := recom.Event{TenantID: "t1", Type: recom.Purchase, UserID: "u:1 ü", ProductID: "p/1\twith tab ü",
			Timestamp: t0.Add(123456 * time.Microsecond), SessionID: "s1", AnonymousID: "anon-1",
			RecommendationID: "rec-1", Placement: "pdp", Position: &pos, OrderID: "o1", Price: &price,
			Quantity: &qty, Currency: "EUR", Metadata: json.RawMessage(`{"coupon": "<X&Y>", "n": [1, 2.5]}`),
			ReceivedAt: t0.Add(time.Second + 789*time.Microsecond)}
		bare := recom.Event{TenantID: "t1", Type: recom.ProductViewed, UserID: "u:1 ü", ProductID: "p2",
			Timestamp: t0.Add(time.Hour), ReceivedAt: t0.Add(time.Hour)}
		mustRecord(t, a, full, bare)
		got, _ := recent(t, a, "t1", "u:1 ü", 10)
		if len(got) != 2 {
			t.Fatalf("RecentEvents = %d events; want 2", len(got))
		}
		for i, want := range []recom.Event{bare, full} {
			g := got[i]
			if g.TenantID != want.TenantID || g.UserID != want.UserID || g.Type != want.Type ||
				g.ProductID != want.ProductID || !g.Timestamp.Equal(want.Timestamp) || g.Timestamp.Location() != time.UTC {
				t.Errorf("event %d came back as %+v; want tenant, user, type, product and UTC time of %+v", i, g, want)
			}
		}
	})

	t.Run("TrendingByWeight", func(t *testing.T) {
		a := open(t)
		var evs []recom.Event
		for _, typ := range recom.EventTypes {
			evs = append(evs, event("t1", "u1", typ, "p-"+string(typ), t0))
		}
		mustRecord(t, a, evs...)
		// Impressions weigh 0 and a removal -1: neither is trending. Equal scores are
		// ordered by product ID, descending, as Redis orders them.
		wantTrending(t, a, "t1", 10, t0, []recom.Scored{sc("p-purchase", 5), sc("p-add_to_cart", 3),
			sc("p-recommendation_clicked", 2), sc("p-product_clicked", 2), sc("p-product_viewed", 1)})
	})

	t.Run("TrendingDecays", func(t *testing.T) {
		a := open(t)
		day := 24 * time.Hour
		mustRecord(t, a,
			event("t1", "u1", recom.Purchase, "purchase-3d", t0.Add(-3*day)),
			event("t1", "u2", recom.Purchase, "purchase-2d", t0.Add(-2*day)),
			event("t1", "u3", recom.ProductViewed, "view-now", t0),
			event("t1", "u4", recom.ProductViewed, "view-1h", t0.Add(-time.Hour)),
		)
		want := []recom.Scored{ // weight × 2^(−age / TrendingHalfLife)
			sc("purchase-2d", 5*0.25), sc("view-now", 1), sc("view-1h", math.Exp2(-1.0/24)), sc("purchase-3d", 5*0.125)}
		wantTrending(t, a, "t1", 10, t0, want)
		for i := range want {
			want[i].Score /= 2 // a day later, everything counts half
		}
		wantTrending(t, a, "t1", 10, t0.Add(day), want)
	})

	t.Run("NegativeWeights", func(t *testing.T) {
		a := open(t)
		mustRecord(t, a,
			event("t1", "u1", recom.AddToCart, "cart-then-remove", t0),
			event("t1", "u1", recom.RemoveFromCart, "cart-then-remove", t0),
			event("t1", "u1", recom.ProductViewed, "view-then-remove", t0),
			event("t1", "u1", recom.RemoveFromCart, "only-remove", t0),
			event("t1", "u1", recom.AddToCart, "old-cart-new-remove", t0.Add(-24*time.Hour)),
		)
		mustRecord(t, a,
			event("t1", "u1", recom.RemoveFromCart, "view-then-remove", t0),
			event("t1", "u1", recom.RemoveFromCart, "old-cart-new-remove", t0),
		)
		// 3 − 1 = 2; 3·½ − 1 = 0.5; 1 − 1 = 0 and −1 are left out.
		wantTrending(t, a, "t1", 10, t0, []recom.Scored{sc("cart-then-remove", 2), sc("old-cart-new-remove", 0.5)})
	})

	t.Run("TrendingLimit", func(t *testing.T) {
		a := open(t)
		var evs []recom.Event
		for i := range 5 {
			for range i + 1 {
				evs = append(evs, event("t1", "u1", recom.ProductViewed, fmt.Sprint("p", i), t0))
			}
		}
		mustRecord(t, a, evs...)
		wantTrending(t, a, "t1", 2, t0, []recom.Scored{sc("p4", 5), sc("p3", 4)})
		wantTrending(t, a, "t1", 100, t0, []recom.Scored{sc("p4", 5), sc("p3", 4), sc("p2", 3), sc("p1", 2), sc("p0", 1)})
		wantTrending(t, a, "t1", 0, t0, nil)
	})

	t.Run("TrendingFiniteOverYears", func(t *testing.T) {
		a := open(t)
		// A view every 30 days for 20 years: 7,290 half-lives, far past what 2^x holds
		// in a float64 (1,023) unless the landmark moves.
		mustRecord(t, a, event("t1", "u1", recom.Purchase, "first", t0))
		var last time.Time
		want := 0.0
		for k := range 244 {
			last = t0.Add(time.Duration(k) * 30 * 24 * time.Hour)
			mustRecord(t, a, event("t1", "u1", recom.ProductViewed, "steady", last))
			want = want*math.Exp2(-30) + 1
		}
		mustRecord(t, a, event("t1", "u1", recom.ProductViewed, "fresh", last.Add(-time.Hour)))
		wantTrending(t, a, "t1", 10, last, []recom.Scored{sc("steady", want), sc("fresh", math.Exp2(-1.0/24))})
	})

	t.Run("ConcurrentRecord", func(t *testing.T) {
		a := open(t)
		var wg sync.WaitGroup
		want := 0.0
		for g := range 8 {
			for i := range 25 {
				want += math.Exp2(-float64(g*25+i) / 24) // an hour apart, the newest at t0
			}
			wg.Go(func() {
				for i := range 25 {
					at := t0.Add(-time.Duration(g*25+i) * time.Hour)
					if err := a.Record(ctx, []recom.Event{event("t1", "u1", recom.ProductViewed, "p", at)}); err != nil {
						t.Errorf("Record: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, v := recent(t, a, "t1", "u1", 100)
		if len(got) != recom.MaxRecentEvents || v == 0 || !got[0].Timestamp.Equal(t0) ||
			!got[49].Timestamp.Equal(t0.Add(-49*time.Hour)) {
			t.Fatalf("after 200 concurrent events: %d events, version %d, newest %v, oldest %v; want 50, not 0, t0, t0−49h",
				len(got), v, got[0].Timestamp, got[len(got)-1].Timestamp)
		}
		wantTrending(t, a, "t1", 1, t0, []recom.Scored{sc("p", want)})
	})
}

// event returns an event with the fields Activity needs.
func event(tenantID, userID string, typ recom.EventType, productID string, at time.Time) recom.Event {
	return recom.Event{TenantID: tenantID, Type: typ, UserID: userID, ProductID: productID,
		Timestamp: at, ReceivedAt: at}
}

// views returns views of products p<from>…p<to−1>, product pi viewed at t0 + i minutes.
func views(tenantID, userID string, from, to int) []recom.Event {
	var evs []recom.Event
	for i := from; i < to; i++ {
		evs = append(evs, event(tenantID, userID, recom.ProductViewed, fmt.Sprint("p", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	return evs
}

// decay is the score at t0 of an event of weight w at t0+offset.
func decay(w float64, offset time.Duration) float64 {
	return w * math.Exp2(float64(offset)/float64(recom.TrendingHalfLife))
}

func sc(productID string, score float64) recom.Scored {
	return recom.Scored{ProductID: productID, Score: score}
}

func mustRecord(t *testing.T, a recom.Activity, events ...recom.Event) {
	t.Helper()
	if err := a.Record(context.Background(), events); err != nil {
		t.Fatalf("Record(%d events): %v", len(events), err)
	}
}

func recent(t *testing.T, a recom.Activity, tenantID, userID string, n int) ([]recom.Event, int64) {
	t.Helper()
	evs, seq, err := a.RecentEvents(context.Background(), tenantID, userID, n)
	if err != nil {
		t.Fatalf("RecentEvents(%s, %s, %d): %v", tenantID, userID, n, err)
	}
	return evs, seq
}

// wantRecent checks RecentEvents returns the views made by views() of p<newest> down to
// p<oldest> (none if newest < oldest).
func wantRecent(t *testing.T, a recom.Activity, tenantID, userID string, n int, newest, oldest int) {
	t.Helper()
	got, _ := recent(t, a, tenantID, userID, n)
	var want []string
	for i := newest; i >= oldest; i-- {
		want = append(want, fmt.Sprint("p", i))
	}
	if fmt.Sprint(productIDs(got)) != fmt.Sprint(want) {
		t.Fatalf("RecentEvents(%s, %s, %d) = %v; want %v", tenantID, userID, n, productIDs(got), want)
	}
	for i, e := range got {
		if at := t0.Add(time.Duration(newest-i) * time.Minute); !e.Timestamp.Equal(at) {
			t.Fatalf("event %d (%s) at %v; want %v", i, e.ProductID, e.Timestamp, at)
		}
	}
}

// version returns the version of the user's list.
func version(t *testing.T, a recom.Activity, tenantID, userID string) int64 {
	t.Helper()
	_, v := recent(t, a, tenantID, userID, 1)
	return v
}

// wantTrending checks the products in order and their scores to 1e-9, relative.
func wantTrending(t *testing.T, a recom.Activity, tenantID string, n int, now time.Time, want []recom.Scored) {
	t.Helper()
	got, err := a.Trending(context.Background(), tenantID, n, now)
	if err != nil {
		t.Fatalf("Trending(%s, %d): %v", tenantID, n, err)
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i].Score, want[i].Score
		ok = got[i].ProductID == want[i].ProductID && !math.IsInf(g, 0) && math.Abs(g-w) <= 1e-9*math.Abs(w)
	}
	if !ok {
		t.Fatalf("Trending(%s, %d, %v) = %v; want %v", tenantID, n, now.Format(time.DateTime), got, want)
	}
}

func productIDs(evs []recom.Event) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ProductID
	}
	return ids
}
