package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/recomengine/recomengine/internal/recom"
)

// modelStore implements recom.ModelStore.
type modelStore struct{ db *DB }

// SaveModel stores the snapshot in one statement: inserted, or replacing the stored one
// only when its version is newer, so two nodes saving at once keep the newer build. A
// zero BuiltAt means now; nil Data is stored empty. Returns CodeNotFound if the tenant
// does not exist.
func (s modelStore) SaveModel(ctx context.Context, m recom.ModelSnapshot) error {
	if m.Data == nil {
		m.Data = []byte{} // nil would be NULL
	}
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO models (tenant_id, version, built_at, events, data)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id) DO UPDATE SET version = excluded.version,
			built_at = excluded.built_at, events = excluded.events, data = excluded.data
		WHERE models.version < excluded.version`,
		m.TenantID, m.Version, timeText(orNow(m.BuiltAt, recom.Now())), m.Events, m.Data)
	if isForeignKeyViolation(err) {
		return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return fmt.Errorf("sqlite: save model of tenant %s: %w", m.TenantID, err)
	}
	return nil
}

func (s modelStore) LoadModel(ctx context.Context, tenantID string) (recom.ModelSnapshot, error) {
	m := recom.ModelSnapshot{TenantID: tenantID}
	err := s.db.read.QueryRowContext(ctx,
		`SELECT version, built_at, events, data FROM models WHERE tenant_id = $1`,
		tenantID).Scan(&m.Version, timeScanner{&m.BuiltAt}, &m.Events, &m.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return recom.ModelSnapshot{}, recom.Errorf(recom.CodeNotFound, "Model not found.")
	}
	if err != nil {
		return recom.ModelSnapshot{}, fmt.Errorf("sqlite: load model of tenant %s: %w", tenantID, err)
	}
	return m, nil
}
