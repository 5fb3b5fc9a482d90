package postgres

import (
	"context"
	"time"
)

// IngestPlans tells how PostgreSQL planned the ingest flush's statement on an idle
// connection of the ingest pool: how many calls took the generic plan, how many a
// custom one.
func (db *DB) IngestPlans(ctx context.Context) (generic, custom int64, err error) {
	err = db.ingest.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
		FROM pg_prepared_statements WHERE statement LIKE 'WITH %INSERT INTO events (%'`).Scan(&generic, &custom)
	return generic, custom, err
}

// PlanCacheMode is the plan_cache_mode of the main pool's connections.
func (db *DB) PlanCacheMode(ctx context.Context) (mode string, err error) {
	err = db.pool.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode)
	return mode, err
}

// CountEvents counts the stored events that meet cond, an SQL condition.
func (db *DB) CountEvents(ctx context.Context, cond string) (n int, err error) {
	err = db.pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE `+cond).Scan(&n)
	return n, err
}

// FlushCalls tells, from pg_prepared_statements of the ingest pool's idle connection,
// how many times each of the flush's statements ran: the one for new events and the one
// with ON CONFLICT.
func (db *DB) FlushCalls(ctx context.Context) (newOnly, onConflict int64, err error) {
	err = db.ingest.QueryRow(ctx, `SELECT
		coalesce(sum(generic_plans + custom_plans) FILTER (WHERE statement NOT LIKE '%ON CONFLICT%'), 0),
		coalesce(sum(generic_plans + custom_plans) FILTER (WHERE statement LIKE '%ON CONFLICT%'), 0)
		FROM pg_prepared_statements WHERE statement LIKE 'WITH %INSERT INTO events (%'`).Scan(&newOnly, &onConflict)
	return newOnly, onConflict, err
}

// SetDuplicateQuiet sets duplicateQuiet until the returned func restores it.
func SetDuplicateQuiet(d time.Duration) (restore func()) {
	old := duplicateQuiet
	duplicateQuiet = d
	return func() { duplicateQuiet = old }
}

// Exec runs SQL on the main pool, for a test to shape its own database.
func (db *DB) Exec(ctx context.Context, sql string) error {
	_, err := db.pool.Exec(ctx, sql)
	return err
}

// KeptBuffers is how many buffers execLarge keeps for the next large flush.
func (db *DB) KeptBuffers() int { return len(db.buffers.free) }
