// Package sqlite implements the recom stores on an SQLite file with the pure-Go
// modernc.org/sqlite driver: the one-command local default, needing nothing installed. It
// owns the SQLite schema (migrations/*.sql, embedded) and imports only recom of ours.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/recomengine/recomengine/internal/recom"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas apply to every connection. WAL lets readers run beside the one writer;
// synchronous(NORMAL) is the usual WAL pairing: a power cut may lose the last commits but
// never corrupts the file.
const pragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)" +
	"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"

// DB is an open SQLite database. SQLite allows one writer at a time, so writes go through a
// pool of one connection whose transactions begin IMMEDIATE (they take the write lock up
// front instead of failing with SQLITE_BUSY when upgrading); reads use a separate pool of
// read-only connections, which WAL lets run beside the writer.
type DB struct {
	write *sql.DB
	read  *sql.DB
	// exclusive holds a *sync.Mutex per name of AnalyticsStore.Exclusive.
	exclusive sync.Map
}

// Open opens, or creates, the SQLite database file at path, creating its folder if missing.
// Call Migrate before using the stores.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		// :memory: would give each pooled connection its own empty database.
		return nil, fmt.Errorf("sqlite: open %q: want a file path without '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	write, err := sql.Open("sqlite", path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	// Connect the writer first: it creates the file and switches it to WAL before any
	// read-only connection opens it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return &DB{write: write, read: read}, nil
}

// Migrate applies the embedded migrations that have not run yet.
func (db *DB) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	// No p.Close: it would close db.write, which the stores go on using.
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
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
		Name:          "sqlite",
	}
}

// Close closes both connection pools.
func (db *DB) Close() error {
	return errors.Join(db.read.Close(), db.write.Close())
}

func (db *DB) ping(ctx context.Context) error {
	if err := errors.Join(db.write.PingContext(ctx), db.read.PingContext(ctx)); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE), committing if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// isConstraint reports whether err is the SQLite constraint violation with the extended
// result code (sqlite3.SQLITE_CONSTRAINT_*).
func isConstraint(err error, code int) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && e.Code() == code
}

func isUniqueViolation(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

func isForeignKeyViolation(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY)
}

// timeFormat is how times are stored: fixed-width UTC text, so text order is time order,
// and exact to the microsecond, the precision of recom.Now.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func timeText(t time.Time) string { return t.UTC().Format(timeFormat) }

// nullTimeText is timeText for a nullable column.
func nullTimeText(t *time.Time) any {
	if t == nil {
		return nil
	}
	return timeText(*t)
}

// timeScanner scans a column written by timeText into *t.
type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(src any) error {
	var text string
	switch v := src.(type) {
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	t, err := time.Parse(timeFormat, text)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*s.t = t
	return nil
}

// nullTimeScanner scans a nullable time column into *t, nil for NULL.
type nullTimeScanner struct{ t **time.Time }

func (s nullTimeScanner) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (timeScanner{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// collect reads every row of rows with scan and closes rows; no rows is an empty slice.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// sqlLimit is a Page.Limit for SQLite's LIMIT: 0 (no limit) becomes -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}
