package recommend

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// catalogTopic is the Bus topic of catalog changes: {"tenantId", "productIds"}.
const catalogTopic = "catalog"

const (
	// maxCachedItems bounds the remembered items of all tenants; past it, all are dropped.
	maxCachedItems = 200_000
	// itemMaxAge bounds how long an item is trusted, in case a node's notice was lost
	// (its Publish failed while the listeners stayed connected).
	itemMaxAge = time.Minute
)

// itemCache remembers, per tenant, the catalog items the live check read (and the ids
// it found missing), so a recommendation costs no catalog query. It is trusted only
// while the Bus delivers every catalog change of every node: each change drops the
// items it touched, here at once and on other nodes when the notice arrives. While the
// Bus may miss notices (Redis unreachable, or no Bus at all), every check reads the
// store, as it would without the cache.
type itemCache struct {
	now func() time.Time

	mu      sync.RWMutex
	trusted bool
	gen     uint64 // counts drops, so a read that raced one does not store its result
	size    int
	tenants map[string]map[string]*cachedItem
}

// cachedItem is never changed once stored: readers share it.
type cachedItem struct {
	item *recom.CatalogItem // nil: not in the catalog
	at   time.Time
}

func newItemCache(now func() time.Time) *itemCache {
	return &itemCache{now: now, tenants: map[string]map[string]*cachedItem{}}
}

// lookup puts the remembered items among ids into byID (ids known missing are left
// out), and returns the ids to read from the store and the generation to pass to fill.
// Untrusted, it remembers nothing and every id is to be read.
func (c *itemCache) lookup(tenantID string, ids []string, byID map[string]*recom.CatalogItem) ([]string, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.trusted {
		return ids, c.gen
	}
	items := c.tenants[tenantID]
	var missing []string
	oldest := c.now().Add(-itemMaxAge)
	for _, id := range ids {
		switch it := items[id]; {
		case it == nil || !it.at.After(oldest):
			missing = append(missing, id)
		case it.item != nil:
			byID[id] = it.item
		}
	}
	return missing, c.gen
}

// fill remembers what the store answered for ids, unless a drop happened since lookup
// returned gen (the answer may predate the change that caused it). It keeps found's
// items: the caller must not change them afterwards.
func (c *itemCache) fill(tenantID string, gen uint64, ids []string, found []recom.CatalogItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.trusted || gen != c.gen || len(ids) == 0 {
		return
	}
	if c.size+len(ids) > maxCachedItems {
		clear(c.tenants)
		c.size = 0
	}
	items := c.tenants[tenantID]
	if items == nil {
		items = map[string]*cachedItem{}
		c.tenants[tenantID] = items
	}
	at := c.now()
	for _, id := range ids {
		if _, ok := items[id]; !ok {
			c.size++
		}
		items[id] = &cachedItem{at: at}
	}
	for i := range found {
		if it, ok := items[found[i].ProductID]; ok {
			it.item = &found[i] // not yet shared: stored above
		}
	}
}

// drop forgets the tenant's items among ids, or all of its items when ids is empty.
func (c *itemCache) drop(tenantID string, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	items := c.tenants[tenantID]
	if len(ids) == 0 {
		c.size -= len(items)
		delete(c.tenants, tenantID)
		return
	}
	for _, id := range ids {
		if _, ok := items[id]; ok {
			delete(items, id)
			c.size--
		}
	}
}

// setTrusted starts or stops trusting the cache; either way it starts empty, since
// notices may have been missed.
func (c *itemCache) setTrusted(ok bool) {
	c.mu.Lock()
	c.trusted = ok
	c.mu.Unlock()
	c.dropAll()
}

// dropAll forgets every item of every tenant.
func (c *itemCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.tenants)
	c.size = 0
}

// catalogNotice is the message of a catalog change on the Bus.
type catalogNotice struct {
	TenantID   string   `json:"tenantId"`
	ProductIDs []string `json:"productIds,omitempty"` // none: every item of the tenant
}

// CatalogChanged tells the service, and through the Bus every node, that the tenant's
// items among ids (all of them when none) were written: recommendations reflect the
// change from the next request on. Call it after the write is committed.
func (s *Service) CatalogChanged(ctx context.Context, tenantID string, ids ...string) {
	s.items.drop(tenantID, ids)
	if s.cfg.Bus == nil {
		return
	}
	msg, _ := json.Marshal(catalogNotice{TenantID: tenantID, ProductIDs: ids})
	if err := s.cfg.Bus.Publish(ctx, catalogTopic, msg); err != nil {
		// Other nodes trust their copies only while they hear the Bus; one that does but
		// missed this notice forgets the item within itemMaxAge.
		s.logger.WarnContext(ctx, "catalog change not broadcast", "tenantId", tenantID, "err", err)
	}
}

// listenCatalog applies other nodes' catalog changes until ctx ends; the cache is
// trusted only while it does.
func (s *Service) listenCatalog(ctx context.Context) {
	if s.cfg.Bus == nil {
		return
	}
	s.cfg.Bus.Listen(ctx, catalogTopic, func(msg []byte) {
		var n catalogNotice
		if err := json.Unmarshal(msg, &n); err != nil || n.TenantID == "" {
			s.logger.Warn("malformed catalog notice; dropping every cached item", "bytes", len(msg))
			s.items.dropAll()
			return
		}
		s.items.drop(n.TenantID, n.ProductIDs)
	}, s.items.setTrusted)
}

// catalogItems returns the tenant's items among ids, from the cache where it may be
// trusted, else from the store. The items are shared: read only.
func (s *Service) catalogItems(ctx context.Context, tenantID string, ids []string) (map[string]*recom.CatalogItem, error) {
	byID := make(map[string]*recom.CatalogItem, len(ids))
	missing, gen := s.items.lookup(tenantID, ids, byID)
	if len(missing) == 0 {
		return byID, nil
	}
	found, err := s.stores.Catalog.FindItemsByIDs(ctx, tenantID, missing)
	if err != nil {
		return nil, err
	}
	for i := range found {
		byID[found[i].ProductID] = &found[i]
	}
	s.items.fill(tenantID, gen, missing, found)
	return byID, nil
}
