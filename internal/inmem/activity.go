package inmem

import (
	"cmp"
	"container/heap"
	"container/list"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

const (
	// maxTrending is how many products per tenant keep a trending score. The table
	// grows to maxTrending+trendingSlack before it is cut back, so trimming (a sort) runs
	// once per trendingSlack new products, not on every new one.
	maxTrending   = 10_000
	trendingSlack = maxTrending / 10
	// maxExponent bounds the forward-decay exponent: once an event lands this many
	// half-lives after the tenant's landmark, the landmark moves and the scores are
	// rescaled, so they stay near 2^40 at most and never overflow.
	maxExponent = 40
	// activityShards spreads users over this many locks.
	activityShards = 32
)

var halfLifeMicros = float64(recom.TrendingHalfLife.Microseconds())

// Activity is the in-process recom.Activity: per user, the newest recom.MaxRecentEvents
// events and a version; per tenant, forward-decayed trending scores. It is the
// default when no Redis is configured; with several replicas each sees only the events
// it recorded itself.
//
// Memory is bounded: at most maxUsers users (the least recently updated is forgotten,
// and comes back with version 0), and per tenant the top 10,000 products by score.
// Events are copied in and out, so callers never share memory with it.
type Activity struct {
	// recorded counts the events recorded; a user's version is the count at their
	// latest event, so it is never used twice, even for a user forgotten and back.
	recorded atomic.Int64
	seed     maphash.Seed
	shards   []*activityShard // users, by hash of tenant and user

	mu     sync.RWMutex
	trends map[string]*trend // by tenant; one entry per tenant that had a weighted event
}

// NewActivity returns an empty Activity holding at most maxUsers users. It panics if
// maxUsers is less than 1.
func NewActivity(maxUsers int) *Activity {
	return newActivity(maxUsers, activityShards)
}

func newActivity(maxUsers, shards int) *Activity {
	if maxUsers < 1 {
		panic(fmt.Sprintf("inmem: NewActivity(%d): maxUsers must be at least 1", maxUsers))
	}
	// Each shard is its own LRU with an equal share, so the total stays within maxUsers.
	shards = min(shards, maxUsers)
	a := &Activity{seed: maphash.MakeSeed(), shards: make([]*activityShard, shards),
		trends: make(map[string]*trend)}
	for i := range a.shards {
		a.shards[i] = &activityShard{max: maxUsers / shards, users: make(map[userKey]*userActivity)}
	}
	return a
}

type userKey struct{ tenantID, userID string }

type activityShard struct {
	mu    sync.Mutex
	max   int
	users map[userKey]*userActivity
	lru   list.List // of *userActivity, most recently updated at the front
}

// userActivity is one user's state. events is sorted by Timestamp, oldest first,
// starting at head and wrapping around: a ring once it holds MaxRecentEvents, so an
// event arriving in order replaces the oldest without moving the others.
type userActivity struct {
	key     userKey
	version int64
	events  []kept
	head    int // index of the oldest event; 0 until the ring is full
	elem    *list.Element
}

// kept is what the engine reads of an event (recom.Activity), with the user's key
// making the rest: 56 bytes where a recom.Event takes over 250, for users by the
// hundred thousand.
type kept struct {
	Type      recom.EventType
	ProductID string
	Timestamp time.Time
}

// keep is e as kept: it shares no memory with e, as strings are immutable.
func keep(e *recom.Event) kept {
	return kept{Type: e.Type, ProductID: e.ProductID, Timestamp: e.Timestamp}
}

// event is k as the user's event that it keeps.
func (k *kept) event(key userKey) recom.Event {
	return recom.Event{TenantID: key.tenantID, UserID: key.userID, Type: k.Type, ProductID: k.ProductID, Timestamp: k.Timestamp}
}

// Record adds events of any tenants. It never fails.
func (a *Activity) Record(_ context.Context, events []recom.Event) error {
	for i := range events {
		e := &events[i]
		k := userKey{e.TenantID, e.UserID}
		a.shard(k).record(k, keep(e), a.recorded.Add(1))
	}
	// Lock each tenant once per run of its events: a batch is usually one tenant's.
	var t *trend
	for i := range events {
		e := &events[i]
		w := recom.EventWeight(e.Type)
		if w == 0 || e.ProductID == "" {
			continue
		}
		if t == nil || t.tenantID != e.TenantID {
			if t != nil {
				t.mu.Unlock()
			}
			t = a.trendOf(e.TenantID)
			t.mu.Lock()
		}
		t.add(e.ProductID, w, e.Timestamp.UnixMicro())
	}
	if t != nil {
		t.mu.Unlock()
	}
	return nil
}

// RecentEvents returns up to n of the user's newest events, newest first (at most
// MaxRecentEvents), and the list's version: 0 if the user has none, else the count of
// events this Activity had recorded at the user's latest, new with every event.
func (a *Activity) RecentEvents(_ context.Context, tenantID, userID string, n int) ([]recom.Event, int64, error) {
	k := userKey{tenantID, userID}
	s := a.shard(k)
	s.mu.Lock()
	u, ok := s.users[k]
	if !ok {
		s.mu.Unlock()
		return nil, 0, nil
	}
	version := u.version
	n = min(n, len(u.events))
	if n <= 0 {
		s.mu.Unlock()
		return nil, version, nil
	}
	out := make([]recom.Event, n)
	for i := range out {
		out[i] = u.at(len(u.events) - 1 - i).event(k)
	}
	s.mu.Unlock()
	return out, version, nil
}

// Trending returns the tenant's top n products by decayed score at now, highest first;
// products whose score is not positive are left out. Equal scores are ordered by
// product ID, descending, as Redis orders them.
func (a *Activity) Trending(_ context.Context, tenantID string, n int, now time.Time) ([]recom.Scored, error) {
	a.mu.RLock()
	t := a.trends[tenantID]
	a.mu.RUnlock()
	if t == nil || n <= 0 {
		return nil, nil
	}
	t.mu.RLock()
	// Forward decay keeps the ranking in the stored values; only the unit depends on now.
	factor := math.Exp2(-float64(now.UnixMicro()-t.epoch) / halfLifeMicros)
	top := make(topScores, 0, min(n, len(t.products)))
	for _, p := range t.products {
		switch {
		case p.Score <= 0:
		case len(top) < n:
			heap.Push(&top, p)
		case before(p, top[0]):
			top[0] = p
			heap.Fix(&top, 0)
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(top, func(x, y recom.Scored) int {
		if before(x, y) {
			return -1
		}
		return 1
	})
	out := top[:0]
	for _, s := range top {
		if s.Score *= factor; s.Score > 0 { // a score may underflow after a long idle spell
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func (a *Activity) shard(k userKey) *activityShard {
	h := maphash.String(a.seed, k.tenantID)*31 + maphash.String(a.seed, k.userID)
	return a.shards[h%uint64(len(a.shards))]
}

func (a *Activity) trendOf(tenantID string) *trend {
	a.mu.RLock()
	t := a.trends[tenantID]
	a.mu.RUnlock()
	if t != nil {
		return t
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if t = a.trends[tenantID]; t == nil {
		t = &trend{tenantID: tenantID, index: make(map[string]int)}
		a.trends[tenantID] = t
	}
	return t
}

// record inserts e into the user's recent events, at version v.
func (s *activityShard) record(k userKey, e kept, v int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[k]
	if u == nil {
		for len(s.users) >= s.max {
			old := s.lru.Remove(s.lru.Back()).(*userActivity)
			delete(s.users, old.key)
		}
		u = &userActivity{key: k}
		u.elem = s.lru.PushFront(u)
		s.users[k] = u
	} else {
		s.lru.MoveToFront(u.elem)
	}
	u.version = v
	u.insert(e)
}

// at returns the i-th oldest event.
func (u *userActivity) at(i int) *kept {
	return &u.events[(u.head+i)%len(u.events)]
}

// insert places e after every event not newer than it (of equal timestamps, the one
// recorded last counts as newest, as in Redis) and drops the oldest beyond
// MaxRecentEvents.
func (u *userActivity) insert(e kept) {
	n := len(u.events)
	i := n // the events before position i are not newer than e; usually i stays n
	for i > 0 && u.at(i-1).Timestamp.After(e.Timestamp) {
		i--
	}
	if n < recom.MaxRecentEvents {
		if n == cap(u.events) { // grow by doubling, but never past MaxRecentEvents
			grown := make([]kept, n, min(max(4, 2*n), recom.MaxRecentEvents))
			copy(grown, u.events)
			u.events = grown
		}
		u.events = slices.Insert(u.events, i, e)
		return
	}
	if i == 0 {
		return // older than every event kept
	}
	// Drop the oldest: moving head makes its slot position n-1. Positions 0..i-2 are
	// then already right; shift i-1..n-2 up by one to make room for e at i-1.
	u.head = (u.head + 1) % n
	for j := n - 1; j >= i; j-- {
		*u.at(j) = *u.at(j - 1)
	}
	*u.at(i - 1) = e
}

// trend is one tenant's trending scores under forward decay: an event of weight w at
// time ts adds w·2^((ts−epoch)/halfLife), so scores never need decaying in place and
// ranking at any time is by the stored values. Scores live in a slice, indexed by a
// map, because Trending scans them all and a slice scans several times faster.
type trend struct {
	tenantID string

	mu       sync.RWMutex
	epoch    int64          // the landmark, µs since the Unix epoch; set by the first event
	index    map[string]int // position in products
	products []recom.Scored // stored scores
}

// add adds w for an event of product at ts (µs); callers hold t.mu.
func (t *trend) add(product string, w float64, ts int64) {
	if len(t.products) == 0 {
		t.epoch = ts
	}
	exp := float64(ts-t.epoch) / halfLifeMicros
	if exp > maxExponent {
		t.rescale(ts)
		exp = 0
	}
	i, ok := t.index[product]
	if !ok {
		i = len(t.products)
		t.index[product] = i
		t.products = append(t.products, recom.Scored{ProductID: product})
	}
	t.products[i].Score += w * math.Exp2(exp)
	if len(t.products) > maxTrending+trendingSlack {
		t.trim()
	}
}

// rescale moves the landmark to epoch, scaling every score to match.
func (t *trend) rescale(epoch int64) {
	f := math.Exp2(-float64(epoch-t.epoch) / halfLifeMicros)
	for i := range t.products {
		t.products[i].Score *= f
	}
	t.epoch = epoch
}

// trim keeps the top maxTrending products, removing the lowest scores first and, of
// equal scores, the lowest product ID, as ZREMRANGEBYRANK does.
func (t *trend) trim() {
	slices.SortFunc(t.products, func(x, y recom.Scored) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), cmp.Compare(y.ProductID, x.ProductID))
	})
	for _, p := range t.products[maxTrending:] {
		delete(t.index, p.ProductID)
	}
	clear(t.products[maxTrending:]) // let the removed IDs be collected
	t.products = t.products[:maxTrending]
	for i, p := range t.products {
		t.index[p.ProductID] = i
	}
}

// before reports whether x ranks above y: higher score, then higher product ID.
func before(x, y recom.Scored) bool {
	if x.Score != y.Score {
		return x.Score > y.Score
	}
	return x.ProductID > y.ProductID
}

// topScores is a min-heap by rank (container/heap): the lowest-ranked of the top n is
// at index 0, ready to be replaced.
type topScores []recom.Scored

func (h topScores) Len() int           { return len(h) }
func (h topScores) Less(i, j int) bool { return before(h[j], h[i]) }
func (h topScores) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topScores) Push(x any)        { *h = append(*h, x.(recom.Scored)) }
func (h *topScores) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Forget drops the tenant's users and trending.
func (a *Activity) Forget(_ context.Context, tenantID string) error {
	for _, sh := range a.shards {
		sh.mu.Lock()
		for key, u := range sh.users {
			if key.tenantID == tenantID {
				sh.lru.Remove(u.elem)
				delete(sh.users, key)
			}
		}
		sh.mu.Unlock()
	}
	a.mu.Lock()
	delete(a.trends, tenantID)
	a.mu.Unlock()
	return nil
}
