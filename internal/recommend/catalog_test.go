package recommend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/inmem"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/redis"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// TestCatalogChangeReachesEveryNode: two nodes remember the items they served; a change
// written on one (made unavailable, repriced) shows in the very next answers of both,
// through the bus: in process, and over Redis pub/sub as production runs.
func TestCatalogChangeReachesEveryNode(t *testing.T) {
	buses := map[string]func(t *testing.T) (recom.Bus, recom.Bus){
		"in-process": func(*testing.T) (recom.Bus, recom.Bus) { b := inmem.NewBus(); return b, b },
		"redis": func(t *testing.T) (recom.Bus, recom.Bus) {
			url, prefix := redistest.URL(t), redistest.Prefix(t)
			open := func() recom.Bus {
				c, err := redis.New(context.Background(), url, prefix, inmem.NewCache(10), inmem.NewLimiter(), quiet)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c.Bus()
			}
			return open(), open()
		},
	}
	for name, open := range buses {
		t.Run(name, func(t *testing.T) {
			st, tenant := shop(t)
			ctx := context.Background()
			busA, busB := open(t)
			a := New(st, inmem.NewActivity(100), quiet, Config{Bus: busA}, nil)
			b := New(st, inmem.NewActivity(100), quiet, Config{Bus: busB}, nil)
			run(t, a)
			stopB := run(t, b)
			waitTrusted(t, a)
			waitTrusted(t, b)

			q := Query{UserID: "u3", Limit: 5}
			first := mustRecommend(t, b, tenant, q)
			top := first[0]
			if missing, _ := b.items.lookup(tenant, []string{top.ProductID}, map[string]*recom.CatalogItem{}); len(missing) != 0 {
				t.Fatalf("node b did not remember %s after serving it", top.ProductID)
			}

			// Node a writes: top is unavailable, the second item costs more.
			second := first[1]
			items, err := st.Catalog.FindItemsByIDs(ctx, tenant, []string{top.ProductID, second.ProductID})
			if err != nil || len(items) != 2 {
				t.Fatal(err)
			}
			for i := range items {
				items[i].Available = items[i].ProductID != top.ProductID
				if items[i].ProductID == second.ProductID {
					items[i].Price = 99.5
				}
			}
			if _, err := st.Catalog.UpsertItems(ctx, tenant, items); err != nil {
				t.Fatal(err)
			}
			a.CatalogChanged(ctx, tenant, top.ProductID, second.ProductID)

			// The notice crosses Redis in about a millisecond; allow a second.
			start := time.Now()
			for {
				recs := mustRecommend(t, b, tenant, q)
				i := slices.IndexFunc(recs, func(r Recommendation) bool { return r.ProductID == second.ProductID })
				gone := !slices.ContainsFunc(recs, func(r Recommendation) bool { return r.ProductID == top.ProductID })
				if gone && i >= 0 && recs[i].Price == 99.5 {
					t.Logf("node b saw the change after %v", time.Since(start))
					break
				}
				if time.Since(start) > time.Second {
					t.Fatalf("node b still serves the old catalog: %+v", recs)
				}
				time.Sleep(time.Millisecond)
			}
			for _, r := range mustRecommend(t, a, tenant, q) {
				if r.ProductID == top.ProductID {
					t.Errorf("node a served the unavailable %s", top.ProductID)
				}
			}

			// A node that stops hearing the bus stops trusting what it remembers: a change
			// it is not told of still shows at once.
			stopB()
			j := slices.IndexFunc(items, func(it recom.CatalogItem) bool { return it.ProductID == second.ProductID })
			items[j].Price = 42
			if _, err := st.Catalog.UpsertItems(ctx, tenant, items[j:j+1]); err != nil {
				t.Fatal(err)
			}
			recs := mustRecommend(t, b, tenant, q)
			if i := slices.IndexFunc(recs, func(r Recommendation) bool { return r.ProductID == second.ProductID }); i < 0 || recs[i].Price != 42 {
				t.Errorf("a node off the bus served a remembered price: %+v", recs)
			}
		})
	}
}

// TestNoBusReadsTheStore: without a bus (PostgreSQL without Redis), every answer reads
// the catalog, so a write on another node shows at once.
func TestNoBusReadsTheStore(t *testing.T) {
	st, tenant := shop(t)
	ctx := context.Background()
	s := New(st, inmem.NewActivity(100), quiet, Config{}, nil)
	run(t, s)
	q := Query{UserID: "u3", Limit: 5}
	top := mustRecommend(t, s, tenant, q)[0]
	it, err := st.Catalog.FindItem(ctx, tenant, top.ProductID)
	if err != nil {
		t.Fatal(err)
	}
	it.Available = false
	if _, err := st.Catalog.UpsertItems(ctx, tenant, []recom.CatalogItem{it}); err != nil {
		t.Fatal(err)
	}
	for _, r := range mustRecommend(t, s, tenant, q) {
		if r.ProductID == top.ProductID {
			t.Errorf("without a bus, the unavailable %s was served from memory", top.ProductID)
		}
	}
}

