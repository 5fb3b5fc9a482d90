package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// widgetStore implements recom.WidgetStore. Every query is scoped by tenant.
type widgetStore struct{ db *DB }

// scanWidget reads placement, config and updated_at into a widget of tenantID.
func scanWidget(row interface{ Scan(...any) error }, tenantID string) (recom.Widget, error) {
	var (
		placement, config string
		updated           time.Time
	)
	if err := row.Scan(&placement, &config, timeScanner{&updated}); err != nil {
		return recom.Widget{}, err
	}
	var w recom.Widget
	if err := json.Unmarshal([]byte(config), &w); err != nil {
		return recom.Widget{}, fmt.Errorf("widget %s: stored config: %w", placement, err)
	}
	w.TenantID, w.Placement, w.UpdatedAt = tenantID, placement, &updated
	return w, nil
}

func (s widgetStore) FindWidget(ctx context.Context, tenantID, placement string) (recom.Widget, error) {
	w, err := scanWidget(s.db.read.QueryRowContext(ctx, `SELECT placement, config, updated_at FROM widgets
		WHERE tenant_id = $1 AND placement = $2`, tenantID, placement), tenantID)
	if errors.Is(err, sql.ErrNoRows) {
		return recom.Widget{}, recom.Errorf(recom.CodeNotFound, "No widget is configured for placement %q.", placement)
	}
	if err != nil {
		return recom.Widget{}, fmt.Errorf("sqlite: find widget of tenant %s: %w", tenantID, err)
	}
	return w, nil
}

func (s widgetStore) FindWidgets(ctx context.Context, tenantID string, page recom.Page) ([]recom.Widget, int, error) {
	var total int
	if err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM widgets WHERE tenant_id = $1`, tenantID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count widgets of tenant %s: %w", tenantID, err)
	}
	limit := -1 // LIMIT -1: no limit
	if page.Limit > 0 {
		limit = page.Limit
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT placement, config, updated_at FROM widgets
		WHERE tenant_id = $1 ORDER BY placement LIMIT $2 OFFSET $3`, tenantID, limit, max(page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find widgets of tenant %s: %w", tenantID, err)
	}
	defer rows.Close()
	out := []recom.Widget{}
	for rows.Next() {
		w, err := scanWidget(rows, tenantID)
		if err != nil {
			return nil, 0, fmt.Errorf("sqlite: find widgets of tenant %s: %w", tenantID, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: find widgets of tenant %s: %w", tenantID, err)
	}
	return out, total, nil
}

func (s widgetStore) PutWidget(ctx context.Context, w recom.Widget) (recom.Widget, error) {
	config, err := w.Config()
	if err != nil {
		return recom.Widget{}, err
	}
	stored, err := scanWidget(s.db.write.QueryRowContext(ctx, `INSERT INTO widgets (tenant_id, placement, config, updated_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, placement) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at
		RETURNING placement, config, updated_at`, w.TenantID, w.Placement, string(config), timeText(recom.Now())), w.TenantID)
	if isForeignKeyViolation(err) {
		return recom.Widget{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Widget{}, fmt.Errorf("sqlite: put widget of tenant %s: %w", w.TenantID, err)
	}
	return stored, nil
}
