package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// productIndex answers "which of these products are not in the tenant's catalog" for
// ingestion, remembering answers for a short while so a stream of events about the same
// products does not query the catalog per request.
type productIndex struct {
	catalog recom.CatalogStore
	ttl     time.Duration

	mu      sync.Mutex
	entries map[string]map[string]productEntry // tenant → product → entry
	count   int                                // entries in all
}

type productEntry struct {
	known   bool
	expires time.Time
}

const maxProductEntries = 500_000

func newProductIndex(catalog recom.CatalogStore) *productIndex {
	return &productIndex{catalog: catalog, ttl: 30 * time.Second, entries: map[string]map[string]productEntry{}}
}

// Missing returns those of ids the tenant's catalog lacks.
func (x *productIndex) Missing(ctx context.Context, tenantID string, ids []string) ([]string, error) {
	now := time.Now()
	var unsure, missing []string
	x.mu.Lock()
	known := x.entries[tenantID]
	for _, id := range ids {
		e, ok := known[id]
		switch {
		case !ok || now.After(e.expires):
			unsure = append(unsure, id)
		case !e.known:
			missing = append(missing, id)
		}
	}
	x.mu.Unlock()
	if len(unsure) == 0 {
		return missing, nil
	}
	gone, err := x.catalog.MissingProducts(ctx, tenantID, unsure)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.count+len(unsure) > maxProductEntries {
		clear(x.entries)
		x.count = 0
	}
	known = x.entries[tenantID]
	if known == nil {
		known = map[string]productEntry{}
		x.entries[tenantID] = known
	}
	isGone := make(map[string]bool, len(gone))
	for _, id := range gone {
		isGone[id] = true
	}
	for _, id := range unsure {
		if _, ok := known[id]; !ok {
			x.count++
		}
		known[id] = productEntry{known: !isGone[id], expires: now.Add(x.ttl)}
	}
	return append(missing, gone...), nil
}

// Forget drops what is remembered of the tenant's products, after a catalog change.
func (x *productIndex) Forget(tenantID string, ids ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	known := x.entries[tenantID]
	for _, id := range ids {
		if _, ok := known[id]; ok {
			delete(known, id)
			x.count--
		}
	}
}
