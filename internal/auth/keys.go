package auth

import (
	"context"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// KeyTTL bounds how long a resolved key is trusted without asking the store again: a
// revoked key, or a suspended or deleted tenant, takes effect on every node within it.
const KeyTTL = 4 * time.Second

// touchEvery is how often lastUsedAt is written per key and node: it is informational,
// and writing it on every request would put a database write on the read path.
const touchEvery = time.Minute

const maxCachedKeys = 100_000

// ResolvedKey is an API key with its tenant as they were when resolved.
type ResolvedKey struct {
	Key    recom.APIKey
	Tenant recom.Tenant
}

type keyEntry struct {
	resolved ResolvedKey
	found    bool // false: no such key (cached too, so garbage keys don't reach the store)
	expires  time.Time
}

// KeyResolver finds the key and tenant of a presented API key, caching the answer for
// KeyTTL in process.
type KeyResolver struct {
	keys    recom.APIKeyStore
	tenants recom.TenantStore
	pepper  []byte
	now     func() time.Time

	mu        sync.Mutex
	entries   map[string]keyEntry // by HMAC of the key
	lastTouch map[string]time.Time
}

// NewKeyResolver returns a resolver over the stores, hashing keys with the pepper.
func NewKeyResolver(keys recom.APIKeyStore, tenants recom.TenantStore, pepper []byte) *KeyResolver {
	return &KeyResolver{keys: keys, tenants: tenants, pepper: pepper, now: time.Now,
		entries: map[string]keyEntry{}, lastTouch: map[string]time.Time{}}
}

// ErrBadKey is the one answer for a key that is malformed, unknown or revoked.
var ErrBadKey = recom.Errorf(recom.CodeUnauthorized, "The API key is invalid or has been revoked.")

// Resolve returns the key and its tenant. A malformed, unknown or revoked key is a
// CodeUnauthorized Error; the tenant's status is the caller's to judge.
func (r *KeyResolver) Resolve(ctx context.Context, raw string) (ResolvedKey, error) {
	if !LooksLikeAPIKey(raw) {
		return ResolvedKey{}, ErrBadKey
	}
	hash := HashAPIKey(r.pepper, raw)
	now := r.now()
	r.mu.Lock()
	e, ok := r.entries[string(hash)]
	r.mu.Unlock()
	if !ok || now.After(e.expires) {
		var err error
		if e, err = r.load(ctx, hash, now); err != nil {
			return ResolvedKey{}, err
		}
	}
	if !e.found {
		return ResolvedKey{}, ErrBadKey
	}
	r.touch(e.resolved.Key, now)
	return e.resolved, nil
}

func (r *KeyResolver) load(ctx context.Context, hash []byte, now time.Time) (keyEntry, error) {
	e := keyEntry{expires: now.Add(KeyTTL)}
	k, err := r.keys.FindAPIKeyByHash(ctx, hash)
	switch {
	case recom.IsNotFound(err):
	case err != nil:
		return e, err
	case k.RevokedAt == nil:
		t, err := r.tenants.FindTenantByID(ctx, k.TenantID)
		if err != nil && !recom.IsNotFound(err) {
			return e, err
		}
		e.resolved, e.found = ResolvedKey{Key: k, Tenant: t}, err == nil
	}
	r.mu.Lock()
	if len(r.entries) >= maxCachedKeys {
		clear(r.entries) // crude but bounded: a flood of garbage keys can't grow memory
	}
	r.entries[string(hash)] = e
	r.mu.Unlock()
	return e, nil
}

// touch records the key's use at most once per touchEvery, in the background.
func (r *KeyResolver) touch(k recom.APIKey, now time.Time) {
	r.mu.Lock()
	due := now.Sub(r.lastTouch[k.ID]) >= touchEvery
	if due {
		if len(r.lastTouch) >= maxCachedKeys {
			clear(r.lastTouch)
		}
		r.lastTouch[k.ID] = now
	}
	r.mu.Unlock()
	if !due {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		// lastUsedAt is informational: a failed write is retried at the next use.
		_ = r.keys.TouchAPIKey(ctx, k.TenantID, k.ID, now.UTC().Truncate(time.Microsecond))
	}()
}

// ForgetTenant drops the cached keys of a tenant, so a change made on this node (a key
// revoked, the tenant suspended) applies here at once; other nodes follow within KeyTTL.
func (r *KeyResolver) ForgetTenant(tenantID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for h, e := range r.entries {
		if e.found && e.resolved.Key.TenantID == tenantID {
			delete(r.entries, h)
		}
	}
}
