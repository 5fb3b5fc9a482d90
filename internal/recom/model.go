package recom

import (
	"context"
	"time"
)

// ModelSnapshot is a tenant's serialised recommendation model, stored so a restarted or
// added node loads it rather than rebuilding (DESIGN §4).
type ModelSnapshot struct {
	TenantID string
	Version  int64 // grows with each build of the tenant
	BuiltAt  time.Time
	Events   int64 // events the build read
	Data     []byte
}

// ModelStore keeps the newest snapshot of each tenant.
type ModelStore interface {
	// SaveModel stores the snapshot, replacing the tenant's older one; a snapshot whose
	// Version is not newer than the stored one is ignored (another node built later).
	SaveModel(ctx context.Context, m ModelSnapshot) error
	// LoadModel returns the tenant's snapshot. Returns CodeNotFound if there is none.
	LoadModel(ctx context.Context, tenantID string) (ModelSnapshot, error)
}
