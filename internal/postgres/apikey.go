package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// apiKeyStore implements recom.APIKeyStore.
type apiKeyStore struct{ db *DB }

const apiKeyColumns = "id, tenant_id, name, prefix, hash, permissions, type, created_at, last_used_at, revoked_at"

func scanAPIKey(row pgx.Row) (recom.APIKey, error) {
	var k recom.APIKey
	err := row.Scan(&k.ID, &k.TenantID, &k.Name, &k.Prefix, &k.Hash, &k.Permissions, &k.Type,
		&k.CreatedAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

// CreateAPIKey locks the tenant row, counts its active keys and inserts in one
// transaction, so concurrent creations for a tenant queue and cannot pass maxActive
// together (FR-006). FOR NO KEY UPDATE serialises them like FOR UPDATE but, unlike it,
// does not block inserts elsewhere whose foreign key points at the tenant.
func (s apiKeyStore) CreateAPIKey(ctx context.Context, tenantID string, k recom.APIKey, maxActive int) (recom.APIKey, error) {
	k.TenantID = tenantID
	if k.ID == "" {
		k.ID = recom.NewID()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = recom.Now()
	}
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM tenants WHERE id = $1 FOR NO KEY UPDATE`,
			tenantID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
		}
		if err != nil {
			return err
		}
		var active int
		err = tx.QueryRow(ctx,
			`SELECT count(*) FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL`,
			tenantID).Scan(&active)
		if err != nil {
			return err
		}
		if active >= maxActive {
			return recom.Errorf(recom.CodeConflict,
				"This tenant already has %d active API keys; revoke one first.", maxActive)
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			k.ID, k.TenantID, k.Name, k.Prefix, k.Hash, k.Permissions, k.Type,
			k.CreatedAt, k.LastUsedAt, k.RevokedAt)
		if hasCode(err, uniqueViolation) {
			return recom.Errorf(recom.CodeConflict, "An API key with this hash already exists.")
		}
		return err
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return recom.APIKey{}, err
	}
	if err != nil {
		return recom.APIKey{}, fmt.Errorf("postgres: create api key for tenant %s: %w", tenantID, err)
	}
	return k, nil
}

func (s apiKeyStore) FindAPIKeys(ctx context.Context, tenantID string) ([]recom.APIKey, error) {
	rows, err := s.db.pool.Query(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL
		ORDER BY created_at DESC, id DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find api keys of tenant %s: %w", tenantID, err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.APIKey, error) {
		return scanAPIKey(row)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find api keys of tenant %s: %w", tenantID, err)
	}
	if keys == nil {
		keys = []recom.APIKey{}
	}
	return keys, nil
}

func (s apiKeyStore) FindAPIKeyByHash(ctx context.Context, hash []byte) (recom.APIKey, error) {
	k, err := scanAPIKey(s.db.pool.QueryRow(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.APIKey{}, recom.Errorf(recom.CodeNotFound, "API key not found.")
	}
	if err != nil {
		return recom.APIKey{}, fmt.Errorf("postgres: find api key by hash: %w", err)
	}
	return k, nil
}

func (s apiKeyStore) RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
		tenantID, keyID, at)
	if err != nil {
		return fmt.Errorf("postgres: revoke api key %s: %w", keyID, err)
	}
	if tag.RowsAffected() == 0 {
		return recom.Errorf(recom.CodeNotFound, "API key not found.")
	}
	return nil
}

// TouchAPIKey never moves LastUsedAt back, as touches of concurrent requests may land out
// of order. Returns CodeNotFound if the key is not the tenant's.
func (s apiKeyStore) TouchAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	// GREATEST ignores NULL, so a first touch sets the time.
	tag, err := s.db.pool.Exec(ctx,
		`UPDATE api_keys SET last_used_at = GREATEST(last_used_at, $3) WHERE tenant_id = $1 AND id = $2`,
		tenantID, keyID, at)
	if err != nil {
		return fmt.Errorf("postgres: touch api key %s: %w", keyID, err)
	}
	if tag.RowsAffected() == 0 {
		return recom.Errorf(recom.CodeNotFound, "API key not found.")
	}
	return nil
}
