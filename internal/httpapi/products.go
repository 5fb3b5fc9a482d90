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
	entries map[string]productEntry // tenant + "\x00" + product
}

type productEntry struct {
	known   bool
	expires time.Time
}

const maxProductEntries = 500_000

func newProductIndex(catalog recom.CatalogStore) *productIndex {
	return &productIndex{catalog: catalog, ttl: 30 * time.Second, entries: map[string]productEntry{}}
}

// Missing returns those of ids the tenant's catalog lacks.
func (x *productIndex) Missing(ctx context.Context, tenantID string, ids []string) ([]string, error) {
	now := time.Now()
	var unsure, missing []string
	x.mu.Lock()
	for _, id := range ids {
		e, ok := x.entries[tenantID+"\x00"+id]
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
	if len(x.entries)+len(unsure) > maxProductEntries {
		clear(x.entries)
	}
	isGone := make(map[string]bool, len(gone))
	for _, id := range gone {
		isGone[id] = true
	}
	for _, id := range unsure {
		x.entries[tenantID+"\x00"+id] = productEntry{known: !isGone[id], expires: now.Add(x.ttl)}
	}
	return append(missing, gone...), nil
}

// Forget drops what is remembered of the tenant's products, after a catalog change.
func (x *productIndex) Forget(tenantID string, ids ...string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		delete(x.entries, tenantID+"\x00"+id)
	}
}
