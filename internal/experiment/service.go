// Package experiment runs A/B tests of strategies (DESIGN §5): the lifecycle, one active
// experiment per placement, deterministic assignment with exposures recorded once per
// user, and results computed with the stats package from exposures and the per-user
// activity the analytics rollup keeps. It imports recom and stats of ours.
package experiment

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// activeTTL is how long a node reuses a tenant's list of active experiments: a start,
// pause or completion on another node reaches this one within it.
const activeTTL = 2 * time.Second

// maxSeen bounds the exposures remembered in process; past it the memory starts afresh
// (the store ignores repeats, so forgetting costs only a write).
const maxSeen = 1_000_000

// Service manages experiments and assigns users.
type Service struct {
	store   recom.ExperimentStore
	history recom.AnalyticsStore // the rollups N* is estimated from; nil: the default
	logger  *slog.Logger
	now     func() time.Time

	mu      sync.Mutex
	active  map[string]activeList       // tenant → its active experiments
	seen    map[string]struct{}         // experiment + user exposures stored or pending
	pending map[string][]recom.Exposure // tenant → exposures waiting for Flush
	waiting int
}

// maxPending bounds the exposures waiting for a flush; past it new ones are dropped (and
// logged): the results then count those users by their activity.
const maxPending = 100_000

type activeList struct {
	list []recom.Experiment
	at   time.Time
}

// New returns the service; history (the analytics rollups) may be nil.
func New(store recom.ExperimentStore, history recom.AnalyticsStore, logger *slog.Logger) *Service {
	return &Service{store: store, history: history, logger: logger, now: time.Now,
		active: map[string]activeList{}, seen: map[string]struct{}{}, pending: map[string][]recom.Exposure{}}
}

// Create stores a new draft experiment (US4-1). Returns CodeConflict if another
// experiment is running or paused on its placement (FR-019, US4-5).
func (s *Service) Create(ctx context.Context, tenantID string, in recom.ExperimentInput) (recom.Experiment, error) {
	e, err := recom.NewExperiment(tenantID, in)
	if err != nil {
		return recom.Experiment{}, err
	}
	if err := s.placementFree(ctx, e); err != nil {
		return recom.Experiment{}, err
	}
	return s.store.CreateExperiment(ctx, e)
}

// placementFree returns CodeConflict if another active experiment holds e's placement:
// a draft holds none, so the store's guard on active ones cannot refuse it.
func (s *Service) placementFree(ctx context.Context, e recom.Experiment) error {
	active, err := s.store.ActiveExperiments(ctx, e.TenantID)
	if err != nil {
		return err
	}
	for _, a := range active {
		if a.Placement == e.Placement && a.ID != e.ID {
			return recom.Errorf(recom.CodeConflict, "Experiment %q is %s on placement %q; complete it first.", a.Name, a.Status, a.Placement)
		}
	}
	return nil
}

// Get returns the tenant's experiment.
func (s *Service) Get(ctx context.Context, tenantID, id string) (recom.Experiment, error) {
	return s.store.FindExperiment(ctx, tenantID, id)
}

// List returns the tenant's experiments newest first, with the total.
func (s *Service) List(ctx context.Context, tenantID string, f recom.ExperimentFilter) ([]recom.Experiment, int, error) {
	return s.store.FindExperiments(ctx, tenantID, f)
}

// Update changes the given fields; once started only the name and target MDE may change.
func (s *Service) Update(ctx context.Context, tenantID, id string, in recom.ExperimentInput) (recom.Experiment, error) {
	e, err := s.store.FindExperiment(ctx, tenantID, id)
	if err != nil {
		return recom.Experiment{}, err
	}
	prev := e.UpdatedAt
	if err := e.Apply(in); err != nil {
		return recom.Experiment{}, err
	}
	e.UpdatedAt = recom.Now()
	return s.store.UpdateExperiment(ctx, e, prev)
}

