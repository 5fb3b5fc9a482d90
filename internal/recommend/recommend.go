// Package recommend serves recommendations: it keeps each tenant's engine model (loaded
// from the store, else built; rebuilt in the background on a schedule and early when
// enough new events arrived; persisted for other nodes), reads the user's recent events
// (Activity, else the store), caches ranked lists keyed by the version of those, and
// checks every answer against the live catalog so an unavailable product never shows
// (FR-012). It imports recom and engine of ours.
package recommend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/recomengine/recomengine/internal/engine"
	"github.com/recomengine/recomengine/internal/recom"
)

// Config tunes the service.
type Config struct {
	CacheTTL           time.Duration // of a ranked list (US3-5: 5 minutes)
	CacheEntries       int           // ranked lists kept (default 20,000: about 50 MB)
	RebuildEvery       time.Duration // a tenant with new events is rebuilt at least this often
	RebuildAfterEvents int64         // … and early once this many new events arrived
	History            time.Duration // how far back a build reads events
	Engine             engine.Config
	// Assign returns the user's arm of the experiment running on the placement, if any
	// (DESIGN §5); Expose records that the user was served it (after the answer).
	Assign func(ctx context.Context, tenantID, placement, userID string) (recom.Arm, bool)
	Expose func(ctx context.Context, tenantID string, arm recom.Arm, userID string)
	// Shared is the nodes' shared cache (Redis), a second level behind each node's own
	// memory for the lists many shoppers share (see shared). nil: this node's memory only
	// (the embedded default, where the in-process cache would only repeat it).
	Shared recom.Cache
	// Bus carries catalog changes between nodes (CatalogChanged). With it, the live
	// catalog check reads items from memory while Run hears every change; without it,
	// the check reads the store on every request.
	Bus recom.Bus
	// Refs mints the recommendationIds that impressions and clicks carry back; nil: a
	// codec with a random key (ids then mean nothing to another process).
	Refs *recom.RefCodec
}

func (c Config) withDefaults() Config {
	if c.CacheTTL <= 0 {
		c.CacheTTL = 5 * time.Minute
	}
	if c.CacheEntries <= 0 {
		c.CacheEntries = 20_000
	}
	if c.RebuildEvery <= 0 {
		c.RebuildEvery = 10 * time.Minute
	}
	if c.RebuildAfterEvents <= 0 {
		c.RebuildAfterEvents = 1000
	}
	if c.History <= 0 {
		c.History = 400 * 24 * time.Hour
	}
	if c.Refs == nil {
		c.Refs = recom.NewRefCodec([]byte(recom.NewID()))
	}
	return c
}

// Service answers recommendation requests.
type Service struct {
	stores   recom.Stores
	activity recom.Activity
	lists    *lru.Cache[listKey, ranked]
	logger   *slog.Logger
	cfg      Config
	now      func() time.Time

	mu      sync.Mutex
	tenants map[string]*tenantModel
	items   *itemCache

	// Events accepted while Activity could not record them, oldest first (Learn).
	heldMu            sync.Mutex
	heldEvents        []recom.Event
	heldDropped       int                 // events ever dropped from the front of heldEvents
	heldDroppedLogged int                 // … of which the drop was reported
	held              atomic.Int64        // len(heldEvents), read on every request
	purged            map[string]struct{} // tenants purged while this node runs: their held events are not replayed

	buildSeconds prometheus.Histogram
	modelBytes   prometheus.Gauge
}

// tenantModel is one tenant's current model, swapped atomically when a build finishes.
type tenantModel struct {
	trend    atomic.Pointer[trendMemo] // the live trending list, read at most every trendTTL
	model    atomic.Pointer[engine.Model]
	version  atomic.Int64
	pending  atomic.Int64 // events since the model's build
	building atomic.Bool
	loadOnce sync.Mutex
	swap     sync.Mutex // orders a model with its version
}