// run runs s's background work until the test ends or the returned stop is called.
func run(t *testing.T, s *Service) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	return stop
}

func waitTrusted(t *testing.T, s *Service) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		s.items.mu.Lock()
		ok := s.items.trusted
		s.items.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the node never started hearing the bus")
		}
	}
}

func mustRecommend(t *testing.T, s *Service, tenant string, q Query) []Recommendation {
	t.Helper()
	recs, _, err := s.Recommend(context.Background(), tenant, recom.DefaultTenantConfig(), q)
	if err != nil || len(recs) < 2 {
		t.Fatalf("Recommend: %v, %d items", err, len(recs))
	}
	return recs
}

// TestItemCacheRaces: a store read that raced a change of the tenant's catalog is not
// remembered (it may predate the change), while other tenants' changes do not stop it;
// an untrusted cache answers nothing from memory.
func TestItemCacheRaces(t *testing.T) {
	c := newItemCache(time.Now)
	c.setTrusted(true)
	item := []recom.CatalogItem{{ProductID: "p1", Available: true}}
	remembered := func(tenant string) bool {
		missing, _ := c.lookup(tenant, []string{"p1"}, map[string]*recom.CatalogItem{})
		return len(missing) == 0
	}

	_, tok := c.lookup("a", []string{"p1"}, nil)
	c.drop("a", []string{"p1"}) // the change commits while the read is in flight
	c.fill("a", tok, []string{"p1"}, item)
	if remembered("a") {
		t.Error("a read that raced a change of its tenant was remembered")
	}

	_, tok = c.lookup("a", []string{"p1"}, nil)
	c.drop("b", nil) // another tenant imports its catalog
	c.fill("a", tok, []string{"p1"}, item)
	if !remembered("a") {
		t.Error("another tenant's change kept this tenant's read from being remembered")
	}

	_, tok = c.lookup("a", []string{"p2"}, nil)
	c.setTrusted(true) // the bus reconnected: notices may have been missed
	c.fill("a", tok, []string{"p2"}, nil)
	if missing, _ := c.lookup("a", []string{"p1", "p2"}, map[string]*recom.CatalogItem{}); len(missing) != 2 {
		t.Errorf("after a reconnect, %d of 2 items still came from memory", 2-len(missing))
	}

	c.fill("a", fillToken{epoch: c.epoch}, []string{"p1"}, item)
	c.setTrusted(false)
	if remembered("a") {
		t.Error("an untrusted cache answered from memory")
	}
}

