package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// tenantStore implements recom.TenantStore.
type tenantStore struct{ db *DB }

const tenantColumns = "id, owner_id, name, status, config, created_at, updated_at"

// scanTenant scans a tenant; pgx decodes the jsonb config into recom.TenantConfig.
func scanTenant(row pgx.Row) (recom.Tenant, error) {
	var t recom.Tenant
	err := row.Scan(&t.ID, &t.OwnerID, &t.Name, &t.Status, &t.Config, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

func (s tenantStore) CreateTenant(ctx context.Context, t recom.Tenant) (recom.Tenant, error) {
	if t.ID == "" {
		t.ID = recom.NewID()
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = recom.Now()
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	_, err := s.db.pool.Exec(ctx,
		`INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.OwnerID, t.Name, t.Status, t.Config, t.CreatedAt, t.UpdatedAt)
	if hasCode(err, foreignKeyViolation) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Admin not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("postgres: create tenant: %w", err)
	}
	return t, nil
}

func (s tenantStore) FindTenantByID(ctx context.Context, tenantID string) (recom.Tenant, error) {
	t, err := scanTenant(s.db.pool.QueryRow(ctx,
		`SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, tenantID))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("postgres: find tenant %s: %w", tenantID, err)
	}
	return t, nil
}

// FindTenants lists tenants newest first. A Page.Limit of 0 means no limit.
func (s tenantStore) FindTenants(ctx context.Context, f recom.TenantFilter) ([]recom.Tenant, int, error) {
	const where = `WHERE ($1 = '' OR owner_id = $1) AND ($2 OR status <> 'deleted')`
	var total int
	err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM tenants `+where,
		f.OwnerID, f.IncludeDeleted).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: count tenants: %w", err)
	}
	var limit *int // LIMIT NULL: no limit
	if f.Page.Limit > 0 {
		limit = &f.Page.Limit
	}
	rows, err := s.db.pool.Query(ctx,
		`SELECT `+tenantColumns+` FROM tenants `+where+`
		ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
		f.OwnerID, f.IncludeDeleted, limit, max(f.Page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find tenants: %w", err)
	}
	tenants, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.Tenant, error) {
		return scanTenant(row)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find tenants: %w", err)
	}
	if tenants == nil {
		tenants = []recom.Tenant{}
	}
	return tenants, total, nil
}

// UpdateTenant sets UpdatedAt to t.UpdatedAt, or to now when that is zero.
func (s tenantStore) UpdateTenant(ctx context.Context, t recom.Tenant) (recom.Tenant, error) {
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = recom.Now()
	}
	updated, err := scanTenant(s.db.pool.QueryRow(ctx,
		`UPDATE tenants SET name = $2, status = $3, config = $4, updated_at = $5 WHERE id = $1
		RETURNING `+tenantColumns,
		t.ID, t.Name, t.Status, t.Config, t.UpdatedAt))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("postgres: update tenant %s: %w", t.ID, err)
	}
	return updated, nil
}

// tenantTables are the tables holding a tenant's rows, each before the tables it
// references.
var tenantTables = []string{"widgets", "experiment_user_days", "experiment_exposures", "experiments", "attributions",
	"analytics_products_daily", "analytics_daily", "analytics_stale_log", "models", "events", "catalog_items", "api_keys"}

func (s tenantStore) PurgeTenant(ctx context.Context, tenantID string) error {
	tx, err := s.db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: purge tenant %s: %w", tenantID, err)
	}
	defer tx.Rollback(ctx)
	for _, table := range tenantTables {
		if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE tenant_id = $1", tenantID); err != nil {
			return fmt.Errorf("postgres: purge tenant %s: %s: %w", tenantID, table, err)
		}
	}
	tag, err := tx.Exec(ctx, "DELETE FROM tenants WHERE id = $1", tenantID)
	if err != nil {
		return fmt.Errorf("postgres: purge tenant %s: %w", tenantID, err)
	}
	if tag.RowsAffected() == 0 {
		return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: purge tenant %s: %w", tenantID, err)
	}
	return nil
}