// New returns the service; reg may be nil.
func New(stores recom.Stores, activity recom.Activity, logger *slog.Logger, cfg Config, reg prometheus.Registerer) *Service {
	cfg = cfg.withDefaults()
	lists, _ := lru.New[listKey, ranked](cfg.CacheEntries) // errs only on a size ≤ 0
	s := &Service{stores: stores, activity: activity, logger: logger, cfg: cfg, lists: lists,
		now: time.Now, tenants: map[string]*tenantModel{}, purged: map[string]struct{}{}, items: newItemCache(time.Now),
		buildSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "recomengine_model_build_seconds",
			Help: "Duration of tenant model builds.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		modelBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "recomengine_model_last_bytes",
			Help: "Serialised size of the most recently built model."}),
	}
	if reg != nil {
		reg.MustRegister(s.buildSeconds, s.modelBytes)
	}
	return s
}

// Query is a recommendation request.
type Query struct {
	UserID    string
	ProductID string
	Placement string
	Strategy  string // "" = the experiment's arm on the placement, else the tenant's default
	Limit     int
	Preview   bool // the dashboard's preview: shows the arm but records no exposure
}

// Meta describes an answer (DESIGN §2).
type Meta struct {
	Strategy         string `json:"strategy"`
	IsFallback       bool   `json:"isFallback"`
	Cached           bool   `json:"cached"`
	RecommendationID string `json:"recommendationId"`
	Placement        string `json:"placement"`
	ModelVersion     int64  `json:"modelVersion"`
	ExperimentID     string `json:"experimentId,omitempty"`
	Variant          string `json:"variant,omitempty"`
}

// Recommendation is one product shown to a shopper.
type Recommendation struct {
	ProductID string  `json:"productId"`
	Name      string  `json:"name"`
	ImageURL  string  `json:"imageUrl"`
	URL       string  `json:"url"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency"`
	Category  string  `json:"category"`
	Score     float64 `json:"score"`
	Reason    string  `json:"reason"`
}

// listKey is what a ranked list depends on: the request, the tenant settings the engine
// reads, the version of the user's recent events (a new event is never hidden, US3-5)
// and the model.
type listKey struct {
	tenantID, userID, placement, strategy, productID string
	limit, coldStart                                 int
	repurchase                                       bool
	events, version                                  int64 // the versions of the user's recent events and of the model
}

// String is the key in the shared cache: every field quoted, so none can run into the next.
func (k listKey) String() string {
	b := []byte("rec:")
	for _, f := range []string{k.tenantID, k.userID, k.placement, k.strategy, k.productID} {
		b = strconv.AppendQuote(b, f)
	}
	return fmt.Sprintf("%s%d:%d:%t:%d:%d", b, k.limit, k.coldStart, k.repurchase, k.events, k.version)
}

// cached returns the ranked list of key from this node's memory, else, for a list many
// shoppers share, from the shared cache (kept here too, then).
func (s *Service) cached(ctx context.Context, key listKey, now time.Time) (ranked, bool) {
	if r, ok := s.lists.Get(key); ok && now.Before(r.Expires) {
		return r, true
	}
	if !s.shared(key) {
		return ranked{}, false
	}
	var r ranked
	b, ok, err := s.cfg.Shared.Get(ctx, key.String())
	if err != nil || !ok || json.Unmarshal(b, &r) != nil || !now.Before(r.Expires) {
		return ranked{}, false
	}
	s.lists.Add(key, r)
	return r, true
}

// remember keeps a computed list in this node's memory and, if many shoppers share it,
// in the shared cache. A shared cache failure costs only speed.
func (s *Service) remember(ctx context.Context, key listKey, r ranked) {
	s.lists.Add(key, r)
	if !s.shared(key) {
		return
	}
	if b, err := json.Marshal(r); err == nil {
		_ = s.cfg.Shared.Set(ctx, key.String(), b, s.cfg.CacheTTL)
	}
}

// shared says whether key's list goes to the shared cache: only lists that are not one
// shopper's (new visitors'). A shopper's own list lasts until their next event, which on
// a shop's pages comes with nearly every page: another node would seldom find it, and
// looking costs a round trip to Redis on every miss.
func (s *Service) shared(key listKey) bool {
	return s.cfg.Shared != nil && key.userID == ""
}

