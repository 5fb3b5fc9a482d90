// Package postgres implements the recom stores on PostgreSQL with pgx and pgxpool. It owns
// the PostgreSQL schema (migrations/*.sql, embedded) and imports only recom of ours.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/recomengine/recomengine/internal/recom"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ingestConns bounds the ingest pool.
const ingestConns = 4

// DB is an open PostgreSQL database: a connection pool for every query, and one of its
// own for the ingest flush (AppendEvents).
type DB struct {
	pool   *pgxpool.Pool
	ingest *pgxpool.Pool
	// buffers are those of the ingest flush's large statements (largeexec.go).
	buffers *buffers
	// opened is when Open ran; lastDuplicate is when after it (ns, plus 1; 0: never) an
	// ingest flush last met a stored duplicate. Both read the monotonic clock.
	opened        time.Time
	lastDuplicate atomic.Int64
}

// sawDuplicate notes that an ingest flush met a stored duplicate now.
func (db *DB) sawDuplicate() { db.lastDuplicate.Store(int64(time.Since(db.opened)) + 1) }

// sawDuplicateWithin reports whether an ingest flush met a stored duplicate within d.
func (db *DB) sawDuplicateWithin(d time.Duration) bool {
	last := db.lastDuplicate.Load()
	return last != 0 && time.Since(db.opened)-time.Duration(last-1) <= d
}

// Open connects to the database at url ("postgres://user@host:5432/db?sslmode=disable")
// and checks that it answers. Call Migrate before using the stores.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		// Scan timestamptz in UTC rather than time.Local, so times read back equal the
		// recom.Now values written, location included.
		conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		registerFastArrays(conn.TypeMap())
		return nil
	}
	// The ingest flush's statement takes a plan made once (a generic plan). Left to
	// choose, PostgreSQL re-plans it at every call, because a plan for the call's array
	// sizes looks cheaper than one for any size: measured at 200 µs of the 530 µs of
	// database CPU a one-event flush cost. Planned once, a one-event flush costs 290 µs,
	// a 100-event one 12 % less, a 5,000-event one the same. The setting is left to the
	// planner for every other query, where the parameters can change the best plan. It
	// holds for pgx's default cached prepared statements; with default_query_exec_mode
	// set to exec or simple_protocol in the URL (as behind PgBouncer) every call is
	// planned anew again. The flushers (2 by default) use at most ingestConns connections
	// beside the main pool's.
	icfg := cfg.Copy()
	icfg.MaxConns, icfg.MinConns, icfg.MinIdleConns = min(cfg.MaxConns, ingestConns), 0, 0
	if _, set := icfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		icfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	db := &DB{opened: time.Now(), buffers: newBuffers(2 * ingestConns)}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if db.ingest, err = pgxpool.NewWithConfig(ctx, icfg); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := db.pingPools(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return db, nil
}

// Migrate applies the embedded migrations that have not run yet, then makes the event
// partitions of this month and the next two (EnsureEventPartitions). Advisory locks let
// several nodes start at once: one migrates, the others wait and find nothing to do.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(db.pool), fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer p.Close() // closes the *sql.DB wrapper only, not db.pool
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	// A fresh database gets this month's partition of events and the next two; a
	// background job keeps ahead from there.
	return db.EnsureEventPartitions(ctx, time.Now(), 2)
}

// Stores returns the recom stores backed by db.
func (db *DB) Stores() recom.Stores {
	return recom.Stores{
		Admins:        adminStore{db},
		Tenants:       tenantStore{db},
		APIKeys:       apiKeyStore{db},
		RefreshTokens: refreshTokenStore{db},
		Catalog:       catalogStore{db},
		Events:        eventStore{db},
		Models:        modelStore{db},
		Analytics:     analyticsStore{db},
		Experiments:   experimentStore{db},
		Widgets:       widgetStore{db},
		Ping:          db.ping,
		Name:          "postgres",
	}
}

// Close closes the pools, waiting for connections in use to be released.
func (db *DB) Close() error {
	db.ingest.Close()
	db.pool.Close()
	return nil
}

func (db *DB) ping(ctx context.Context) error {
	if err := db.pingPools(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// pingPools checks both pools: a server that refuses the ingest pool's setting (a
// pooler that rejects unknown startup parameters) fails Open and readiness, not the
// first flush.
func (db *DB) pingPools(ctx context.Context) error {
	for _, p := range []*pgxpool.Pool{db.pool, db.ingest} {
		if err := p.Ping(ctx); err != nil {
			return err
		}
	}
	return nil
}

// PostgreSQL error codes (SQLSTATE) the stores map to recom codes.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// hasCode reports whether err is a PostgreSQL error with the SQLSTATE code.
func hasCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}
