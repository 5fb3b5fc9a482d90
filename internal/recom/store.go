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
	Widgets       WidgetStore
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

// Bus carries change notices between the nodes of one deployment, best effort: Redis
// pub/sub, or in process for the one node of the embedded default. A node that keeps a
// copy of stored data drops it on a notice, and trusts its copy only while Listen says
// it hears every notice.
type Bus interface {
	// Publish sends msg to every node listening on topic, this one included.
	Publish(ctx context.Context, topic string, msg []byte) error
	// Listen calls fn with each message on topic until ctx ends. It calls connected(true)
	// once it hears every message, and connected(false) whenever it may miss some (the
	// connection broke; messages sent until the next connected(true) are lost), and
	// when it returns. Calls never overlap and come in order; fn must not Publish (the
	// in-process bus delivers inside Publish).
	Listen(ctx context.Context, topic string, fn func(msg []byte), connected func(bool))
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