// ranked is what the cache keeps: the engine's list before the live catalog check, with
// a margin so dropping an unavailable product still leaves enough. It is never changed
// once cached.
type ranked struct {
	Items      []engine.Item `json:"items"`
	Strategy   string        `json:"strategy"`
	IsFallback bool          `json:"isFallback"`
	Expires    time.Time     `json:"expires"`
}

// Recommend answers q for the tenant with its configuration.
func (s *Service) Recommend(ctx context.Context, tenantID string, cfg recom.TenantConfig, q Query) ([]Recommendation, Meta, error) {
	if q.Limit <= 0 {
		q.Limit = 8
	}
	if q.Placement == "" {
		q.Placement = "default"
	}
	// Strategy: explicit > the experiment's arm > the tenant's default (DESIGN §4). An
	// explicit strategy bypasses the experiment and records no exposure.
	strategy := q.Strategy
	var arm recom.Arm
	if strategy == "" && s.cfg.Assign != nil {
		if a, ok := s.cfg.Assign(ctx, tenantID, q.Placement, q.UserID); ok {
			arm, strategy = a, a.Strategy
		}
	}
	if strategy == "" {
		strategy = cfg.DefaultStrategy
	}
	now := s.now()
	recent, events, err := s.recent(ctx, tenantID, q.UserID)
	if err != nil {
		return nil, Meta{}, err
	}
	tm, err := s.tenantModel(ctx, tenantID)
	if err != nil {
		return nil, Meta{}, err
	}
	version := tm.version.Load()
	meta := Meta{Placement: q.Placement, ModelVersion: version, ExperimentID: arm.ExperimentID, Variant: arm.Variant}
	// The key holds the version of the user's recent events: a new event of the user is
	// never hidden (US3-5). events < 0 means Activity was unavailable: no caching then.
	key := listKey{tenantID: tenantID, userID: q.UserID, placement: q.Placement, strategy: strategy, productID: q.ProductID,
		limit: q.Limit, coldStart: cfg.ColdStartMinEvents, repurchase: cfg.AllowRepurchase, events: events, version: version}
	if events == 0 && len(recent) == 0 {
		// A shopper with no events gets what every such shopper gets (the engine never
		// sees the user id): one list serves all new visitors.
		key.userID = ""
	}
	var r ranked
	if events >= 0 {
		r, meta.Cached = s.cached(ctx, key, now)
	}
	if !meta.Cached {
		purchased := map[string]bool{}
		for _, e := range recent {
			if e.Type == recom.Purchase && !cfg.AllowRepurchase {
				purchased[e.ProductID] = true
			}
		}
		trending := s.trending(ctx, tenantID, tm, now)
		res := tm.model.Load().Recommend(engine.Request{
			Strategy: strategy, UserEvents: recent, ProductID: q.ProductID, Limit: q.Limit + 8 + q.Limit/2,
			Exclude: func(id string) bool { return purchased[id] }, Trending: trending, Now: now,
			ColdStartMinEvents: max(1, cfg.ColdStartMinEvents), // the engine reads ≤ 0 as its default; 0 and 1 behave alike
		})
		r = ranked{Items: res.Items, Strategy: res.Strategy, IsFallback: res.IsFallback, Expires: now.Add(s.cfg.CacheTTL)}
		// An empty list is not kept: a shop that asked before loading its catalog or
		// sending events (the first thing an integrator tries) would get it for the
		// cache's 5 minutes, new products and trending notwithstanding.
		if events >= 0 && len(r.Items) > 0 {
			s.remember(ctx, key, r)
		}
	}
	meta.Strategy, meta.IsFallback = r.Strategy, r.IsFallback
	// The id says which strategy and arm served, for analytics to credit (DESIGN §6).
	meta.RecommendationID = s.cfg.Refs.Mint(tenantID, recom.RecommendationRef{Strategy: meta.Strategy,
		ExperimentID: meta.ExperimentID, Variant: meta.Variant, IssuedAt: now})
	out, err := s.live(ctx, tenantID, r.Items, q)
	if err == nil && arm.ExperimentID != "" && !q.Preview && s.cfg.Expose != nil {
		s.cfg.Expose(ctx, tenantID, arm, q.UserID)
	}
	return out, meta, err
}