// Move changes the experiment's status (start, pause, resume, complete). Starting on a
// placement another experiment holds is a CodeConflict (FR-019), atomically in the store.
func (s *Service) Move(ctx context.Context, tenantID, id string, to recom.ExperimentStatus) (recom.Experiment, error) {
	e, err := s.store.FindExperiment(ctx, tenantID, id)
	if err != nil {
		return recom.Experiment{}, err
	}
	prev := e.UpdatedAt
	if err := e.MoveTo(to, recom.Now()); err != nil {
		return recom.Experiment{}, err
	}
	// One active experiment per placement: the store refuses a second one atomically.
	e, err = s.store.UpdateExperiment(ctx, e, prev)
	if err == nil {
		s.mu.Lock()
		delete(s.active, tenantID) // this node sees the change at once
		s.mu.Unlock()
	}
	return e, err
}

// Assign returns the arm of the user in the experiment running on the placement, if one
// runs (a paused experiment assigns no one: its users get the tenant's default).
func (s *Service) Assign(ctx context.Context, tenantID, placement, userID string) (recom.Arm, bool) {
	e, ok := s.running(ctx, tenantID, placement)
	if !ok {
		return recom.Arm{}, false
	}
	variant, strategy := e.Arm(userID)
	return recom.Arm{ExperimentID: e.ID, Variant: variant, Strategy: strategy}, true
}

// Expose notes that the user was served the arm, once: the recommendation path calls it
// after a successful answer. It only queues the exposure (no write on the request path);
// Flush stores the queue, which Run does every interval and Results before it reads.
func (s *Service) Expose(ctx context.Context, tenantID string, arm recom.Arm, userID string) {
	key := exposureKey(arm.ExperimentID, userID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.seen[key]; done {
		return
	}
	if s.waiting >= maxPending {
		s.logger.WarnContext(ctx, "exposure queue full: exposure dropped", "experiment", arm.ExperimentID)
		return
	}
	if len(s.seen) >= maxSeen {
		s.seen = map[string]struct{}{}
	}
	s.seen[key] = struct{}{}
	s.pending[tenantID] = append(s.pending[tenantID], recom.Exposure{ExperimentID: arm.ExperimentID,
		UserID: userID, Variant: arm.Variant, At: recom.Now()})
	s.waiting++
}

// Flush stores the queued exposures, one call per tenant. Exposures a failed call held
// are forgotten as seen, so the users' next answers queue them again.
func (s *Service) Flush(ctx context.Context) error { return s.flush(ctx, "") }

// flush stores the queued exposures of tenantID, or of every tenant if it is "".
func (s *Service) flush(ctx context.Context, tenantID string) error {
	s.mu.Lock()
	batch := s.pending
	if tenantID == "" {
		s.pending, s.waiting = map[string][]recom.Exposure{}, 0
	} else {
		batch = map[string][]recom.Exposure{tenantID: s.pending[tenantID]}
		s.waiting -= len(s.pending[tenantID])
		delete(s.pending, tenantID)
	}
	s.mu.Unlock()
	var errs []error
	for tenantID, xs := range batch {
		if _, err := s.store.RecordExposures(ctx, tenantID, xs); err != nil {
			errs = append(errs, err)
			s.mu.Lock()
			for _, x := range xs {
				delete(s.seen, exposureKey(x.ExperimentID, x.UserID))
			}
			s.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// exposureKey is an exposure's key in seen.
func exposureKey(experimentID, userID string) string { return experimentID + "\x00" + userID }

// Run flushes exposures every interval until ctx ends, then once more.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := s.Flush(fctx); err != nil {
				s.logger.Error("flush exposures", "err", err)
			}
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil {
				s.logger.ErrorContext(ctx, "flush exposures", "err", err)
			}
		}
	}
}

// running returns the experiment running on the tenant's placement, from a list of the
// tenant's active experiments read at most activeTTL ago.
func (s *Service) running(ctx context.Context, tenantID, placement string) (recom.Experiment, bool) {
	now := s.now()
	s.mu.Lock()
	a, ok := s.active[tenantID]
	s.mu.Unlock()
	if !ok || now.Sub(a.at) > activeTTL {
		list, err := s.store.ActiveExperiments(ctx, tenantID)
		if err != nil {
			s.logger.ErrorContext(ctx, "active experiments", "tenant", tenantID, "err", err)
			return recom.Experiment{}, false
		}
		a = activeList{list: list, at: now}
		s.mu.Lock()
		s.active[tenantID] = a
		s.mu.Unlock()
	}
	for _, e := range a.list {
		if e.Placement == placement && e.Status == recom.ExperimentRunning {
			return e, true
		}
	}
	return recom.Experiment{}, false
}
