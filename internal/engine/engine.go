// Package engine is RecomEngine's recommender (DESIGN §4). Build turns one tenant's catalog
// and events into an immutable Model: the item index and metadata, collaborative,
// frequently-bought-together and content neighbours, trending and popularity, and a quality
// gate. Recommend re-scores a request live against a Model; Evaluate measures every
// strategy offline on a temporal split. It imports only recom of ours.
package engine

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Strategy names. The first four are recom.Strategies; Blended is what an empty
// Request.Strategy asks for; TrendingFallback is what serves a cold-start user or a strategy
// below its gate (DESIGN §4).
const (
	Collaborative    = "collaborative"
	ContentBased     = "content_based"
	Trending         = "trending"
	FrequentlyBought = "frequently_bought_together"
	Blended          = "blended"
	TrendingFallback = "trending_fallback"
)

// Config tunes Build. The zero value means the defaults, which were tuned on the UCI Online
// Retail temporal split (README.md).
type Config struct {
	// ColdStartMinEvents is how many distinct products a user must have interacted with
	// before personal strategies serve them (FR-015); below it trending_fallback serves.
	// Values below 1 mean the default, 5.
	ColdStartMinEvents int
	// Neighbors, FBTNeighbors and ContentNeighbors are the top-K lists kept per item.
	Neighbors, FBTNeighbors, ContentNeighbors int
	// MinSupport is how many users must share two items before they are collaborative
	// neighbours (default 2): a pair seen once is noise on sparse data.
	MinSupport int
	// FBTMinOrders is how many baskets must contain both items of a bought-together pair
	// (default 2).
	FBTMinOrders int
	// HistoryHalfLife decays interactions in the co-occurrence by their age at build time
	// (default 180 days).
	HistoryHalfLife time.Duration
	// RecentHalfLife decays a request's recent events by their age (default 14 days).
	RecentHalfLife time.Duration
	// MaxUserItems caps the distinct items (the most recent) a user contributes to the
	// co-occurrence: a wholesaler with 2,000 products says little about any pair and costs
	// quadratically (default 150).
	MaxUserItems int
	// GateWindow is how recent the held-out interactions of the gate are (default 30 days).
	GateWindow time.Duration
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v < 1 {
			*v = d
		}
	}
	def(&c.ColdStartMinEvents, 5)
	def(&c.Neighbors, 50)
	def(&c.FBTNeighbors, 30)
	def(&c.ContentNeighbors, 30)
	def(&c.MinSupport, 2)
	def(&c.FBTMinOrders, 2)
	def(&c.MaxUserItems, 150)
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&c.HistoryHalfLife, 180*24*time.Hour)
	defDur(&c.RecentHalfLife, 14*24*time.Hour)
	defDur(&c.GateWindow, 30*24*time.Hour)
	return c
}

// Model is an immutable snapshot of one tenant: safe for concurrent Recommend calls.
type Model struct {
	d     snapshot
	index map[string]int32
	// Derived on load: items by trending value, by popularity, and per category.
	trendOrder []int32
	popOrder   []int32
	catOrder   [][]int32
	popTotal   float64
	pool       sync.Pool // *scratch
}

// snapshot is what MarshalBinary keeps.
type snapshot struct {
	Version    int
	Config     Config
	BuiltAt    time.Time
	BuildNanos int64
	Users      int
	Events     int
	Baskets    int

	IDs        []string
	Names      []string
	Brands     []string
	Categories []int32 // index into CatNames, -1 for none
	CatNames   []string
	Prices     []float32

	Trend []float32 // decayed weighted event counts at BuiltAt (half-life recom.TrendingHalfLife)
	Pop   []float32 // users who interacted, decayed with popularityHalfLife

	Collab  neighbours
	FBT     neighbours
	FBTN    []int32   // baskets holding both items, aligned with FBT.Nbr
	FBTLift []float32 // lift, aligned with FBT.Nbr
	Content neighbours

	Gate Gate
}

// neighbours are per-item top-K lists in compressed sparse rows: item i's neighbours are
// Nbr[Off[i]:Off[i+1]], best first, with weights W.
type neighbours struct {
	Off []int32
	Nbr []int32
	W   []float32
}

func (nb *neighbours) of(i int32) ([]int32, []float32) {
	if int(i)+1 >= len(nb.Off) {
		return nil, nil
	}
	lo, hi := nb.Off[i], nb.Off[i+1]
	return nb.Nbr[lo:hi], nb.W[lo:hi]
}

// Stats describes a model for metrics and the dashboard.
type Stats struct {
	Items, Users, Events, Baskets                          int
	CollaborativeNeighbors, FBTNeighbors, ContentNeighbors int
	BuiltAt                                                time.Time
	BuildDuration                                          time.Duration
	SizeBytes                                              int64 // in memory, estimated
	Gate                                                   Gate
}