// trendTTL is how long a tenant's live trending list is reused: it moves over hours, and
// reading 200 scores from Redis on every request would cost more than the rest.
const trendTTL = 5 * time.Second

type trendMemo struct {
	list []recom.Scored
	at   time.Time
}

// trending returns the tenant's live trending list from Activity, remembered for
// trendTTL; nil (the model's own) when Activity is unavailable.
func (s *Service) trending(ctx context.Context, tenantID string, tm *tenantModel, now time.Time) []recom.Scored {
	if s.activity == nil {
		return nil
	}
	if m := tm.trend.Load(); m != nil && now.Sub(m.at) < trendTTL {
		return m.list
	}
	list, err := s.activity.Trending(ctx, tenantID, 200, now)
	if err != nil {
		return nil
	}
	tm.trend.Store(&trendMemo{list: list, at: now})
	return list
}

// live keeps the items that are in the catalog and available now, up to the limit, with
// their current name, price and links: availability applies at once, cached or not.
func (s *Service) live(ctx context.Context, tenantID string, items []engine.Item, q Query) ([]Recommendation, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ProductID
	}
	byID, err := s.catalogItems(ctx, tenantID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Recommendation, 0, q.Limit)
	for _, it := range items {
		c := byID[it.ProductID]
		if c == nil || !c.Available || it.ProductID == q.ProductID {
			continue
		}
		out = append(out, Recommendation{ProductID: c.ProductID, Name: c.Name, ImageURL: c.ImageURL, URL: c.URL,
			Price: c.Price, Currency: c.Currency, Category: c.Category, Score: it.Score, Reason: it.Reason})
		if len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// recent returns the user's recent events and their version from Activity, or from the
// store when Activity is unavailable (spec edge case: Redis down), with version -1.
//
// While events wait to be recorded in Activity (it was unavailable), Activity lacks
// them and the versions of its lists have not moved: the store is read then too, so no
// list cached before the outage hides them.
func (s *Service) recent(ctx context.Context, tenantID, userID string) ([]recom.Event, int64, error) {
	if s.activity != nil && s.held.Load() == 0 {
		evs, v, err := s.activity.RecentEvents(ctx, tenantID, userID, recom.MaxRecentEvents)
		if err == nil {
			return evs, v, nil
		}
		// Debug: the Redis client logs an outage once; this would log every request.
		s.logger.DebugContext(ctx, "recent events from the store: activity unavailable", "err", err)
	}
	evs, _, err := s.stores.Events.FindEvents(ctx, tenantID, recom.EventFilter{UserID: userID, Page: recom.Page{Limit: recom.MaxRecentEvents}})
	return evs, -1, err
}

// tenantModel returns the tenant's model: in memory, else the stored snapshot, else a
// build now (the tenant's first request).
func (s *Service) tenantModel(ctx context.Context, tenantID string) (*tenantModel, error) {
	s.mu.Lock()
	tm, ok := s.tenants[tenantID]
	if !ok {
		tm = &tenantModel{}
		s.tenants[tenantID] = tm
	}
	s.mu.Unlock()
	if tm.model.Load() != nil {
		return tm, nil
	}
	tm.loadOnce.Lock()
	defer tm.loadOnce.Unlock()
	if tm.model.Load() != nil {
		return tm, nil
	}
	snap, err := s.stores.Models.LoadModel(ctx, tenantID)
	switch {
	case err == nil:
		m := new(engine.Model)
		if err := m.UnmarshalBinary(snap.Data); err == nil {
			tm.model.Store(m)
			tm.version.Store(snap.Version)
			return tm, nil
		}
		s.logger.WarnContext(ctx, "stored model unreadable; rebuilding", "tenantId", tenantID, "err", err)
	case !recom.IsNotFound(err):
		return nil, err
	}
	tm.building.Store(true) // a concurrent Observe must not start a second build
	defer tm.building.Store(false)
	if err := s.build(ctx, tenantID, tm); err != nil {
		return nil, err
	}
	return tm, nil
}

// ForgetTenant drops what the nodes keep of a tenant whose data was purged: this node's
// model, items and ranked lists at once, every other node's when it hears the notice on
// the Bus, and, through Activity (shared by the nodes), its users' recent events and
// trending.
func (s *Service) ForgetTenant(ctx context.Context, tenantID string) error {
	s.forgetLocal(tenantID)
	s.broadcast(ctx, catalogNotice{TenantID: tenantID, Purged: true})
	return s.activity.Forget(ctx, tenantID)
}

// forgetLocal drops what this node keeps of a purged tenant: its model, remembered
// items and ranked lists; events of it held for Activity are not replayed.
func (s *Service) forgetLocal(tenantID string) {
	s.mu.Lock()
	delete(s.tenants, tenantID)
	s.mu.Unlock()
	s.items.drop(tenantID, nil)
	for _, k := range s.lists.Keys() {
		if k.tenantID == tenantID {
			s.lists.Remove(k)
		}
	}
	s.heldMu.Lock()
	s.purged[tenantID] = struct{}{}
	s.heldMu.Unlock()
}

// Learn takes in newly stored events of any tenants, right after their commit and before
// they are acknowledged: each user's recent events and the trending counters are
// updated, so the very next request sees them, and enough new events of a tenant start
// an early rebuild. Impressions count for rebuilds only: they show what was displayed,
// not interest, and would churn the user's cached recommendations on every widget
// render. An Activity failure is logged, not returned: the events are stored, and the
// engine reads the store while Activity is unavailable.
func (s *Service) Learn(ctx context.Context, events []recom.Event) {
	counts := map[string]int{}
	interest := make([]recom.Event, 0, len(events))
	for _, e := range events {
		counts[e.TenantID]++
		if e.Type != recom.RecommendationImpressed {
			interest = append(interest, e)
		}
	}
	for tenantID, n := range counts {
		s.Observe(tenantID, n)
	}
	if s.activity == nil || len(interest) == 0 {
		return
	}
	err := s.activity.Record(ctx, interest)
	switch {
	case errors.Is(err, recom.ErrActivityUnavailable):
		s.logger.WarnContext(ctx, "activity unavailable; holding the events to record later", "err", err, "events", len(interest))
		s.hold(interest)
	case err != nil: // Redis answered, and refused: a retry would fail alike
		s.logger.ErrorContext(ctx, "activity not recorded", "err", err, "events", len(interest))
	}
}

// maxHeld bounds the events held for Activity while it is unavailable; past it the
// oldest are dropped (their users' recent lists lack them; the store has them).
const maxHeld = 100_000

// hold keeps events Activity could not record, for replay to record once it can.
func (s *Service) hold(events []recom.Event) {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	s.heldEvents = append(s.heldEvents, events...)
	if over := len(s.heldEvents) - maxHeld; over > 0 {
		if s.heldDropped == s.heldDroppedLogged {
			s.logger.Error("activity unavailable too long: dropping the oldest held events")
		}
		s.heldEvents = s.heldEvents[over:]
		s.heldDropped += over
	}
	s.held.Store(int64(len(s.heldEvents)))
}

// replay records the held events, oldest first, in chunks, until none are left or
// Activity fails; it reports whether none are left. Run calls it, one at a time. An
// event whose Record failed in transit may have been recorded: replaying it records it
// twice, the price of not losing it.
func (s *Service) replay(ctx context.Context) bool {
	for {
		s.heldMu.Lock()
		chunk := slices.Clone(s.heldEvents[:min(len(s.heldEvents), 1000)])
		dropped := s.heldDropped
		s.heldMu.Unlock()
		if len(chunk) == 0 {
			return true
		}
		s.heldMu.Lock()
		live := slices.DeleteFunc(slices.Clone(chunk), func(e recom.Event) bool { _, gone := s.purged[e.TenantID]; return gone })
		s.heldMu.Unlock()
		err := s.activity.Record(ctx, live)
		if errors.Is(err, recom.ErrActivityUnavailable) {
			return false
		}
		if err != nil {
			s.logger.ErrorContext(ctx, "held activity not recorded", "err", err, "events", len(chunk))
		}
		s.heldMu.Lock()
		// Events dropped meanwhile came off the front, that is off this chunk.
		s.heldEvents = s.heldEvents[max(0, len(chunk)-(s.heldDropped-dropped)):]
		if len(s.heldEvents) == 0 {
			s.heldEvents = nil // let the array go
			if s.heldDropped > s.heldDroppedLogged {
				s.logger.Error("held activity recorded, except events dropped while full", "events", s.heldDropped-s.heldDroppedLogged)
				s.heldDroppedLogged = s.heldDropped
			}
		}
		s.held.Store(int64(len(s.heldEvents)))
		s.heldMu.Unlock()
	}
}

// replayEverySecond records held events once Activity takes them again, so users with
// no new events get theirs too.
func (s *Service) replayEverySecond(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.held.Load() > 0 {
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if s.replay(rctx) {
				s.logger.Info("activity recorded the events held while it was unavailable")
			}
			cancel()
		}
	}
}

