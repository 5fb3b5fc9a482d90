package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/recomengine/recomengine/internal/recom"
)

// experimentStore implements recom.ExperimentStore. Every query is scoped by tenant.
type experimentStore struct{ db *DB }

const experimentColumns = `id, tenant_id, name, placement, status, control_strategy,
	variant_strategy, control_share, primary_metric, method, target_mde, created_at,
	updated_at, started_at, ended_at`

func scanExperiment(row interface{ Scan(...any) error }) (recom.Experiment, error) {
	var e recom.Experiment
	err := row.Scan(&e.ID, &e.TenantID, &e.Name, &e.Placement, &e.Status, &e.ControlStrategy,
		&e.VariantStrategy, &e.ControlShare, &e.PrimaryMetric, &e.Method, &e.TargetMDE,
		timeScanner{&e.CreatedAt}, timeScanner{&e.UpdatedAt}, nullTimeScanner{&e.StartedAt},
		nullTimeScanner{&e.EndedAt})
	return e, err
}

// nullFloat returns *f, or nil (NULL) when f is nil.
func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// experimentConflict maps a uniqueness violation of experiments to CodeConflict, or
// returns nil for any other error. The one unique index, experiments_one_active, is the
// one active experiment per placement (FR-019); the id is the primary key.
func experimentConflict(err error, e recom.Experiment) error {
	switch {
	case isUniqueViolation(err):
		return recom.Errorf(recom.CodeConflict, "Another experiment is running or paused on placement %q.", e.Placement)
	case isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return recom.Errorf(recom.CodeConflict, "An experiment with this id already exists.")
	}
	return nil
}

