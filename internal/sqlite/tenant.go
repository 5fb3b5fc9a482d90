package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/recomengine/recomengine/internal/recom"
)

// tenantStore implements recom.TenantStore.
type tenantStore struct{ db *DB }

const tenantColumns = "id, owner_id, name, status, config, created_at, updated_at"

func scanTenant(row interface{ Scan(...any) error }) (recom.Tenant, error) {
	var (
		t      recom.Tenant
		config []byte
	)
	err := row.Scan(&t.ID, &t.OwnerID, &t.Name, &t.Status, &config,
		timeScanner{&t.CreatedAt}, timeScanner{&t.UpdatedAt})
	if err != nil {
		return recom.Tenant{}, err
	}
	if err := json.Unmarshal(config, &t.Config); err != nil {
		return recom.Tenant{}, fmt.Errorf("tenant %s config: %w", t.ID, err)
	}
	return t, nil
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
	config, err := json.Marshal(t.Config)
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("sqlite: create tenant: %w", err)
	}
	// string(config): the STRICT TEXT column refuses a []byte, which binds as a BLOB.
	_, err = s.db.write.ExecContext(ctx,
		`INSERT INTO tenants (`+tenantColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.ID, t.OwnerID, t.Name, t.Status, string(config), timeText(t.CreatedAt), timeText(t.UpdatedAt))
	if isForeignKeyViolation(err) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Admin not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("sqlite: create tenant: %w", err)
	}
	return t, nil
}

func (s tenantStore) FindTenantByID(ctx context.Context, tenantID string) (recom.Tenant, error) {
	t, err := scanTenant(s.db.read.QueryRowContext(ctx,
		`SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("sqlite: find tenant %s: %w", tenantID, err)
	}
	return t, nil
}

// FindTenants lists tenants newest first. A Page.Limit of 0 means no limit.
func (s tenantStore) FindTenants(ctx context.Context, f recom.TenantFilter) ([]recom.Tenant, int, error) {
	const where = `WHERE ($1 = '' OR owner_id = $1) AND ($2 OR status <> 'deleted')`
	var total int
	err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM tenants `+where,
		f.OwnerID, f.IncludeDeleted).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: count tenants: %w", err)
	}
	rows, err := s.db.read.QueryContext(ctx,
		`SELECT `+tenantColumns+` FROM tenants `+where+`
		ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
		f.OwnerID, f.IncludeDeleted, sqlLimit(f.Page.Limit), max(f.Page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find tenants: %w", err)
	}
	tenants, err := collect(rows, scanTenant)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find tenants: %w", err)
	}
	return tenants, total, nil
}

// UpdateTenant sets UpdatedAt to t.UpdatedAt, or to now when that is zero.
func (s tenantStore) UpdateTenant(ctx context.Context, t recom.Tenant) (recom.Tenant, error) {
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = recom.Now()
	}
	config, err := json.Marshal(t.Config)
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("sqlite: update tenant %s: %w", t.ID, err)
	}
	updated, err := scanTenant(s.db.write.QueryRowContext(ctx,
		`UPDATE tenants SET name = $2, status = $3, config = $4, updated_at = $5 WHERE id = $1
		RETURNING `+tenantColumns,
		t.ID, t.Name, t.Status, string(config), timeText(t.UpdatedAt)))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.Tenant{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Tenant{}, fmt.Errorf("sqlite: update tenant %s: %w", t.ID, err)
	}
	return updated, nil
}

// tenantTables are the tables holding a tenant's rows, each before the tables it
// references.
var tenantTables = []string{"widgets", "experiment_user_days", "experiment_exposures", "experiments", "attributions",
	"analytics_products_daily", "analytics_daily", "analytics_stale", "models", "events", "catalog_items", "api_keys"}

func (s tenantStore) PurgeTenant(ctx context.Context, tenantID string) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, table := range tenantTables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE tenant_id = $1", tenantID); err != nil {
				return fmt.Errorf("sqlite: purge tenant %s: %s: %w", tenantID, table, err)
			}
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM tenants WHERE id = $1", tenantID)
		if err != nil {
			return fmt.Errorf("sqlite: purge tenant %s: %w", tenantID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
		}
		return nil
	})
}
