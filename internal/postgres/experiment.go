package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recomengine/recomengine/internal/recom"
)

// experimentStore implements recom.ExperimentStore. Every query is scoped by tenant.
type experimentStore struct{ db *DB }

const experimentColumns = `id, tenant_id, name, placement, status, control_strategy,
	variant_strategy, control_share, primary_metric, method, target_mde, created_at,
	updated_at, started_at, ended_at`

func scanExperiment(row pgx.Row) (recom.Experiment, error) {
	var e recom.Experiment
	err := row.Scan(&e.ID, &e.TenantID, &e.Name, &e.Placement, &e.Status, &e.ControlStrategy,
		&e.VariantStrategy, &e.ControlShare, &e.PrimaryMetric, &e.Method, &e.TargetMDE,
		&e.CreatedAt, &e.UpdatedAt, &e.StartedAt, &e.EndedAt)
	return e, err
}

// experimentConflict maps a unique violation of experiments to CodeConflict, or returns
// nil for any other error. experiments_one_active is the one active experiment per
// placement (FR-019).
func experimentConflict(err error, e recom.Experiment) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != uniqueViolation {
		return nil
	}
	if pgErr.ConstraintName == "experiments_one_active" {
		return recom.Errorf(recom.CodeConflict, "Another experiment is running or paused on placement %q.", e.Placement)
	}
	return recom.Errorf(recom.CodeConflict, "An experiment with this id already exists.")
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
	created, err := scanExperiment(s.db.pool.QueryRow(ctx, `INSERT INTO experiments (`+experimentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING `+experimentColumns,
		e.ID, e.TenantID, e.Name, e.Placement, e.Status, e.ControlStrategy, e.VariantStrategy,
		e.ControlShare, e.PrimaryMetric, e.Method, e.TargetMDE, e.CreatedAt, e.UpdatedAt,
		e.StartedAt, e.EndedAt))
	if conflict := experimentConflict(err, e); conflict != nil {
		return recom.Experiment{}, conflict
	}
	if hasCode(err, foreignKeyViolation) {
		return recom.Experiment{}, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("postgres: create experiment for tenant %s: %w", e.TenantID, err)
	}
	return created, nil
}

// FindExperiment returns CodeNotFound if the tenant has no experiment id, even if
// another tenant has.
func (s experimentStore) FindExperiment(ctx context.Context, tenantID, id string) (recom.Experiment, error) {
	e, err := scanExperiment(s.db.pool.QueryRow(ctx, `SELECT `+experimentColumns+` FROM experiments
		WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Experiment{}, recom.Errorf(recom.CodeNotFound, "Experiment not found.")
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("postgres: find experiment %s: %w", id, err)
	}
	return e, nil
}

