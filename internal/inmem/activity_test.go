package inmem

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

var at0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func view(tenantID, userID, productID string, at time.Time) recom.Event {
	return recom.Event{TenantID: tenantID, Type: recom.ProductViewed, UserID: userID, ProductID: productID, Timestamp: at}
}

func TestActivityEvictsLeastRecentlyUpdatedUser(t *testing.T) {
	ctx := context.Background()
	a := newActivity(3, 1) // one shard: an exact LRU
	for _, u := range []string{"u1", "u2", "u3"} {
		a.Record(ctx, []recom.Event{view("t1", u, "p", at0)})
	}
	a.RecentEvents(ctx, "t1", "u1", 10)                      // reading does not count as an update
	a.Record(ctx, []recom.Event{view("t1", "u2", "p", at0)}) // u1 is now the least recently updated
	a.Record(ctx, []recom.Event{view("t1", "u4", "p", at0)})
	// Versions count the events recorded: u1 1, u2 2, u3 3, u2 again 4, u4 5.
	for u, want := range map[string]int64{"u1": 0, "u2": 4, "u3": 3, "u4": 5} {
		if _, v, _ := a.RecentEvents(ctx, "t1", u, 10); v != want {
			t.Errorf("version of %s = %d; want %d", u, v, want)
		}
	}
	// u1, forgotten, comes back with a version it never had: a list cached under its
	// first cannot be found again.
	a.Record(ctx, []recom.Event{view("t1", "u1", "p", at0)})
	if _, v, _ := a.RecentEvents(ctx, "t1", "u1", 10); v != 6 {
		t.Errorf("version of u1 back = %d; want 6", v)
	}
}

func TestActivityUsersStayBounded(t *testing.T) {
	ctx := context.Background()
	a := NewActivity(100)
	for i := range 5000 {
		a.Record(ctx, []recom.Event{view(fmt.Sprint("t", i%3), fmt.Sprint("u", i), "p", at0)})
	}
	n := 0
	for _, s := range a.shards {
		if len(s.users) != s.lru.Len() || len(s.users) > s.max {
			t.Fatalf("shard holds %d users, %d in its LRU; want equal and at most %d", len(s.users), s.lru.Len(), s.max)
		}
		n += len(s.users)
	}
	if n > 100 || n < 90 {
		t.Fatalf("%d users held; want at most 100, and close to it", n)
	}
}

func TestActivityTrendingKeepsTopProducts(t *testing.T) {
	ctx := context.Background()
	a := NewActivity(10)
	// Product i is viewed i seconds after p0, so scores rise with i.
	var evs []recom.Event
	for i := range maxTrending + trendingSlack + 1 {
		e := view("t1", "u1", fmt.Sprintf("p%05d", i), at0.Add(time.Duration(i)*time.Second))
		evs = append(evs, e)
	}
	a.Record(ctx, evs)
	tr := a.trends["t1"]
	if n := len(tr.products); n != maxTrending || len(tr.index) != n {
		t.Fatalf("%d products kept after %d; want %d", n, len(evs), maxTrending)
	}
	for i := range trendingSlack + 1 { // the oldest views scored lowest
		if _, ok := tr.index[fmt.Sprintf("p%05d", i)]; ok {
			t.Fatalf("p%05d, among the lowest, was kept", i)
		}
	}
	top, _ := a.Trending(ctx, "t1", 1, at0)
	if len(top) != 1 || top[0].ProductID != fmt.Sprintf("p%05d", len(evs)-1) {
		t.Fatalf("Trending top = %v; want the newest view", top)
	}
}

func TestActivityRescalesLandmark(t *testing.T) {
	ctx := context.Background()
	a := NewActivity(10)
	day := 24 * time.Hour
	a.Record(ctx, []recom.Event{view("t1", "u1", "old", at0)})
	a.Record(ctx, []recom.Event{view("t1", "u1", "new", at0.Add(41*day))})
	tr := a.trends["t1"]
	if got := time.UnixMicro(tr.epoch).UTC(); !got.Equal(at0.Add(41 * day)) {
		t.Fatalf("landmark = %v after an event 41 half-lives on; want it moved there", got)
	}
	if len(tr.products) != 2 || tr.products[1].Score != 1 || tr.products[0].Score != 0x1p-41 {
		t.Fatalf("stored scores = %v; want old 2^-41, new 1", tr.products)
	}
}

func TestActivityRingKeepsOrder(t *testing.T) {
	// Drive one user's ring through many in-order and out-of-order inserts and check it
	// against a plain sorted slice.
	u := &userActivity{}
	var all []time.Time
	for i := range 1000 {
		at := at0.Add(time.Duration((i*7919)%1000) * time.Second)
		if i%3 == 0 {
			at = at0.Add(time.Duration(1000+i) * time.Second) // in order
		}
		u.insert(kept{Timestamp: at})
		all = append(all, at)
		if len(u.events) > recom.MaxRecentEvents || cap(u.events) > recom.MaxRecentEvents {
			t.Fatalf("ring holds %d events, capacity %d; want at most %d", len(u.events), cap(u.events), recom.MaxRecentEvents)
		}
		for j := 1; j < len(u.events); j++ {
			if u.at(j).Timestamp.Before(u.at(j - 1).Timestamp) {
				t.Fatalf("after %d inserts, position %d is older than %d", i+1, j, j-1)
			}
		}
	}
	// The ring holds the 50 newest of all inserted.
	newest := u.at(len(u.events) - 1).Timestamp
	n := 0
	for _, at := range all {
		if !at.Before(u.at(0).Timestamp) {
			n++
		}
		if at.After(newest) {
			t.Fatalf("inserted %v, newer than the newest kept %v", at, newest)
		}
	}
	if n != recom.MaxRecentEvents {
		t.Fatalf("%d inserted events are not older than the oldest kept; want %d", n, recom.MaxRecentEvents)
	}
}

func TestNewActivityPanicsOnZeroUsers(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewActivity(0) did not panic")
		}
	}()
	NewActivity(0)
}
