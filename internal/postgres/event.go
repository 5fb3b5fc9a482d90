package postgres

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// eventStore implements recom.EventStore.
type eventStore struct{ db *DB }

// eventColumns are the columns AppendEvents writes, in the order of its COPY rows.
var eventColumns = []string{"occurred_at", "received_at", "price", "position", "quantity",
	"tenant_id", "event_type", "user_id", "product_id", "session_id", "anonymous_id",
	"recommendation_id", "placement", "order_id", "currency", "metadata"}

// createStagingSQL makes this session's staging table for AppendEvents, once per pooled
// connection: a temporary table (no WAL, local buffers, invisible to other sessions)
// emptied at the end of every transaction. One created per transaction (ON COMMIT DROP)
// would cost a round of system-catalog writes on every flush.
const createStagingSQL = `CREATE TEMP TABLE IF NOT EXISTS events_staging (
	occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
	price double precision, position integer, quantity integer,
	tenant_id text COLLATE "C" NOT NULL, event_type text COLLATE "C" NOT NULL,
	user_id text COLLATE "C" NOT NULL, product_id text COLLATE "C" NOT NULL,
	session_id text, anonymous_id text, recommendation_id text, placement text, order_id text,
	currency text, metadata json
) ON COMMIT DELETE ROWS`

// missingTenantSQL returns one of the tenant ids $1 that has no tenant, if any. events
// has no foreign key to tenants: its per-row check measured about a fifth of the insert's
// cost, where this is one lookup per tenant per call.
const missingTenantSQL = `SELECT x.id FROM unnest($1::text[]) AS x (id)
	WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = x.id) LIMIT 1`

// appendSQL moves the staged events into events, skipping those already stored (FR-010),
// and returns the dedup keys of those inserted (RETURNING sees only the inserted row, so
// it cannot name the staging row). Staging holds each key once, in key order: a scan of
// a freshly filled temporary table returns rows in the order copied, so two flushers
// (say on two nodes) inserting overlapping keys wait on each other's keys in the same
// order and cannot deadlock. An ORDER BY here would sort again, at about 2 µs an event.
var appendSQL = `INSERT INTO events (` + strings.Join(eventColumns, ", ") + `)
	SELECT ` + strings.Join(eventColumns, ", ") + ` FROM events_staging
	ON CONFLICT DO NOTHING
	RETURNING tenant_id, user_id, occurred_at, event_type, product_id`

// dedupKey is the dedup key of an event (FR-010), with the time in microseconds.
type dedupKey struct {
	tenant, user, product string
	typ                   recom.EventType
	at                    int64
}