// FindExperiments lists the tenant's experiments newest first (created_at, then id,
// descending), along experiments_tenant_created. Empty filter fields match everything; a
// Page.Limit of 0 means no limit.
func (s experimentStore) FindExperiments(ctx context.Context, tenantID string, f recom.ExperimentFilter) ([]recom.Experiment, int, error) {
	const where = `WHERE tenant_id = $1 AND ($2 = '' OR status = $2) AND ($3 = '' OR placement = $3)`
	var total int
	err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM experiments `+where,
		tenantID, string(f.Status), f.Placement).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: count experiments of tenant %s: %w", tenantID, err)
	}
	var limit *int // LIMIT NULL: no limit
	if f.Page.Limit > 0 {
		limit = &f.Page.Limit
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+experimentColumns+` FROM experiments `+where+`
		ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`,
		tenantID, string(f.Status), f.Placement, limit, max(f.Page.Offset, 0))
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find experiments of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.Experiment, error) {
		return scanExperiment(row)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find experiments of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.Experiment{}
	}
	return out, total, nil
}

// UpdateExperiment replaces every field of the tenant's experiment e.ID but its
// CreatedAt; a zero UpdatedAt means now. Returns CodeConflict if it becomes active on a
// placement another active experiment holds (the unique index decides, so concurrent
// starts cannot both pass, FR-019), CodeNotFound if the tenant has no such experiment.
func (s experimentStore) UpdateExperiment(ctx context.Context, e recom.Experiment, prev time.Time) (recom.Experiment, error) {
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = recom.Now()
	}
	updated, err := scanExperiment(s.db.pool.QueryRow(ctx, `UPDATE experiments SET name = $3,
			placement = $4, status = $5, control_strategy = $6, variant_strategy = $7,
			control_share = $8, primary_metric = $9, method = $10, target_mde = $11,
			updated_at = $12, started_at = $13, ended_at = $14
		WHERE tenant_id = $1 AND id = $2 AND updated_at = $15
		RETURNING `+experimentColumns,
		e.TenantID, e.ID, e.Name, e.Placement, e.Status, e.ControlStrategy, e.VariantStrategy,
		e.ControlShare, e.PrimaryMetric, e.Method, e.TargetMDE, e.UpdatedAt, e.StartedAt, e.EndedAt, prev))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.Experiment{}, s.changedOrMissing(ctx, e)
	}
	if conflict := experimentConflict(err, e); conflict != nil {
		return recom.Experiment{}, conflict
	}
	if err != nil {
		return recom.Experiment{}, fmt.Errorf("postgres: update experiment %s: %w", e.ID, err)
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
	rows, err := s.db.pool.Query(ctx, `SELECT `+experimentColumns+` FROM experiments
		WHERE tenant_id = $1 AND status IN ('running', 'paused') ORDER BY placement`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find active experiments of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.Experiment, error) {
		return scanExperiment(row)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find active experiments of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.Experiment{}
	}
	return out, nil
}

// RecordExposures inserts the exposures in one statement, from parallel arrays in the
// order given, and counts the rows inserted. ON CONFLICT DO NOTHING skips a user already
// exposed, whether stored before or earlier in xs: the first exposure wins.
func (s experimentStore) RecordExposures(ctx context.Context, tenantID string, xs []recom.Exposure) (int, error) {
	if len(xs) == 0 {
		return 0, nil
	}
	n := len(xs)
	experiment, user, variant, at := make([]string, n), make([]string, n), make([]string, n), make([]time.Time, n)
	for i, x := range xs {
		experiment[i], user[i], variant[i], at[i] = x.ExperimentID, x.UserID, x.Variant, x.At
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO experiment_exposures (tenant_id, experiment_id,
			user_id, variant, exposed_at)
		SELECT $1, u.experiment_id, u.user_id, u.variant, u.exposed_at
		FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
			WITH ORDINALITY AS u (experiment_id, user_id, variant, exposed_at, i)
		ORDER BY u.i
		ON CONFLICT (tenant_id, experiment_id, user_id) DO NOTHING`,
		tenantID, experiment, user, variant, at)
	if err != nil {
		return 0, fmt.Errorf("postgres: record exposures of tenant %s: %w", tenantID, err)
	}
	return int(tag.RowsAffected()), nil
}

// ExposureDays counts the experiment's exposed users by UTC day of first exposure and
// arm, along the primary key.
func (s experimentStore) ExposureDays(ctx context.Context, tenantID, experimentID string) ([]recom.ArmDay, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT (exposed_at AT TIME ZONE 'UTC')::date, variant, count(*)
		FROM experiment_exposures WHERE tenant_id = $1 AND experiment_id = $2
		GROUP BY 1, 2 ORDER BY 1, 2`, tenantID, experimentID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find exposure days of experiment %s: %w", experimentID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.ArmDay, error) {
		var d recom.ArmDay
		err := row.Scan(&d.Day, &d.Variant, &d.Users)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find exposure days of experiment %s: %w", experimentID, err)
	}
	if out == nil {
		out = []recom.ArmDay{}
	}
	return out, nil
}

// ExperimentUserDays reads the experiment's user rows along the primary key: by day,
// then user and variant.
func (s experimentStore) ExperimentUserDays(ctx context.Context, tenantID, experimentID string) ([]recom.ExperimentUserDay, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT experiment_id, variant, user_id, day, impressions,
			clicks, conversions, revenue
		FROM experiment_user_days WHERE tenant_id = $1 AND experiment_id = $2
		ORDER BY day, user_id, variant`, tenantID, experimentID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find user days of experiment %s: %w", experimentID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.ExperimentUserDay, error) {
		var u recom.ExperimentUserDay
		err := row.Scan(&u.ExperimentID, &u.Variant, &u.UserID, &u.Day, &u.Impressions,
			&u.Clicks, &u.Conversions, &u.Revenue)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find user days of experiment %s: %w", experimentID, err)
	}
	if out == nil {
		out = []recom.ExperimentUserDay{}
	}
	return out, nil
}