// CreateExperiment inserts e as given (a zero ID or CreatedAt is filled in, a zero
// UpdatedAt is CreatedAt) and returns it as stored. Returns CodeConflict if e is active
// and another active experiment holds its placement, CodeNotFound if the tenant does not
// exist.
func (s experimentStore) CreateExperiment(ctx context.Context, e recom.Experiment) (recom.Experiment, error) {
	if e.ID == "" {
		e.ID = recom.NewID()
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = recom.Now()
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	created, err := scanExperiment(s.db.write.QueryRowContext(ctx, `INSERT INTO experiments (`+experimentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING `+experimentColumns,
		e.ID, e.TenantID, e.Name, e.Placement, string(e.Status), e.ControlStrategy, e.VariantStrategy,
		e.ControlShare, e.PrimaryMetric, e.Method, nullFloat(e.TargetMDE), timeText(e.CreatedAt),
		timeText(e.UpdatedAt), nullTimeText(e.StartedAt), nullTimeText(e.EndedAt)))
	if conflict := experimentConflict(err, e); conflict != nil {
		return recom.Experiment{}, conflict
	}
	if isForeignKeyViolation(err) {
		return recom.Experiment{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("sqlite: create experiment for tenant %s: %w", e.TenantID, err)
	}
	return created, nil
}

// FindExperiment returns CodeNotFound if the tenant has no experiment id, even if
// another tenant has.
func (s experimentStore) FindExperiment(ctx context.Context, tenantID, id string) (recom.Experiment, error) {
	e, err := scanExperiment(s.db.read.QueryRowContext(ctx, `SELECT `+experimentColumns+` FROM experiments
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.Experiment{}, recom.Errorf(recom.CodeNotFound, "Experiment not found.")
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("sqlite: find experiment %s: %w", id, err)
	}
	return e, nil
}

// FindExperiments lists the tenant's experiments newest first (created_at, then id,
// descending). Empty filter fields match everything; a Page.Limit of 0 means no limit.
func (s experimentStore) FindExperiments(ctx context.Context, tenantID string, f recom.ExperimentFilter) ([]recom.Experiment, int, error) {
	const where = `WHERE tenant_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR placement = $3)`
	var total int
	err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM experiments `+where,
		tenantID, string(f.Status), f.Placement).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: count experiments of tenant %s: %w", tenantID, err)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+experimentColumns+` FROM experiments `+where+`
		ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`,
		tenantID, string(f.Status), f.Placement, sqlLimit(f.Page.Limit), max(f.Page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find experiments of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, scanExperiment)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find experiments of tenant %s: %w", tenantID, err)
	}
	return out, total, nil
}

// UpdateExperiment replaces every field of the tenant's experiment e.ID but its
// CreatedAt; a zero UpdatedAt means now. Returns CodeConflict if it becomes active on a
// placement another active experiment holds (FR-019; the one writer connection runs
// updates one at a time, and the unique index decides), CodeNotFound if the tenant has no
// such experiment.
func (s experimentStore) UpdateExperiment(ctx context.Context, e recom.Experiment, prev time.Time) (recom.Experiment, error) {
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = recom.Now()
	}
	updated, err := scanExperiment(s.db.write.QueryRowContext(ctx, `UPDATE experiments SET name = $3,
			placement = $4, status = $5, control_strategy = $6, variant_strategy = $7,
			control_share = $8, primary_metric = $9, method = $10, target_mde = $11,
			updated_at = $12, started_at = $13, ended_at = $14
		WHERE tenant_id = $1 AND id = $2 AND updated_at = $15
		RETURNING `+experimentColumns,
		e.TenantID, e.ID, e.Name, e.Placement, string(e.Status), e.ControlStrategy, e.VariantStrategy,
		e.ControlShare, e.PrimaryMetric, e.Method, nullFloat(e.TargetMDE), timeText(e.UpdatedAt),
		nullTimeText(e.StartedAt), nullTimeText(e.EndedAt), timeText(prev)))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.Experiment{}, s.changedOrMissing(ctx, e)
	}
	if conflict := experimentConflict(err, e); conflict != nil {
		return recom.Experiment{}, conflict
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("sqlite: update experiment %s: %w", e.ID, err)
	}
	return updated, nil
}

// changedOrMissing tells why an update matched no row: the experiment is gone
// (CodeNotFound) or changed since it was read (CodeConflict).
func (s experimentStore) changedOrMissing(ctx context.Context, e recom.Experiment) error {
	if _, err := s.FindExperiment(ctx, e.TenantID, e.ID); err != nil {
		return err
	}
	return recom.Errorf(recom.CodeConflict, "The experiment changed since it was read; reload it and try again.")
}

// ActiveExperiments reads the tenant's running and paused experiments by placement,
// along experiments_one_active, whose predicate the query repeats.
func (s experimentStore) ActiveExperiments(ctx context.Context, tenantID string) ([]recom.Experiment, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+experimentColumns+` FROM experiments
		WHERE tenant_id = $1 AND status IN ('running', 'paused') ORDER BY placement`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find active experiments of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, scanExperiment)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find active experiments of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// RecordExposures inserts the exposures in the order given, in one transaction with a
// prepared INSERT … ON CONFLICT DO NOTHING, and counts the rows inserted: a user already
// exposed, whether stored before or earlier in xs, is skipped (the first exposure wins).
func (s experimentStore) RecordExposures(ctx context.Context, tenantID string, xs []recom.Exposure) (int, error) {
	if len(xs) == 0 {
		return 0, nil
	}
	inserted := 0
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO experiment_exposures (tenant_id,
				experiment_id, user_id, variant, exposed_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, experiment_id, user_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, x := range xs {
			res, err := stmt.ExecContext(ctx, tenantID, x.ExperimentID, x.UserID, x.Variant, timeText(x.At))
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			inserted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: record exposures of tenant %s: %w", tenantID, err)
	}
	return inserted, nil
}

// ExposureDays counts the experiment's exposed users by UTC day of first exposure and
// arm, along the primary key. The day is the date part of timeText, which is in UTC.
func (s experimentStore) ExposureDays(ctx context.Context, tenantID, experimentID string) ([]recom.ArmDay, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT substr(exposed_at, 1, 10), variant, count(*)
		FROM experiment_exposures WHERE tenant_id = $1 AND experiment_id = $2
		GROUP BY 1, 2 ORDER BY 1, 2`, tenantID, experimentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find exposure days of experiment %s: %w", experimentID, err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (recom.ArmDay, error) {
		var d recom.ArmDay
		err := row.Scan(dayScanner{&d.Day}, &d.Variant, &d.Users)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find exposure days of experiment %s: %w", experimentID, err)
	}
	return out, nil
}

// ExperimentUserDays reads the experiment's user rows along the primary key: by day,
// then user and variant.
func (s experimentStore) ExperimentUserDays(ctx context.Context, tenantID, experimentID string) ([]recom.ExperimentUserDay, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT experiment_id, variant, user_id, day, impressions,
			clicks, conversions, revenue
		FROM experiment_user_days WHERE tenant_id = $1 AND experiment_id = $2
		ORDER BY day, user_id, variant`, tenantID, experimentID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find user days of experiment %s: %w", experimentID, err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (recom.ExperimentUserDay, error) {
		var u recom.ExperimentUserDay
		err := row.Scan(&u.ExperimentID, &u.Variant, &u.UserID, dayScanner{&u.Day}, &u.Impressions,
			&u.Clicks, &u.Conversions, &u.Revenue)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find user days of experiment %s: %w", experimentID, err)
	}
	return out, nil
}
