package recom

import (
	"context"
	"time"
)

// AnalyticEvents are the event types analytics reads: a change to any of them makes the
// days it can affect stale (DESIGN §6).
var AnalyticEvents = []EventType{RecommendationImpressed, RecommendationClicked, Purchase}

// UnknownStrategy is the strategy of an impression or click whose recommendationId was
// not issued by this service for the tenant (forged, mistyped or from an old key).
const UnknownStrategy = "unknown"

// Day returns the UTC day holding t, as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// StaleDay is a tenant's day whose analytic events changed since its rollup. Version is
// the store's opaque token of the changes StaleDays read (and of no later one):
// ReplaceDay clears only those, so a day changed while it was being rolled up stays stale
// and is rolled up again. An empty Version clears nothing.
type StaleDay struct {
	TenantID string
	Day      time.Time // midnight UTC
	Version  string
}

// Dims are what a rollup row is grouped by: where the recommendation was shown, which
// strategy served it, and the experiment arm ("" outside experiments).
type Dims struct {
	Placement    string `json:"placement"`
	Strategy     string `json:"strategy"`
	ExperimentID string `json:"experimentId,omitempty"`
	Variant      string `json:"variant,omitempty"`
}

// Counts are the additive measures of a rollup row.
type Counts struct {
	Impressions int64   `json:"impressions"` // distinct (recommendationId, product) impressed
	Clicks      int64   `json:"clicks"`      // distinct (recommendationId, product) clicked
	Conversions int64   `json:"conversions"` // purchase lines credited to a click
	Revenue     float64 `json:"revenue"`     // of the credited lines
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Impressions += o.Impressions
	c.Clicks += o.Clicks
	c.Conversions += o.Conversions
	c.Revenue += o.Revenue
}

// DailyRow is one day of a tenant's recommendation performance for one Dims.
type DailyRow struct {
	Day time.Time // midnight UTC
	Dims
	Counts
	Users int64 // distinct users with an impression, click or conversion in the row
}

// ProductDailyRow is one day of one product's performance for a placement and strategy.
type ProductDailyRow struct {
	Day       time.Time
	Placement string
	Strategy  string
	ProductID string
	Counts
}

// OrderLine is a line of an order: the product of an orderId.
type OrderLine struct{ OrderID, ProductID string }

// Attribution credits a purchase line to the latest recommendation click of the same
// user on the same product within the tenant's window (FR-024). A line (order, product)
// is credited at most once.
type Attribution struct {
	TenantID         string
	OrderID          string
	ProductID        string
	UserID           string
	PurchasedAt      time.Time
	ClickedAt        time.Time
	RecommendationID string
	Dims
	Quantity int
	Revenue  float64 // line price × quantity; the catalog price when the line has none
}

// DayRollup is everything computed for one tenant-day: the rows of its purchases'
// credits and of its impressions and clicks.
type DayRollup struct {
	Daily        []DailyRow
	Products     []ProductDailyRow
	Attributions []Attribution // credits of the day's purchases
	// Users is each experiment user's activity of the day: what experiment results read.
	Users []ExperimentUserDay
	// Stale are other days this rollup changed (a credit moved here from them): they are
	// marked stale in the same transaction.
	Stale []time.Time
}

// AnalyticsFilter narrows analytics reads; empty fields match everything.
type AnalyticsFilter struct {
	Placement string
	Strategy  string
}

// ProductTotal is a product's counts summed over a range.
type ProductTotal struct {
	ProductID string
	Counts
}

// AnalyticsStore keeps the rollups and revenue attributions (DESIGN §6). Days are marked
// stale by EventStore.AppendEvents, in the transaction that stores their events.
type AnalyticsStore interface {
	// StaleDays lists up to limit stale tenant-days, oldest first. Before it returns, every
	// transaction that marked one of them has ended, so a scan started afterwards sees
	// their events.
	StaleDays(ctx context.Context, limit int) ([]StaleDay, error)
	// ReplaceDay replaces, in one transaction, the tenant-day's rollup rows, experiment
	// user rows and the attributions of its purchases with r, and clears the mark if its version is still
	// d.Version. An attribution of a line credited on another day moves the credit here:
	// the caller found this day's purchase earlier and marks the other day stale.
	ReplaceDay(ctx context.Context, d StaleDay, r DayRollup) error
	// FindAttributions returns the tenant's credits of the given lines, those that have one.
	FindAttributions(ctx context.Context, tenantID string, lines []OrderLine) ([]Attribution, error)
	// Daily returns the tenant's rows of days in [from, to], oldest first.
	Daily(ctx context.Context, tenantID string, from, to time.Time, f AnalyticsFilter) ([]DailyRow, error)
	// ProductTotals returns the products with any count in days [from, to], summed, in the
	// order of by ("impressions", "clicks", "ctr" or "revenue"; ties by product id), at
	// most limit (0: all). "ctr" ranks only products with at least minImpressions.
	ProductTotals(ctx context.Context, tenantID string, from, to time.Time, f AnalyticsFilter, by string, minImpressions int64, limit int) ([]ProductTotal, error)
	// Attributions lists the tenant's credits of purchases in [from, to), oldest first.
	Attributions(ctx context.Context, tenantID string, from, to time.Time) ([]Attribution, error)
	// Exclusive runs fn unless another node is running it under the same name, and says
	// whether it ran (PostgreSQL: a session advisory lock; SQLite: one node).
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error)
}