// TestSharedListCache: with Redis, a new visitor's list one node computed is a cache hit
// on another node's first request, and equal to the first node's answer. (u5's history
// is in the store only, so to Activity u5 is new.)
func TestSharedListCache(t *testing.T) {
	st, tenant := shop(t)
	c, err := redis.New(context.Background(), redistest.URL(t), redistest.Prefix(t), inmem.NewCache(10), inmem.NewLimiter(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a := New(st, c.Activity(), quiet, Config{Shared: c.Cache()}, nil)
	b := New(st, c.Activity(), quiet, Config{Shared: c.Cache()}, nil)
	ctx, cfg, q := context.Background(), recom.DefaultTenantConfig(), Query{UserID: "u5", Limit: 5}
	first, m1, err := a.Recommend(ctx, tenant, cfg, q)
	if err != nil || m1.Cached {
		t.Fatalf("node a: %v, cached %v", err, m1.Cached)
	}
	second, m2, err := b.Recommend(ctx, tenant, cfg, q)
	if err != nil || !m2.Cached || m2.ModelVersion != m1.ModelVersion {
		t.Fatalf("node b: %v, cached %v, model %d vs %d; want a hit on node a's list", err, m2.Cached, m2.ModelVersion, m1.ModelVersion)
	}
	if len(first) != len(second) {
		t.Fatalf("node b answered %d items, node a %d", len(second), len(first))
	}
	for i := range first {
		if first[i] != second[i] {
			t.Errorf("item %d: node a %+v, node b %+v", i, first[i], second[i])
		}
	}
	// A new event of the user, learnt on node a, is seen by node b's very next answer.
	a.Learn(ctx, []recom.Event{{TenantID: tenant, Type: recom.ProductViewed, UserID: "u5", ProductID: "p3", Timestamp: time.Now().UTC()}})
	if _, m, err := b.Recommend(ctx, tenant, cfg, q); err != nil || m.Cached {
		t.Errorf("node b answered from a cache after the user's new event (%v)", err)
	}
}

// TestEventsDuringRedisOutage: events accepted while Redis is unreachable reach the
// users' recent events once it is back, and until then answers come from the store, so
// a list cached before the outage never hides them.
func TestEventsDuringRedisOutage(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg := context.Background(), recom.DefaultTenantConfig()
	p := redistest.StartProxy(t, redistest.URL(t))
	c, err := redis.New(ctx, p.URL, redistest.Prefix(t), inmem.NewCache(10), inmem.NewLimiter(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := New(st, c.Activity(), quiet, Config{}, nil) // no Run: the test replays by hand
	q := Query{UserID: "u9", Limit: 5}
	mustRecommend(t, s, tenant, q) // cached under the user's sequence before the outage
	if _, m, _ := s.Recommend(ctx, tenant, cfg, q); !m.Cached {
		t.Fatal("the second answer before the outage was not cached")
	}

	p.Stop()
	viewed := recom.Event{TenantID: tenant, Type: recom.ProductViewed, UserID: "u9", ProductID: "p13", Timestamp: time.Now().UTC().Truncate(time.Microsecond)}
	if _, err := st.Events.AppendEvents(ctx, []recom.Event{viewed}); err != nil {
		t.Fatal(err)
	}
	s.Learn(ctx, []recom.Event{viewed}) // Redis is down: held
	if s.held.Load() != 1 {
		t.Fatalf("%d events held during the outage; want 1", s.held.Load())
	}

	p.Restart()
	for deadline := time.Now().Add(10 * time.Second); !c.Health().OK; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Redis never came back")
		}
	}
	// Back, with the event still held: the store answers, not the list cached before.
	if _, m, err := s.Recommend(ctx, tenant, cfg, q); err != nil || m.Cached {
		t.Errorf("with an event still held, the answer came from the cache (%v)", err)
	}
	if !s.replay(ctx) {
		t.Fatal("the held event was not recorded with Redis back")
	}
	evs, _, err := c.Activity().RecentEvents(ctx, tenant, "u9", 10)
	if err != nil || len(evs) == 0 || evs[0].ProductID != "p13" {
		t.Fatalf("the view made during the outage is not the newest recent event: %v %v", evs, err)
	}
	if _, m, _ := s.Recommend(ctx, tenant, cfg, q); m.Cached {
		t.Error("after the replay, the list cached before the outage was served")
	}
}

// TestOnlyUnavailableActivityHolds: events are held only when Redis could not be reached;
// a call Redis refused (here a user's damaged events key) is not retried, so it cannot
// record the batch's other events again and again.
func TestOnlyUnavailableActivityHolds(t *testing.T) {
	st, tenant := shop(t)
	ctx, prefix := context.Background(), redistest.Prefix(t)
	c, err := redis.New(ctx, redistest.URL(t), prefix, inmem.NewCache(10), inmem.NewLimiter(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Redis().Set(ctx, prefix+"act:{"+tenant+"}:u:damaged", "not a sorted set", 0).Err(); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	damaged := recom.Event{TenantID: tenant, Type: recom.ProductViewed, UserID: "damaged", ProductID: "p2", Timestamp: at}
	if err := c.Activity().Record(ctx, []recom.Event{damaged}); err == nil || errors.Is(err, recom.ErrActivityUnavailable) {
		t.Fatalf("Record on a damaged events key = %v; want a refusal, not unavailability", err)
	}
	s := New(st, c.Activity(), quiet, Config{}, nil)
	s.Learn(ctx, []recom.Event{
		{TenantID: tenant, Type: recom.ProductViewed, UserID: "fine", ProductID: "p1", Timestamp: at}, damaged,
	})
	if n := s.held.Load(); n != 0 {
		t.Errorf("%d events held after Redis refused the call; want 0 (only an unreachable Redis holds)", n)
	}
}

// TestHeldEventsAreBounded: past maxHeld the oldest held events are dropped, and a replay
// records the rest, oldest first, and lets go of them.
func TestHeldEventsAreBounded(t *testing.T) {
	st, tenant := shop(t)
	activity := inmem.NewActivity(10)
	s := New(st, activity, quiet, Config{}, nil)
	at := time.Now().UTC()
	events := make([]recom.Event, maxHeld+5)
	for i := range events {
		events[i] = recom.Event{TenantID: tenant, Type: recom.ProductViewed, UserID: "u1", ProductID: fmt.Sprint("p", i%20), Timestamp: at.Add(time.Duration(i) * time.Microsecond)}
	}
	s.hold(events[:10])
	s.hold(events[10:])
	if s.held.Load() != maxHeld || s.heldDropped != 5 || s.heldEvents[0].Timestamp != events[5].Timestamp {
		t.Fatalf("held %d, dropped %d; want %d and the 5 oldest", s.held.Load(), s.heldDropped, maxHeld)
	}
	if !s.replay(context.Background()) || s.held.Load() != 0 || s.heldEvents != nil {
		t.Fatalf("after the replay %d events are held", s.held.Load())
	}
	evs, seq, _ := activity.RecentEvents(context.Background(), tenant, "u1", 1)
	if seq != maxHeld || len(evs) != 1 || evs[0].Timestamp != events[len(events)-1].Timestamp {
		t.Errorf("Activity has sequence %d and newest %v; want %d events recorded, the last one newest", seq, evs, maxHeld)
	}
}

// TestRedisDataLossAfterOutage: after Redis restarted without its data, a user's new
// events make a new list, and one this node cached before the outage is not served for it.
func TestRedisDataLossAfterOutage(t *testing.T) {
	st, tenant := shop(t)
	ctx, cfg, prefix := context.Background(), recom.DefaultTenantConfig(), redistest.Prefix(t)
	p := redistest.StartProxy(t, redistest.URL(t))
	c, err := redis.New(ctx, p.URL, prefix, inmem.NewCache(10), inmem.NewLimiter(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := New(st, c.Activity(), quiet, Config{}, nil)
	views := func(products ...string) {
		for i, pr := range products {
			e := recom.Event{TenantID: tenant, Type: recom.ProductViewed, UserID: "u-gen", ProductID: pr, Timestamp: time.Now().UTC().Add(time.Duration(i) * time.Millisecond)}
			if err := c.Activity().Record(ctx, []recom.Event{e}); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := Query{UserID: "u-gen", Limit: 5}
	views("p1", "p2")
	mustRecommend(t, s, tenant, q)
	if _, m, _ := s.Recommend(ctx, tenant, cfg, q); !m.Cached {
		t.Fatal("the second answer before the outage was not cached")
	}

	p.Stop()
	for deadline := time.Now().Add(10 * time.Second); c.Health().OK; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the outage was never noticed")
		}
	}
	p.Restart()
	for deadline := time.Now().Add(10 * time.Second); !c.Health().OK; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Redis never came back")
		}
	}
	// Redis "lost" the data: the user's keys are gone, and two new views make a new list.
	keys, err := c.Redis().Keys(ctx, prefix+"act:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no activity keys to lose: %v", err)
	}
	if err := c.Redis().Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	views("p7", "p8")
	if evs, _, _ := c.Activity().RecentEvents(ctx, tenant, "u-gen", 10); len(evs) != 2 || evs[0].ProductID != "p8" {
		t.Fatalf("recent events after the loss = %+v; want p8, p7", evs)
	}
	if _, m, _ := s.Recommend(ctx, tenant, cfg, q); m.Cached {
		t.Error("a list cached before Redis lost its data was served for the new events")
	}
}

// TestPurgeReachesEveryNode: when one node forgets a purged tenant, another drops its
// model, items and ranked lists when it hears the notice.
func TestPurgeReachesEveryNode(t *testing.T) {
	st, tenant := shop(t)
	bus := inmem.NewBus()
	a := New(st, inmem.NewActivity(100), quiet, Config{Bus: bus}, nil)
	b := New(st, inmem.NewActivity(100), quiet, Config{Bus: bus}, nil)
	run(t, a)
	run(t, b)
	waitTrusted(t, b)
	mustRecommend(t, b, tenant, Query{UserID: "u3", Limit: 5})
	b.mu.Lock()
	_, had := b.tenants[tenant]
	b.mu.Unlock()
	if !had || b.lists.Len() == 0 {
		t.Fatalf("node b holds no model (%v) or list (%d) of the tenant after serving it", had, b.lists.Len())
	}
	if err := a.ForgetTenant(context.Background(), tenant); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	_, has := b.tenants[tenant]
	b.mu.Unlock()
	if has || b.lists.Len() != 0 {
		t.Errorf("node b still holds the purged tenant: model %v, %d lists", has, b.lists.Len())
	}
	if missing, _ := b.items.lookup(tenant, []string{"p1"}, map[string]*recom.CatalogItem{}); len(missing) != 1 {
		t.Error("node b still remembers the purged tenant's items")
	}
}
