package recom

import (
	"context"
	"errors"
	"time"
)

// Activity is the fast, shared state the recommendation engine reads on every request
// (DESIGN §3): each user's most recent events with a version that changes with them, and
// each tenant's trending counters. It is updated
// synchronously when events are accepted, so the very next request sees them. The store
// stays the truth: when Activity is unavailable the engine reads the store instead.
type Activity interface {
	// Record adds accepted (new, durable) events of any tenants: each user's recent list
	// keeps the newest MaxRecentEvents by timestamp, and each product's trending score
	// grows by the event's weight, decayed by the event's age.
	Record(ctx context.Context, events []Event) error
	// RecentEvents returns up to n of the user's newest events, newest first (of equal
	// timestamps, the one received later first), and the version of the user's list: 0
	// when it is empty, else a number that changes whenever the list does (it may change
	// when the list does not), so it can key a cache. Of each event it returns at least
	// what the engine reads: tenant, user, type, product and timestamp.
	RecentEvents(ctx context.Context, tenantID, userID string, n int) ([]Event, int64, error)
	// Trending returns the tenant's top n products by decayed score at time now, highest
	// first.
	Trending(ctx context.Context, tenantID string, n int, now time.Time) ([]Scored, error)
	// Forget drops everything kept of the tenant: its users' events and its trending.
	Forget(ctx context.Context, tenantID string) error
}

// ErrActivityUnavailable is wrapped by Activity's errors when its backend cannot serve
// the call (Redis unreachable, loading, read-only): a Record that failed so was not
// applied, or failed in transit, and may be retried once it is back.
var ErrActivityUnavailable = errors.New("activity unavailable")

// Scored is a product with a score.
type Scored struct {
	ProductID string  `json:"productId"`
	Score     float64 `json:"score"`
}

// MaxRecentEvents is how many of a user's events Activity keeps (DESIGN §4: ~50).
const MaxRecentEvents = 50

// TrendingHalfLife is the half-life of a trending signal: an event counts half as much a
// day later.
const TrendingHalfLife = 24 * time.Hour

// EventWeight is how strongly an event type signals interest (DESIGN §4: weighted by type).
func EventWeight(t EventType) float64 {
	switch t {
	case Purchase:
		return 5
	case AddToCart:
		return 3
	case RecommendationClicked, ProductClicked:
		return 2
	case ProductViewed:
		return 1
	case RemoveFromCart:
		return -1
	}
	return 0 // impressions are exposure, not interest
}
