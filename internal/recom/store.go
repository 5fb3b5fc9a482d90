package recom

import (
	"context"
	"time"
)

// Stores is every store an adapter provides, plus its health probe.
type Stores struct {
	Admins        AdminStore
	Tenants       TenantStore
	APIKeys       APIKeyStore
	RefreshTokens RefreshTokenStore
	Catalog       CatalogStore
	Events        EventStore
	Models        ModelStore
	Analytics     AnalyticsStore
	Experiments   ExperimentStore
	// Ping reports whether the database answers.
	Ping func(ctx context.Context) error
	// Name is "sqlite" or "postgres", shown by /readyz.
	Name string
}

// Cache is a byte cache with expiry. A miss is (nil, false, nil).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, keys ...string) error
}

// Limit is a rate: Rate requests per Period with bursts up to Burst (GCRA).
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute is n requests a minute with a burst of n.
func PerMinute(n int) Limit { return Limit{Rate: n, Period: time.Minute, Burst: n} }

// LimitResult is the outcome of one Allow.
type LimitResult struct {
	Allowed    bool
	Limit      int           // the burst: RateLimit-Limit
	Remaining  int           // RateLimit-Remaining
	RetryAfter time.Duration // wait before a retry can succeed; 0 when allowed
	ResetAfter time.Duration // until the bucket is full again: RateLimit-Reset
}

// Limiter decides whether one more request under key fits its limit.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (LimitResult, error)
}

// Health is the state of a dependency, shown by /readyz.
type Health struct {
	Name    string `json:"name"`
	Backend string `json:"backend"` // e.g. "redis", "in-process"
	OK      bool   `json:"ok"`
	Detail  string `json:"detail,omitempty"`
}