// Stats returns the model's counts, build time and size.
func (m *Model) Stats() Stats {
	d := &m.d
	size := int64(0)
	for i := range d.IDs {
		size += int64(len(d.IDs[i])+len(d.Names[i])+len(d.Brands[i])) + 3*16
	}
	size += int64(len(d.IDs)) * (4 + 4 + 4 + 4 + 3*4 + 4) // categories, prices, trend, pop, orders, index slot
	size += int64(len(d.IDs)) * 48                        // index map entry
	for _, nb := range []*neighbours{&d.Collab, &d.FBT, &d.Content} {
		size += int64(len(nb.Off))*4 + int64(len(nb.Nbr))*8
	}
	size += int64(len(d.FBTN)) * 8
	return Stats{Items: len(d.IDs), Users: d.Users, Events: d.Events, Baskets: d.Baskets,
		CollaborativeNeighbors: len(d.Collab.Nbr), FBTNeighbors: len(d.FBT.Nbr), ContentNeighbors: len(d.Content.Nbr),
		BuiltAt: d.BuiltAt, BuildDuration: time.Duration(d.BuildNanos), SizeBytes: size, Gate: d.Gate}
}

// BuiltAt is the time the model describes (Build's now).
func (m *Model) BuiltAt() time.Time { return m.d.BuiltAt }

// Gate returns the model's quality gate.
func (m *Model) Gate() Gate { return m.d.Gate }

// Empty reports whether the model knows no product: built before the tenant's catalog.
func (m *Model) Empty() bool { return len(m.d.IDs) == 0 }

// Has reports whether productID is in the model's catalog.
func (m *Model) Has(productID string) bool {
	_, ok := m.index[productID]
	return ok
}

// rawEvent is an event reduced to what Build needs, with dense ids.
type rawEvent struct {
	t     int64 // unix seconds
	user  int32
	item  int32
	order int32 // basket key of a purchase with an orderId, else -1
	w     float32
	typ   recom.EventType
}

// Build makes a tenant's model from its catalog and events as of now. Events of products
// missing from the catalog are ignored (they can be neither scored nor recommended).
func Build(items []recom.CatalogItem, events []recom.Event, now time.Time, cfg Config) *Model {
	start := time.Now()
	cfg = cfg.withDefaults()
	m := &Model{d: snapshot{Version: snapshotVersion, Config: cfg, BuiltAt: now.UTC()}}
	m.indexCatalog(items)
	raw, users := m.rawEvents(events)
	m.d.Users, m.d.Events = users, len(raw)
	m.buildSignals(raw, users, now, cfg)
	m.d.Content = m.contentNeighbours(items, cfg)
	m.derive()
	m.d.Gate = m.checkGate(raw, users, now, cfg)
	m.d.BuildNanos = int64(time.Since(start))
	return m
}

// buildSignals computes what depends on events: trending, popularity, collaborative and
// bought-together neighbours.
func (m *Model) buildSignals(raw []rawEvent, users int, now time.Time, cfg Config) {
	n := len(m.d.IDs)
	m.d.Trend, m.d.Pop = trendAndPopularity(raw, n, now)
	ui := buildUserItems(raw, users, n, now, cfg)
	m.d.Collab = collaborativeNeighbours(ui, n, cfg)
	m.d.FBT, m.d.FBTN, m.d.FBTLift, m.d.Baskets = fbtNeighbours(raw, n, cfg)
}

func (m *Model) indexCatalog(items []recom.CatalogItem) {
	d := &m.d
	m.index = make(map[string]int32, len(items))
	cats := map[string]int32{}
	for _, it := range items {
		if it.ProductID == "" {
			continue
		}
		if _, dup := m.index[it.ProductID]; dup {
			continue
		}
		m.index[it.ProductID] = int32(len(d.IDs))
		d.IDs = append(d.IDs, it.ProductID)
		d.Names = append(d.Names, it.Name)
		d.Brands = append(d.Brands, it.Brand)
		d.Prices = append(d.Prices, float32(it.Price))
		c := int32(-1)
		if it.Category != "" {
			var ok bool
			if c, ok = cats[it.Category]; !ok {
				c = int32(len(d.CatNames))
				cats[it.Category] = c
				d.CatNames = append(d.CatNames, it.Category)
			}
		}
		d.Categories = append(d.Categories, c)
	}
}