// Observe counts accepted events of a tenant; enough of them start an early rebuild.
func (s *Service) Observe(tenantID string, n int) {
	s.mu.Lock()
	tm, ok := s.tenants[tenantID]
	s.mu.Unlock()
	if !ok {
		return // no model in memory yet: the first request builds a current one
	}
	// A model built before the catalog knows no product, so nothing can be recommended
	// until the next build: the first events after it start one.
	if m := tm.model.Load(); tm.pending.Add(int64(n)) >= s.cfg.RebuildAfterEvents || (m != nil && m.Empty()) {
		s.rebuildAsync(tenantID, tm)
	}
}

// Run rebuilds, every RebuildEvery, the tenants that got events since their build, hears
// other nodes' catalog changes, and records held events once Activity is back, until ctx
// ends.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { s.listenCatalog(ctx) })
	wg.Go(func() { s.replayEverySecond(ctx) })
	t := time.NewTicker(s.cfg.RebuildEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		due := map[string]*tenantModel{}
		for id, tm := range s.tenants {
			if tm.pending.Load() > 0 {
				due[id] = tm
			}
		}
		s.mu.Unlock()
		for id, tm := range due {
			if tm.building.CompareAndSwap(false, true) {
				err := s.build(ctx, id, tm)
				tm.building.Store(false)
				if err != nil && !errors.Is(err, context.Canceled) {
					s.logger.Error("model build", "tenantId", id, "err", err)
				}
			}
		}
	}
}

