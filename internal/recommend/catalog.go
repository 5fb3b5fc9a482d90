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
	epoch   uint64 // counts drops of everything
	size    int
	tenants map[string]*tenantItems
}

// tenantItems are one tenant's remembered items; gen counts drops of them, so a store
// read that raced a drop does not store its (maybe older) answer.
type tenantItems struct {
	gen   uint64
	items map[string]*cachedItem
}

// cachedItem is never changed once stored: readers share it.
type cachedItem struct {
	item *recom.CatalogItem // nil: not in the catalog
	at   time.Time
}

// fillToken is what lookup saw, for fill to tell whether a drop came in between.
type fillToken struct{ epoch, gen uint64 }

func newItemCache(now func() time.Time) *itemCache {
	return &itemCache{now: now, tenants: map[string]*tenantItems{}}
}

// lookup puts the remembered items among ids into byID (ids known missing are left
// out), and returns the ids to read from the store and the token to pass to fill.
// Untrusted, it remembers nothing and every id is to be read.
func (c *itemCache) lookup(tenantID string, ids []string, byID map[string]*recom.CatalogItem) ([]string, fillToken) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[tenantID]
	tok := fillToken{epoch: c.epoch}
	if t != nil {
		tok.gen = t.gen
	}
	if !c.trusted {
		return ids, tok
	}
	var missing []string
	oldest := c.now().Add(-itemMaxAge)
	for _, id := range ids {
		var it *cachedItem
		if t != nil {
			it = t.items[id]
		}
		switch {
		case it == nil || !it.at.After(oldest):
			missing = append(missing, id)
		case it.item != nil:
			byID[id] = it.item
		}
	}
	return missing, tok
}

// fill remembers what the store answered for ids, unless a drop happened since lookup
// returned tok (the answer may predate the change that caused it). It keeps found's
// items: the caller must not change them afterwards.
func (c *itemCache) fill(tenantID string, tok fillToken, ids []string, found []recom.CatalogItem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenantID]
	if !c.trusted || tok.epoch != c.epoch || (t != nil && tok.gen != t.gen) || len(ids) == 0 {
		return
	}
	if c.size+len(ids) > maxCachedItems {
		c.clearLocked()
		t = nil
	}
	if t == nil {
		t = &tenantItems{gen: tok.gen, items: map[string]*cachedItem{}}
		c.tenants[tenantID] = t
	}
	at := c.now()
	for _, id := range ids {
		if _, ok := t.items[id]; !ok {
			c.size++
		}
		t.items[id] = &cachedItem{at: at}
	}
	for i := range found {
		if it, ok := t.items[found[i].ProductID]; ok {
			it.item = &found[i] // not yet shared: stored above
		}
	}
}

// drop forgets the tenant's items among ids, or all of its items when ids is empty.
func (c *itemCache) drop(tenantID string, ids []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenants[tenantID]
	if t == nil {
		// Nothing remembered, but a read in flight must not store what it read: a
		// tenant entry holds the generation it will be checked against.
		t = &tenantItems{items: map[string]*cachedItem{}}
		c.tenants[tenantID] = t
	}
	t.gen++
	if len(ids) == 0 {
		c.size -= len(t.items)
		clear(t.items)
		return
	}
	for _, id := range ids {
		if _, ok := t.items[id]; ok {
			delete(t.items, id)
			c.size--
		}
	}
}

// setTrusted starts or stops trusting the cache; either way it starts empty, since
// notices may have been missed.
func (c *itemCache) setTrusted(ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trusted = ok
	c.clearLocked()
}

// dropAll forgets every item of every tenant.
func (c *itemCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

func (c *itemCache) clearLocked() {
	c.epoch++
	clear(c.tenants)
	c.size = 0
}

// catalogNotice is the message of a catalog change on the Bus.
type catalogNotice struct {
	TenantID   string   `json:"tenantId"`
	ProductIDs []string `json:"productIds,omitempty"` // none: every item of the tenant
	Purged     bool     `json:"purged,omitempty"`     // the tenant is gone: drop its model and lists too
}

// CatalogChanged tells the service, and through the Bus every node, that the tenant's
// items among ids (all of them when none) were written: recommendations reflect the
// change from the next request on. Call it after the write is committed.
func (s *Service) CatalogChanged(ctx context.Context, tenantID string, ids ...string) {
	s.items.drop(tenantID, ids)
	s.broadcast(ctx, catalogNotice{TenantID: tenantID, ProductIDs: ids})
}

// broadcast sends a notice to every node, if there is a Bus.
func (s *Service) broadcast(ctx context.Context, n catalogNotice) {
	if s.cfg.Bus == nil {
		return
	}
	msg, _ := json.Marshal(n)
	if err := s.cfg.Bus.Publish(ctx, catalogTopic, msg); err != nil {
		// Nodes still hearing the bus would keep their copies until itemMaxAge: keep
		// trying in the background meanwhile (this node's link to Redis may come back
		// first). Nodes that lost the bus too distrust their copies already.
		s.logger.WarnContext(ctx, "catalog change not broadcast yet; retrying", "tenantId", n.TenantID, "err", err)
		go s.republish(msg)
	}
}

// republish retries a notice every second until it is sent or itemMaxAge has passed, by
// when every node has re-read the items anyway.
func (s *Service) republish(msg []byte) {
	for deadline := s.now().Add(itemMaxAge); s.now().Before(deadline); {
		time.Sleep(time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.cfg.Bus.Publish(ctx, catalogTopic, msg)
		cancel()
		if err == nil {
			return
		}
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
		if n.Purged {
			s.forgetLocal(n.TenantID)
			return
		}
		s.items.drop(n.TenantID, n.ProductIDs)
	}, s.items.setTrusted)
}

// catalogItems returns the tenant's items among ids, from the cache where it may be
// trusted, else from the store. The items are shared: read only.
func (s *Service) catalogItems(ctx context.Context, tenantID string, ids []string) (map[string]*recom.CatalogItem, error) {
	byID := make(map[string]*recom.CatalogItem, len(ids))
	missing, tok := s.items.lookup(tenantID, ids, byID)
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
	s.items.fill(tenantID, tok, missing, found)
	return byID, nil
}
