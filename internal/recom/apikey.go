package recom

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Permission is what an API key may do (FR-005).
type Permission string

// Permissions: read, or read and write.
const (
	PermRead      Permission = "read"
	PermReadWrite Permission = "read_write"
)

// KeyType says where a key may be used (DESIGN §2).
type KeyType string

// Key types: secret keys are server-to-server; publishable keys live in browsers.
const (
	KeySecret      KeyType = "secret"
	KeyPublishable KeyType = "publishable"
)

// MaxActiveAPIKeys is the limit of active keys per tenant (FR-006).
const MaxActiveAPIKeys = 10

// APIKey is a tenant's API key. Only HMAC-SHA256(pepper, key) and a display prefix are
// stored (NFR-006); the full key is shown once, at creation.
type APIKey struct {
	ID          string     `json:"id"`
	TenantID    string     `json:"-"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Hash        []byte     `json:"-"`
	Permissions Permission `json:"permissions"`
	Type        KeyType    `json:"type"`
	CreatedAt   time.Time  `json:"createdAt"`
	LastUsedAt  *time.Time `json:"lastUsedAt"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
}

// APIKeyStore keeps API keys; every method but FindAPIKeyByHash is scoped by tenant.
type APIKeyStore interface {
	// CreateAPIKey stores k for the tenant. Returns CodeConflict, storing nothing, if the
	// tenant already has maxActive keys that are not revoked (checked atomically).
	CreateAPIKey(ctx context.Context, tenantID string, k APIKey, maxActive int) (APIKey, error)
	// FindAPIKeys lists the tenant's keys that are not revoked, newest first.
	FindAPIKeys(ctx context.Context, tenantID string) ([]APIKey, error)
	// FindAPIKeyByHash returns the key with the hash, revoked or not, with its TenantID.
	// Returns CodeNotFound if there is none.
	FindAPIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// RevokeAPIKey revokes the tenant's key. Returns CodeNotFound if the key is not the
	// tenant's or is already revoked.
	RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error
	// TouchAPIKey records that the tenant's key was used at the given time.
	TouchAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error
}

// NewAPIKey validates a key request and returns the key without its secret parts; the
// type defaults to secret.
func NewAPIKey(name string, perm Permission, typ KeyType) (APIKey, error) {
	var fs []FieldError
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 || !cleanText(name, false) {
		fs = append(fs, FieldError{Field: "name", Message: "must be 1 to 100 printable characters"})
	}
	if perm != PermRead && perm != PermReadWrite {
		fs = append(fs, FieldError{Field: "permissions", Message: "must be read or read_write"})
	}
	if typ == "" {
		typ = KeySecret
	}
	if typ != KeySecret && typ != KeyPublishable {
		fs = append(fs, FieldError{Field: "type", Message: "must be secret or publishable"})
	}
	if len(fs) > 0 {
		return APIKey{}, Invalid(fs...)
	}
	return APIKey{ID: NewID(), Name: name, Permissions: perm, Type: typ, CreatedAt: Now()}, nil
}