func (s *Service) rebuildAsync(tenantID string, tm *tenantModel) {
	if !tm.building.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer tm.building.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := s.build(ctx, tenantID, tm); err != nil {
			s.logger.Error("model build", "tenantId", tenantID, "err", err)
		}
	}()
}

// build reads the tenant's catalog and events, builds a model, swaps it in and stores
// it for other nodes.
func (s *Service) build(ctx context.Context, tenantID string, tm *tenantModel) error {
	start := s.now()
	pendingAtStart := tm.pending.Load()
	items, _, err := s.stores.Catalog.FindItems(ctx, tenantID, recom.CatalogFilter{})
	if err != nil {
		return err
	}
	var events []recom.Event
	err = s.stores.Events.ScanEvents(ctx, tenantID, start.Add(-s.cfg.History), func(chunk []recom.Event) error {
		events = append(events, chunk...)
		return nil
	})
	if err != nil {
		return err
	}
	m := engine.Build(items, events, start, s.cfg.Engine)
	version := start.UnixNano()
	tm.swap.Lock()
	if version > tm.version.Load() { // never replace a newer model with an older build
		tm.model.Store(m)
		tm.version.Store(version)
	}
	tm.swap.Unlock()
	tm.pending.Add(-pendingAtStart)
	s.buildSeconds.Observe(time.Since(start).Seconds())
	data, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	s.modelBytes.Set(float64(len(data)))
	s.logger.Info("model built", "tenantId", tenantID, "items", len(items), "events", len(events),
		"seconds", strconv.FormatFloat(time.Since(start).Seconds(), 'f', 3, 64), "bytes", len(data))
	return s.stores.Models.SaveModel(ctx, recom.ModelSnapshot{TenantID: tenantID, Version: version, BuiltAt: start.UTC().Truncate(time.Microsecond),
		Events: int64(len(events)), Data: data})
}
