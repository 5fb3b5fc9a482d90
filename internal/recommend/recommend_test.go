package recommend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite/sqlitetest"
)

// shop opens a SQLite store with a tenant, 20 products and 60 users' purchases.
func shop(t *testing.T) (recom.Stores, string) {
	t.Helper()
	ctx := context.Background()
	db, tn := sqlitetest.Shop(t)
	st := db.Stores()
	var items []recom.CatalogItem
	for i := 0; i < 20; i++ {
		items = append(items, recom.CatalogItem{ProductID: fmt.Sprint("p", i), Name: fmt.Sprint("Product ", i), Category: fmt.Sprint("c", i%2), Price: 5, Available: true})
	}
	if _, err := st.Catalog.UpsertItems(ctx, tn.ID, items); err != nil {
		t.Fatal(err)
	}
	var evs []recom.Event
	at := time.Now().Add(-48 * time.Hour).UTC()
	for u := 0; u < 60; u++ {
		for j := 0; j < 6; j++ {
			evs = append(evs, recom.Event{TenantID: tn.ID, Type: recom.Purchase, UserID: fmt.Sprint("u", u),
				ProductID: fmt.Sprint("p", (u+j)%20), OrderID: fmt.Sprint(u, "-", j), Timestamp: at.Add(time.Duration(u*6+j) * time.Minute)})
		}
	}
	if _, err := st.Events.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return st, tn.ID
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRestartedNodeLoadsTheStoredModel(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg := context.Background(), recom.DefaultTenantConfig()
	first := New(st, inmem.NewActivity(100), quiet, Config{}, nil)
	_, meta, err := first.Recommend(ctx, tenant, cfg, Query{UserID: "u1"})
	if err != nil || meta.ModelVersion == 0 {
		t.Fatalf("first node: %v %+v", err, meta)
	}
	snap, err := st.Models.LoadModel(ctx, tenant)
	if err != nil || snap.Version != meta.ModelVersion || len(snap.Data) == 0 {
		t.Fatalf("the model was not stored: %v version %d", err, snap.Version)
	}
	second := New(st, inmem.NewActivity(100), quiet, Config{}, nil)
	recs, meta2, err := second.Recommend(ctx, tenant, cfg, Query{UserID: "u1"})
	if err != nil || meta2.ModelVersion != meta.ModelVersion || len(recs) == 0 {
		t.Errorf("second node built instead of loading: version %d vs %d, %v", meta2.ModelVersion, meta.ModelVersion, err)
	}
}

func TestEnoughNewEventsRebuildEarly(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg := context.Background(), recom.DefaultTenantConfig()
	s := New(st, inmem.NewActivity(100), quiet, Config{RebuildAfterEvents: 10}, nil)
	_, meta, _ := s.Recommend(ctx, tenant, cfg, Query{UserID: "u1"})
	s.Observe(tenant, 10)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, m, _ := s.Recommend(ctx, tenant, cfg, Query{UserID: "u1"})
		if m.ModelVersion > meta.ModelVersion {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("10 new events did not start a rebuild")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// downActivity is Activity with Redis down: every call fails.
type downActivity struct{}

var errDown = errors.New("redis: unavailable")

func (downActivity) Record(context.Context, []recom.Event) error { return errDown }
func (downActivity) RecentEvents(context.Context, string, string, int) ([]recom.Event, int64, error) {
	return nil, 0, errDown
}
func (downActivity) Forget(context.Context, string) error { return errDown }
func (downActivity) Trending(context.Context, string, int, time.Time) ([]recom.Scored, error) {
	return nil, errDown
}

// TestActivityDownReadsTheStore: with Redis down, the user's history comes from the store
// (spec edge case), personal results still come, and nothing is cached under a stale key.
func TestActivityDownReadsTheStore(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg := context.Background(), recom.DefaultTenantConfig()
	s := New(st, downActivity{}, quiet, Config{}, nil)
	for i := 0; i < 2; i++ {
		recs, meta, err := s.Recommend(ctx, tenant, cfg, Query{UserID: "u7"})
		if err != nil || len(recs) == 0 || meta.Cached {
			t.Fatalf("Redis down, request %d: %v cached %v, %d items", i+1, err, meta.Cached, len(recs))
		}
		for _, r := range recs {
			for j := 0; j < 6; j++ {
				if r.ProductID == fmt.Sprint("p", (7+j)%20) {
					t.Errorf("%s, which u7 bought, was recommended: the store's history was not read", r.ProductID)
				}
			}
		}
	}
}

// TestNewVisitorsShareOneList: shoppers with no events all get the one list, computed
// once; a visitor's first event gives them their own again.
func TestNewVisitorsShareOneList(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg := context.Background(), recom.DefaultTenantConfig()
	act := inmem.NewActivity(100)
	s := New(st, act, quiet, Config{}, nil)
	first, m1, err := s.Recommend(ctx, tenant, cfg, Query{UserID: "visitor-1"})
	if err != nil || m1.Cached || !m1.IsFallback {
		t.Fatalf("first visitor: %v, %+v; want a fresh cold-start list", err, m1)
	}
	second, m2, err := s.Recommend(ctx, tenant, cfg, Query{UserID: "visitor-2"})
	if err != nil || !m2.Cached || fmt.Sprint(ids(second)) != fmt.Sprint(ids(first)) {
		t.Fatalf("second visitor: %v, cached %v, %v vs %v; want the first visitor's list from the cache", err, m2.Cached, ids(second), ids(first))
	}
	if err := act.Record(ctx, []recom.Event{{TenantID: tenant, UserID: "visitor-2", Type: recom.ProductViewed, ProductID: "p3", Timestamp: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, m, _ := s.Recommend(ctx, tenant, cfg, Query{UserID: "visitor-2"}); m.Cached {
		t.Error("after a view, the visitor still got the new visitors' list")
	}
}

func ids(recs []Recommendation) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ProductID
	}
	return out
}

// TestEmptyListIsNotKept: a shop asking before it has a catalog or events gets nothing,
// and as soon as it has them, gets them: the empty answer was not cached.
func TestEmptyListIsNotKept(t *testing.T) {
	db, tn := sqlitetest.Shop(t)
	st, ctx, cfg := db.Stores(), context.Background(), recom.DefaultTenantConfig()
	act := inmem.NewActivity(100)
	s := New(st, act, quiet, Config{}, nil)
	if recs, _, err := s.Recommend(ctx, tn.ID, cfg, Query{UserID: "visitor", Strategy: "trending"}); err != nil || len(recs) != 0 {
		t.Fatalf("before any catalog: %v, %v", ids(recs), err)
	}
	if _, err := st.Catalog.UpsertItems(ctx, tn.ID, []recom.CatalogItem{{ProductID: "mug", Name: "Mug", Price: 5, Available: true}}); err != nil {
		t.Fatal(err)
	}
	bought := []recom.Event{{TenantID: tn.ID, Type: recom.Purchase, UserID: "buyer", ProductID: "mug", OrderID: "o1", Timestamp: time.Now().UTC()}}
	if _, err := st.Events.AppendEvents(ctx, bought); err != nil {
		t.Fatal(err)
	}
	s.Learn(ctx, bought) // as each commit does: the model knew no product, so it is rebuilt
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs, m, err := s.Recommend(ctx, tn.ID, cfg, Query{UserID: "visitor", Strategy: "trending"})
		if err == nil && !m.Cached && fmt.Sprint(ids(recs)) == "[mug]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the catalog and a purchase: %v (cached %v), %v; want [mug] fresh", ids(recs), m.Cached, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
