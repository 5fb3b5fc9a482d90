package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// widgetStore implements recom.WidgetStore. Every query is scoped by tenant.
type widgetStore struct{ db *DB }

// scanWidget reads placement, config and updated_at into a widget of tenantID.
func scanWidget(row pgx.Row, tenantID string) (recom.Widget, error) {
	var (
		placement string
		config    []byte
		updated   time.Time
	)
	if err := row.Scan(&placement, &config, &updated); err != nil {
		return recom.Widget{}, err
	}
	var w recom.Widget
	if err := json.Unmarshal(config, &w); err != nil {
		return recom.Widget{}, fmt.Errorf("widget %s: stored config: %w", placement, err)
	}
	updated = updated.UTC()
	w.TenantID, w.Placement, w.UpdatedAt = tenantID, placement, &updated
	return w, nil
}

func (s widgetStore) FindWidget(ctx context.Context, tenantID, placement string) (recom.Widget, error) {
	w, err := scanWidget(s.db.pool.QueryRow(ctx, `SELECT placement, config, updated_at FROM widgets
		WHERE tenant_id = $1 AND placement = $2`, tenantID, placement), tenantID)
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Widget{}, recom.Errorf(recom.CodeNotFound, "No widget is configured for placement %q.", placement)
	}
	if err != nil {
		return recom.Widget{}, fmt.Errorf("postgres: find widget of tenant %s: %w", tenantID, err)
	}
	return w, nil
}

func (s widgetStore) FindWidgets(ctx context.Context, tenantID string, page recom.Page) ([]recom.Widget, int, error) {
	var total int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM widgets WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: count widgets of tenant %s: %w", tenantID, err)
	}
	var limit *int // LIMIT NULL: no limit
	if page.Limit > 0 {
		limit = &page.Limit
	}
	rows, err := s.db.pool.Query(ctx, `SELECT placement, config, updated_at FROM widgets
		WHERE tenant_id = $1 ORDER BY placement LIMIT $2 OFFSET $3`, tenantID, limit, max(page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find widgets of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.Widget, error) { return scanWidget(row, tenantID) })
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find widgets of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.Widget{}
	}
	return out, total, nil
}

func (s widgetStore) PutWidget(ctx context.Context, w recom.Widget) (recom.Widget, error) {
	config, err := w.Config()
	if err != nil {
		return recom.Widget{}, err
	}
	stored, err := scanWidget(s.db.pool.QueryRow(ctx, `INSERT INTO widgets (tenant_id, placement, config, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, placement) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
		RETURNING placement, config, updated_at`, w.TenantID, w.Placement, config, recom.Now()), w.TenantID)
	if hasCode(err, foreignKeyViolation) {
		return recom.Widget{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Widget{}, fmt.Errorf("postgres: put widget of tenant %s: %w", w.TenantID, err)
	}
	return stored, nil
}
