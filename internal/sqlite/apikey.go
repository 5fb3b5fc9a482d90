package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// apiKeyStore implements recom.APIKeyStore.
type apiKeyStore struct{ db *DB }

const apiKeyColumns = "id, tenant_id, name, prefix, hash, permissions, type, created_at, last_used_at, revoked_at"

func scanAPIKey(row interface{ Scan(...any) error }) (recom.APIKey, error) {
	var k recom.APIKey
	err := row.Scan(&k.ID, &k.TenantID, &k.Name, &k.Prefix, &k.Hash, &k.Permissions, &k.Type,
		timeScanner{&k.CreatedAt}, nullTimeScanner{&k.LastUsedAt}, nullTimeScanner{&k.RevokedAt})
	return k, err
}

// CreateAPIKey counts the tenant's active keys and inserts in one IMMEDIATE transaction, so
// no other writer, in this process or another, can slip a key in between (FR-006).
func (s apiKeyStore) CreateAPIKey(ctx context.Context, tenantID string, k recom.APIKey, maxActive int) (recom.APIKey, error) {
	k.TenantID = tenantID
	if k.ID == "" {
		k.ID = recom.NewID()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = recom.Now()
	}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var tenants, active int
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM tenants WHERE id = $1),
			(SELECT count(*) FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL)`,
			tenantID).Scan(&tenants, &active)
		if err != nil {
			return err
		}
		if tenants == 0 {
			return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
		}
		if active >= maxActive {
			return recom.Errorf(recom.CodeConflict,
				"This tenant already has %d active API keys; revoke one first.", maxActive)
		}
		_, err = tx.ExecContext(ctx,
			`INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			k.ID, k.TenantID, k.Name, k.Prefix, k.Hash, k.Permissions, k.Type,
			timeText(k.CreatedAt), nullTimeText(k.LastUsedAt), nullTimeText(k.RevokedAt))
		if isUniqueViolation(err) {
			return recom.Errorf(recom.CodeConflict, "An API key with this hash already exists.")
		}
		return err
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return recom.APIKey{}, err
	}
	if err != nil {
		return recom.APIKey{}, fmt.Errorf("sqlite: create api key for tenant %s: %w", tenantID, err)
	}
	return k, nil
}

func (s apiKeyStore) FindAPIKeys(ctx context.Context, tenantID string) ([]recom.APIKey, error) {
	rows, err := s.db.read.QueryContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL
		ORDER BY created_at DESC, id DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find api keys of tenant %s: %w", tenantID, err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find api keys of tenant %s: %w", tenantID, err)
	}
	return keys, nil
}

func (s apiKeyStore) FindAPIKeyByHash(ctx context.Context, hash []byte) (recom.APIKey, error) {
	k, err := scanAPIKey(s.db.read.QueryRowContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.APIKey{}, recom.Errorf(recom.CodeNotFound, "API key not found.")
	}
	if err != nil {
		return recom.APIKey{}, fmt.Errorf("sqlite: find api key by hash: %w", err)
	}
	return k, nil
}

func (s apiKeyStore) RevokeAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE api_keys SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL`,
		tenantID, keyID, timeText(at))
	if err != nil {
		return fmt.Errorf("sqlite: revoke api key %s: %w", keyID, err)
	}
	return notFoundIfNone(res, "API key not found.")
}

// TouchAPIKey never moves LastUsedAt back, as touches of concurrent requests may land out
// of order. Returns CodeNotFound if the key is not the tenant's.
func (s apiKeyStore) TouchAPIKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	// Text order is time order (timeFormat), so max compares times.
	res, err := s.db.write.ExecContext(ctx,
		`UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, $3), $3)
		WHERE tenant_id = $1 AND id = $2`,
		tenantID, keyID, timeText(at))
	if err != nil {
		return fmt.Errorf("sqlite: touch api key %s: %w", keyID, err)
	}
	return notFoundIfNone(res, "API key not found.")
}

// notFoundIfNone returns a CodeNotFound error with the message if res changed no row.
func notFoundIfNone(res sql.Result, message string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: rows affected: %w", err)
	}
	if n == 0 {
		return recom.Errorf(recom.CodeNotFound, "%s", message)
	}
	return nil
}
