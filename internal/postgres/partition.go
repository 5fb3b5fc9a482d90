package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// partitionLockKey is the transaction advisory lock EnsureEventPartitions holds, so nodes
// running it together create each partition once (the bytes of "recompar"; any constant
// unused elsewhere would do).
const partitionLockKey int64 = 0x7265636f6d706172

// EnsureEventPartitions creates the monthly partitions of events, events_yYYYYmMM, for the
// month of now through monthsAhead months later (DESIGN §3). It is idempotent and safe to
// run on several nodes at once: it works under a transaction advisory lock and skips
// partitions that exist. Events of a month that had no partition wait in events_default;
// creating the partition moves them in. Migrate runs it with 2 months ahead; run it again
// at least monthly (say daily, from a background job) to stay ahead. It gives up after
// waiting 5 s for a lock on events (a long query holds one): its DDL would otherwise
// queue every insert behind it. Run it again later.
func (db *DB) EnsureEventPartitions(ctx context.Context, now time.Time, monthsAhead int) error {
	now = now.UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, partitionLockKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		for m := 0; m <= monthsAhead; m++ {
			if err := ensurePartition(ctx, tx, first.AddDate(0, m, 0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: ensure event partitions: %w", err)
	}
	return nil
}

// ensurePartition creates the partition of the month starting at from unless it exists.
// Checking first keeps a repeated run free of DDL and its locks.
//
// The table is built on its own and then attached: ATTACH PARTITION locks events only
// against other DDL, so ingestion of other months goes on, where CREATE TABLE … PARTITION
// OF would lock all of events. Events of the month waiting in events_default are moved in
// first, as PostgreSQL refuses a partition owning rows of the default one.
func ensurePartition(ctx context.Context, tx pgx.Tx, from time.Time) error {
	name := fmt.Sprintf("events_y%04dm%02d", from.Year(), int(from.Month()))
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	// DDL takes no parameters: the name and bounds are formatted from a time, never input.
	const layout = "2006-01-02 15:04:05Z07:00"
	lo, hi := from.Format(layout), from.AddDate(0, 1, 0).Format(layout)
	_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %[1]s (LIKE events INCLUDING CONSTRAINTS);
		WITH moved AS (DELETE FROM events_default
			WHERE occurred_at >= '%[2]s' AND occurred_at < '%[3]s' RETURNING *)
		INSERT INTO %[1]s SELECT * FROM moved;
		ALTER TABLE events ATTACH PARTITION %[1]s FOR VALUES FROM ('%[2]s') TO ('%[3]s')`,
		name, lo, hi))
	return err
}