// AppendEvents writes the events in one transaction, the hot path of the ingest flusher
// (DESIGN §3). The first occurrence of each dedup key in the call is copied (COPY,
// binary) into a session-local staging table, then one INSERT … SELECT … ON CONFLICT DO
// NOTHING moves them and returns the keys it inserted, which are mapped back to the
// input. A zero ReceivedAt means now, a zero Timestamp means ReceivedAt; times are kept
// in UTC to the microsecond. Returns CodeNotFound if an event's tenant does not exist,
// storing nothing.
func (s eventStore) AppendEvents(ctx context.Context, events []recom.Event) ([]bool, error) {
	isNew := make([]bool, len(events))
	if len(events) == 0 {
		return isNew, nil
	}
	now := recom.Now()
	received, occurred := make([]time.Time, len(events)), make([]time.Time, len(events))
	first := make(map[dedupKey]int, len(events)) // key → index of its first occurrence
	staged := make([]int, 0, len(events))
	tenants := []string{}
	seenTenant := map[string]bool{}
	for i, e := range events {
		received[i] = orNow(e.ReceivedAt, now)
		occurred[i] = orNow(e.Timestamp, received[i])
		k := dedupKey{e.TenantID, e.UserID, e.ProductID, e.Type, occurred[i].UnixMicro()}
		if _, dup := first[k]; dup {
			continue // a duplicate of an earlier event of the call, whatever the table holds
		}
		first[k] = i
		staged = append(staged, i)
		if !seenTenant[e.TenantID] {
			seenTenant[e.TenantID] = true
			tenants = append(tenants, e.TenantID)
		}
	}
	// Key order, the order of the dedup index (byte order, as COLLATE "C").
	slices.SortFunc(staged, func(a, b int) int {
		x, y := &events[a], &events[b]
		return cmp.Or(strings.Compare(x.TenantID, y.TenantID), strings.Compare(x.UserID, y.UserID),
			occurred[a].Compare(occurred[b]), strings.Compare(string(x.Type), string(y.Type)),
			strings.Compare(x.ProductID, y.ProductID))
	})
	row := make([]any, len(eventColumns)) // reused: CopyFrom encodes each row at once
	copySrc := pgx.CopyFromSlice(len(staged), func(j int) ([]any, error) {
		i := staged[j]
		e := &events[i]
		row[0], row[1] = occurred[i], received[i]
		row[2], row[3], row[4] = e.Price, e.Position, e.Quantity
		row[5], row[6], row[7], row[8] = e.TenantID, string(e.Type), e.UserID, e.ProductID
		row[9], row[10], row[11] = nullText(e.SessionID), nullText(e.AnonymousID), nullText(e.RecommendationID)
		row[12], row[13], row[14] = nullText(e.Placement), nullText(e.OrderID), nullText(e.Currency)
		row[15] = validMetadata(e.Metadata) // nil: NULL
		return row, nil
	})
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		// One round trip for both.
		batch := &pgx.Batch{}
		batch.Queue(createStagingSQL)
		var missing []string
		batch.Queue(missingTenantSQL, tenants).Query(func(rows pgx.Rows) error {
			var err error
			missing, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		if len(missing) > 0 {
			return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events_staging"}, eventColumns, copySrc); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, appendSQL)
		if err != nil {
			return err
		}
		var (
			k   dedupKey
			at  time.Time
			typ string
		)
		_, err = pgx.ForEachRow(rows, []any{&k.tenant, &k.user, &at, &typ, &k.product}, func() error {
			k.typ, k.at = recom.EventType(typ), at.UnixMicro()
			i, ok := first[k]
			if !ok {
				return fmt.Errorf("inserted an event not staged: %+v", k)
			}
			isNew[i] = true
			return nil
		})
		return err
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: append %d events: %w", len(events), err)
	}
	return isNew, nil
}

// validMetadata returns m with any invalid UTF-8 replaced by U+FFFD, which PostgreSQL
// would refuse, failing the whole call; Go's json.Valid lets such bytes pass inside
// strings, and there the replacement keeps the JSON valid.
func validMetadata(m json.RawMessage) json.RawMessage {
	if m == nil || utf8.Valid(m) {
		return m
	}
	return bytes.ToValidUTF8(m, []byte("\uFFFD"))
}

// nullText returns s, or nil (NULL) when s is empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// eventSelect reads an event; optional text columns are NULL when absent.
const eventSelect = `SELECT tenant_id, event_type, user_id, product_id, occurred_at, received_at,
	coalesce(session_id, ''), coalesce(anonymous_id, ''), coalesce(recommendation_id, ''),
	coalesce(placement, ''), position, coalesce(order_id, ''), price, quantity,
	coalesce(currency, ''), metadata FROM events`

func scanEvent(row pgx.Row) (recom.Event, error) {
	var e recom.Event
	err := row.Scan(&e.TenantID, &e.Type, &e.UserID, &e.ProductID, &e.Timestamp, &e.ReceivedAt,
		&e.SessionID, &e.AnonymousID, &e.RecommendationID, &e.Placement, &e.Position, &e.OrderID,
		&e.Price, &e.Quantity, &e.Currency, &e.Metadata)
	return e, err
}

// FindEvents lists the tenant's events newest first: occurred_at DESC, then id DESC
// (later stored first). A Page.Limit of 0 means no limit. The WHERE clause holds only the
// filters given, so each combination gets a plan that uses its index.
func (s eventStore) FindEvents(ctx context.Context, tenantID string, f recom.EventFilter) ([]recom.Event, int, error) {
	args := []any{tenantID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := []string{"tenant_id = $1"}
	if f.Type != "" {
		where = append(where, "event_type = "+arg(string(f.Type)))
	}
	if f.UserID != "" {
		where = append(where, "user_id = "+arg(f.UserID))
	}
	if f.ProductID != "" {
		where = append(where, "product_id = "+arg(f.ProductID))
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM events`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: count events of tenant %s: %w", tenantID, err)
	}
	var limit *int // LIMIT NULL: no limit
	if f.Page.Limit > 0 {
		limit = &f.Page.Limit
	}
	page := ` ORDER BY occurred_at DESC, id DESC LIMIT ` + arg(limit) + ` OFFSET ` + arg(max(f.Page.Offset, 0))
	rows, err := s.db.pool.Query(ctx, eventSelect+cond+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find events of tenant %s: %w", tenantID, err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.Event, error) {
		return scanEvent(row)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find events of tenant %s: %w", tenantID, err)
	}
	if events == nil {
		events = []recom.Event{}
	}
	return events, total, nil
}
