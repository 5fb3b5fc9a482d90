// Package analytics turns events into what a merchant reads (DESIGN §6): revenue
// attribution, daily rollups kept current by a background job, the reports of the
// dashboard (overview, time series, top products) and their CSV export. It imports recom
// of ours.
package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recomengine/recomengine/internal/recom"
)

// Service computes and reads analytics.
type Service struct {
	stores recom.Stores
	refs   *recom.RefCodec
	logger *slog.Logger
	now    func() time.Time

	rolled   prometheus.Counter
	duration prometheus.Histogram

	mu      sync.Mutex
	waiting map[dayKey]time.Time // slow days: not rolled up again before then
	round   map[dayKey]bool      // days Run rolled up in its current round (refresh with a budget)
}

type dayKey struct {
	tenantID string
	day      time.Time
}

// A day whose rollup took at least slowRollup is not rolled up again for restFactor
// times as long: a large tenant's today, stale on every run, then costs the job at most
// a tenth of its time instead of all of it, and its numbers lag by seconds more.
const (
	slowRollup = 100 * time.Millisecond
	restFactor = 10
)

// New returns the service; reg may be nil.
func New(stores recom.Stores, refs *recom.RefCodec, logger *slog.Logger, reg prometheus.Registerer) *Service {
	s := &Service{stores: stores, refs: refs, logger: logger, now: time.Now, waiting: map[dayKey]time.Time{}, round: map[dayKey]bool{},
		rolled: prometheus.NewCounter(prometheus.CounterOpts{Name: "recomengine_rollup_days_total",
			Help: "Tenant-days rolled up."}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "recomengine_rollup_day_seconds",
			Help: "Duration of one tenant-day's rollup.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}),
	}
	if reg != nil {
		reg.MustRegister(s.rolled, s.duration)
	}
	return s
}

// refreshBatch is how many stale days one Refresh takes on.
const refreshBatch = 500

// passBudget is how long one of Run's passes works before it rests (restFactor times
// as long) and goes on with the days left in its round (the days stale when the round
// began; one rolled up is not taken again before the next round): a backfill of many
// days (a shop's imported history) then takes turns with serving in slices of ~20 ms
// instead of taking a core and the database for seconds (it had raised the
// recommendations' p95 at 2,000/s here from 4 ms to about 100 ms). A single day's
// rollup is never cut. Rounds start an interval apart, as passes did before.
const passBudget = 20 * time.Millisecond

// Refresh rolls up the days that were stale when it started and returns how many. Days
// changed meanwhile stay stale for the next call. The job calls it every few seconds;
// tests call it to see their events in the reports at once.
func (s *Service) Refresh(ctx context.Context) (int, error) {
	n, _, err := s.refresh(ctx, 0)
	return n, err
}

// refresh is Refresh that, given a budget > 0, skips the days of the current round and
// stops once the budget is spent with days left (more); more false ends the round.
func (s *Service) refresh(ctx context.Context, budget time.Duration) (done int, more bool, _ error) {
	days, err := s.stores.Analytics.StaleDays(ctx, refreshBatch)
	if err != nil {
		return 0, false, err
	}
	var errs []error
	var passStart time.Time
	if budget > 0 {
		passStart = s.now()
	}
	tried := 0
	for _, d := range days {
		k := dayKey{d.TenantID, d.Day}
		if budget > 0 {
			if s.inRound(k) {
				continue // stale again since: the next round takes it
			}
			if tried > 0 && s.now().Sub(passStart) >= budget {
				return done, true, errors.Join(errs...)
			}
			tried++
			s.mu.Lock()
			s.round[k] = true // tried this round, rolled up or not
			s.mu.Unlock()
		}
		s.mu.Lock()
		until, resting := s.waiting[k]
		s.mu.Unlock()
		if resting && s.now().Before(until) {
			continue // still stale: a later run takes it
		}
		start := s.now()
		if err := s.rollup(ctx, d); err != nil {
			errs = append(errs, fmt.Errorf("analytics: roll up %s of tenant %s: %w", d.Day.Format(time.DateOnly), d.TenantID, err))
			continue
		}
		done++
		s.mu.Lock()
		if took := s.now().Sub(start); took >= slowRollup {
			if len(s.waiting) > 10_000 {
				clear(s.waiting)
			}
			s.waiting[k] = start.Add(restFactor * took)
		} else {
			delete(s.waiting, k)
		}
		s.mu.Unlock()
	}
	if budget > 0 {
		s.mu.Lock()
		clear(s.round)
		s.mu.Unlock()
	}
	return done, false, errors.Join(errs...)
}

func (s *Service) inRound(k dayKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.round[k]
}

// Run refreshes every interval until ctx ends, on one node at a time (DESIGN §1). After
// a pass it rests at least restFactor times as long as the pass took, so under heavy
// ingestion (every pass re-reading large days) the job keeps to about a tenth of its
// node's and the database's time, and the numbers lag a little more instead (at 30,000
// events/s here, passes every 5 s had raised ingestion's p95 from 82 ms to 467 ms).
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	roundStart := time.Now()
	for {
		start := time.Now()
		more := false
		_, err := s.stores.Analytics.Exclusive(ctx, "rollup", func(ctx context.Context) error {
			var err error
			_, more, err = s.refresh(ctx, passBudget)
			return err
		})
		if err != nil && ctx.Err() == nil {
			s.logger.Error("analytics rollup", "err", err)
		}
		// Within a round, only the rest; after it, the next round an interval after
		// this one began, and not before the rest.
		wait := restFactor * time.Since(start)
		if !more {
			wait = max(interval-time.Since(roundStart), wait)
			roundStart = time.Now().Add(wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// rollup recomputes one tenant-day from its events and replaces the stored one.
func (s *Service) rollup(ctx context.Context, d recom.StaleDay) error {
	start := time.Now()
	tenant, err := s.stores.Tenants.FindTenantByID(ctx, d.TenantID)
	if err != nil {
		return err
	}
	window := time.Duration(tenant.Config.AttributionWindowMinutes) * time.Minute
	end := d.Day.AddDate(0, 0, 1)
	var events []recom.Event
	collect := func(chunk []recom.Event) error { events = append(events, chunk...); return nil }
	// Clicks from a window before the day can earn its purchases.
	if err := s.stores.Events.ScanEventsBetween(ctx, d.TenantID, d.Day.Add(-window), end,
		[]recom.EventType{recom.RecommendationClicked}, collect); err != nil {
		return err
	}
	if err := s.stores.Events.ScanEventsBetween(ctx, d.TenantID, d.Day, end,
		[]recom.EventType{recom.RecommendationImpressed, recom.Purchase}, collect); err != nil {
		return err
	}
	sortByTime(events)
	prices, err := s.catalogPrices(ctx, d.TenantID, events)
	if err != nil {
		return err
	}
	elsewhere, err := s.creditsElsewhere(ctx, d, events)
	if err != nil {
		return err
	}
	r := rollupDay(dayInput{tenantID: d.TenantID, day: d.Day, window: window, events: events, refs: s.refs,
		price:     func(id string) (float64, bool) { p, ok := prices[id]; return p, ok },
		elsewhere: func(l recom.OrderLine) (time.Time, bool) { at, ok := elsewhere[l]; return at, ok },
		arm:       s.arms(ctx, d.TenantID)})
	r.Stale = r.took // their rollups still count the credits moved here
	if err := s.stores.Analytics.ReplaceDay(ctx, d, r.DayRollup); err != nil {
		return err
	}
	s.rolled.Inc()
	s.duration.Observe(time.Since(start).Seconds())
	return nil
}

// arms returns the arm of a user in one of the tenant's experiments, reading each
// experiment once.
func (s *Service) arms(ctx context.Context, tenantID string) func(experimentID, userID string) (string, bool) {
	found := map[string]*recom.Experiment{}
	return func(experimentID, userID string) (string, bool) {
		e, seen := found[experimentID]
		if !seen {
			if x, err := s.stores.Experiments.FindExperiment(ctx, tenantID, experimentID); err == nil {
				e = &x
			} else if !recom.IsNotFound(err) {
				s.logger.ErrorContext(ctx, "analytics: read experiment", "experiment", experimentID, "err", err)
			}
			found[experimentID] = e
		}
		if e == nil {
			return "", false
		}
		v, _ := e.Arm(userID)
		return v, true
	}
}

// creditsElsewhere returns, for the lines of the day's purchases credited on another day,
// the time of the purchase holding the credit.
func (s *Service) creditsElsewhere(ctx context.Context, d recom.StaleDay, events []recom.Event) (map[recom.OrderLine]time.Time, error) {
	var lines []recom.OrderLine
	seen := map[recom.OrderLine]bool{}
	for _, e := range events {
		l := recom.OrderLine{OrderID: e.OrderID, ProductID: e.ProductID}
		if e.Type == recom.Purchase && !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	out := map[recom.OrderLine]time.Time{}
	if len(lines) == 0 {
		return out, nil
	}
	found, err := s.stores.Analytics.FindAttributions(ctx, d.TenantID, lines)
	if err != nil {
		return nil, err
	}
	for _, a := range found {
		if !recom.Day(a.PurchasedAt).Equal(d.Day) {
			out[recom.OrderLine{OrderID: a.OrderID, ProductID: a.ProductID}] = a.PurchasedAt
		}
	}
	return out, nil
}

// catalogPrices returns the current catalog price of the products of purchase lines
// without a price.
func (s *Service) catalogPrices(ctx context.Context, tenantID string, events []recom.Event) (map[string]float64, error) {
	var ids []string
	seen := map[string]bool{}
	for _, e := range events {
		if e.Type == recom.Purchase && e.Price == nil && !seen[e.ProductID] {
			seen[e.ProductID] = true
			ids = append(ids, e.ProductID)
		}
	}
	prices := map[string]float64{}
	if len(ids) == 0 {
		return prices, nil
	}
	items, err := s.stores.Catalog.FindItemsByIDs(ctx, tenantID, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		prices[it.ProductID] = it.Price
	}
	return prices, nil
}