// rawEvents keeps the events of known products with a non-zero weight, sorted by user
// then time, and returns them with the number of users.
func (m *Model) rawEvents(events []recom.Event) ([]rawEvent, int) {
	users := map[string]int32{}
	orders := map[string]int32{}
	raw := make([]rawEvent, 0, len(events))
	for i := range events {
		e := &events[i]
		item, ok := m.index[e.ProductID]
		w := recom.EventWeight(e.Type)
		if !ok || w == 0 || e.UserID == "" {
			continue
		}
		u, ok := users[e.UserID]
		if !ok {
			u = int32(len(users))
			users[e.UserID] = u
		}
		order := int32(-1)
		if e.Type == recom.Purchase && e.OrderID != "" {
			if order, ok = orders[e.OrderID]; !ok {
				order = int32(len(orders))
				orders[e.OrderID] = order
			}
		}
		raw = append(raw, rawEvent{t: e.Timestamp.Unix(), user: u, item: item, order: order, w: float32(w), typ: e.Type})
	}
	slices.SortFunc(raw, func(a, b rawEvent) int {
		if c := cmp.Compare(a.user, b.user); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	return raw, len(users)
}

// derive computes what a snapshot implies: orders by trending and popularity value.
func (m *Model) derive() {
	d := &m.d
	if m.index == nil {
		m.index = make(map[string]int32, len(d.IDs))
		for i, id := range d.IDs {
			m.index[id] = int32(i)
		}
	}
	m.popTotal = 0
	for _, p := range d.Pop {
		m.popTotal += float64(p)
	}
	n := len(d.IDs)
	m.trendOrder = m.trendOrder[:0]
	m.popOrder = m.popOrder[:0]
	for i := range n {
		if m.trendValue(int32(i), nil) > 0 {
			m.trendOrder = append(m.trendOrder, int32(i))
		}
		if d.Pop[i] > 0 {
			m.popOrder = append(m.popOrder, int32(i))
		}
	}
	byDesc := func(v func(int32) float32) func(a, b int32) int {
		return func(a, b int32) int {
			if c := cmp.Compare(v(b), v(a)); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		}
	}
	trend := byDesc(func(i int32) float32 { return m.trendValue(i, nil) })
	slices.SortFunc(m.trendOrder, trend)
	slices.SortFunc(m.popOrder, byDesc(func(i int32) float32 { return d.Pop[i] }))
	m.catOrder = make([][]int32, len(d.CatNames))
	for _, i := range m.trendOrder {
		if c := d.Categories[i]; c >= 0 {
			m.catOrder[c] = append(m.catOrder[c], i)
		}
	}
}

// decay is 2^(-age/halfLife), 1 for events in the future.
func decay(age, halfLife float64) float64 {
	if age <= 0 {
		return 1
	}
	return math.Exp2(-age / halfLife)
}

// parallel runs work over [0, n) in chunks on up to GOMAXPROCS goroutines; w is the worker
// number, for per-worker scratch.
func parallel(n, workers int, work func(w, lo, hi int)) {
	workers = max(1, min(workers, runtime.GOMAXPROCS(0)))
	const chunk = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				work(w, lo, min(lo+chunk, n))
			}
		}()
	}
	wg.Wait()
}

// topK keeps the k best (score desc, index asc) of what is pushed, in a min-heap.
type topK struct {
	k int
	h []scoredIdx
}

type scoredIdx struct {
	i int32
	s float32
}

// worse reports whether a ranks below b.
func worse(a, b scoredIdx) bool { return a.s < b.s || a.s == b.s && a.i > b.i }

func (t *topK) reset(k int) { t.k, t.h = k, t.h[:0] }

func (t *topK) push(i int32, s float32) {
	x := scoredIdx{i, s}
	if len(t.h) < t.k {
		t.h = append(t.h, x)
		for c := len(t.h) - 1; c > 0; { // sift up
			p := (c - 1) / 2
			if !worse(t.h[c], t.h[p]) {
				break
			}
			t.h[c], t.h[p] = t.h[p], t.h[c]
			c = p
		}
		return
	}
	if t.k == 0 || !worse(t.h[0], x) {
		return
	}
	t.h[0] = x
	for p := 0; ; { // sift down
		l, r, s := 2*p+1, 2*p+2, p
		if l < len(t.h) && worse(t.h[l], t.h[s]) {
			s = l
		}
		if r < len(t.h) && worse(t.h[r], t.h[s]) {
			s = r
		}
		if s == p {
			break
		}
		t.h[p], t.h[s] = t.h[s], t.h[p]
		p = s
	}
}

// sorted returns the kept entries best first; the heap is consumed.
func (t *topK) sorted() []scoredIdx {
	slices.SortFunc(t.h, func(a, b scoredIdx) int {
		if worse(a, b) {
			return 1
		}
		if worse(b, a) {
			return -1
		}
		return 0
	})
	return t.h
}

// assemble flattens per-item lists into CSR neighbours.
func assemble(lists [][]scoredIdx) neighbours {
	nb := neighbours{Off: make([]int32, len(lists)+1)}
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	nb.Nbr = make([]int32, 0, total)
	nb.W = make([]float32, 0, total)
	for i, l := range lists {
		for _, x := range l {
			nb.Nbr = append(nb.Nbr, x.i)
			nb.W = append(nb.W, x.s)
		}
		nb.Off[i+1] = int32(len(nb.Nbr))
	}
	return nb
}
