package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// eventStore implements recom.EventStore.
type eventStore struct{ db *DB }

const eventColumns = "tenant_id, event_type, user_id, product_id, occurred_at, received_at, " +
	"session_id, anonymous_id, recommendation_id, placement, position, order_id, price, quantity, " +
	"currency, metadata"

// AppendEvents writes the events in one IMMEDIATE transaction with one prepared INSERT …
// ON CONFLICT DO NOTHING each: a row inserted is new, no row means a duplicate of a stored
// event or of an earlier one in the call (FR-010). The same transaction marks stale the
// days the new analytic events can change (markStale). A zero ReceivedAt means now, a
// zero Timestamp means ReceivedAt; times are kept in UTC to the microsecond. Returns
// CodeNotFound if an event's tenant does not exist, storing nothing.
func (s eventStore) AppendEvents(ctx context.Context, events []recom.Event) ([]bool, error) {
	isNew := make([]bool, len(events))
	if len(events) == 0 {
		return isNew, nil
	}
	now := recom.Now()
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO events (`+eventColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer insert.Close()
		marks := staleSpans{}
		for i, e := range events {
			received := orNow(e.ReceivedAt, now)
			at := orNow(e.Timestamp, received)
			var metadata any // NULL when absent; text, as a STRICT TEXT column refuses []byte
			if e.Metadata != nil {
				// As in PostgreSQL, where invalid UTF-8 would fail the call.
				metadata = strings.ToValidUTF8(string(e.Metadata), "\uFFFD")
			}
			res, err := insert.ExecContext(ctx, e.TenantID, string(e.Type), e.UserID, e.ProductID,
				timeText(at), timeText(received),
				nullText(e.SessionID), nullText(e.AnonymousID), nullText(e.RecommendationID),
				nullText(e.Placement), e.Position, nullText(e.OrderID), e.Price, e.Quantity,
				nullText(e.Currency), metadata)
			if isForeignKeyViolation(err) {
				return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
			}
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			isNew[i] = n == 1
			if isNew[i] {
				marks.add(e.Type, e.TenantID, at)
			}
		}
		return markStale(ctx, tx, marks)
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: append %d events: %w", len(events), err)
	}
	return isNew, nil
}

// staleSpans are the days new analytic events can change: for each tenant and UTC day
// of such an event, the day's latest click (zero: none). A click can change the days up
// to the one holding its time plus the tenant's attribution window, and the latest click
// of a day reaches furthest.
type staleSpans map[staleSpan]time.Time

type staleSpan struct {
	tenantID string
	day      time.Time
}

// add notes a new event of the type, tenant and time; other than analytic ones change
// nothing.
func (s staleSpans) add(typ recom.EventType, tenantID string, at time.Time) {
	if !slices.Contains(recom.AnalyticEvents, typ) {
		return
	}
	k := staleSpan{tenantID, recom.Day(at)}
	last := s[k]
	if typ == recom.RecommendationClicked && at.After(last) {
		last = at
	}
	s[k] = last
}

// markStale upserts the marks of spans in tx (AnalyticsStore): version 1, or one more than
// the mark's. The days reached by clicks take the tenant's attribution window: 30 minutes
// when the config has none, clamped to the range recom validates, as in PostgreSQL. Marks
// are upserted once each, in (tenant, day) order, as PostgreSQL does.
func markStale(ctx context.Context, tx *sql.Tx, spans staleSpans) error {
	if len(spans) == 0 {
		return nil
	}
	windows := map[string]time.Duration{}
	days := map[staleSpan]bool{}
	for k, last := range spans {
		days[k] = true
		if last.IsZero() {
			continue
		}
		w, ok := windows[k.tenantID]
		if !ok {
			var minutes sql.NullFloat64
			err := tx.QueryRowContext(ctx, `SELECT CASE WHEN json_type(config, '$.attributionWindowMinutes')
					IN ('integer', 'real') THEN json_extract(config, '$.attributionWindowMinutes') END
				FROM tenants WHERE id = $1`, k.tenantID).Scan(&minutes)
			if err != nil {
				return fmt.Errorf("attribution window of tenant %s: %w", k.tenantID, err)
			}
			w = 30 * time.Minute
			if minutes.Valid {
				w = time.Duration(min(max(minutes.Float64, 0), 10080) * float64(time.Minute))
			}
			windows[k.tenantID] = w
		}
		for d, end := k.day.AddDate(0, 0, 1), recom.Day(last.Add(w)); !d.After(end); d = d.AddDate(0, 0, 1) {
			days[staleSpan{k.tenantID, d}] = true
		}
	}
	sorted := slices.SortedFunc(maps.Keys(days), func(a, b staleSpan) int {
		return cmp.Or(strings.Compare(a.tenantID, b.tenantID), a.day.Compare(b.day))
	})
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO analytics_stale (tenant_id, day, version)
		VALUES ($1, $2, 1) ON CONFLICT (tenant_id, day) DO UPDATE SET version = version + 1`)
	if err != nil {
		return err
	}
	defer upsert.Close()
	for _, k := range sorted {
		if _, err := upsert.ExecContext(ctx, k.tenantID, dayText(k.day)); err != nil {
			return err
		}
	}
	return nil
}

// nullText returns s, or nil (NULL) when s is empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scanEvent scans the eventColumns of a row, then any more columns into more.
func scanEvent(row interface{ Scan(...any) error }, more ...any) (recom.Event, error) {
	var (
		e                                                      recom.Event
		session, anonymous, recommendation, placement, orderID sql.NullString
		currency, metadata                                     sql.NullString
	)
	err := row.Scan(append([]any{&e.TenantID, &e.Type, &e.UserID, &e.ProductID, timeScanner{&e.Timestamp},
		timeScanner{&e.ReceivedAt}, &session, &anonymous, &recommendation, &placement, &e.Position,
		&orderID, &e.Price, &e.Quantity, &currency, &metadata}, more...)...)
	if err != nil {
		return recom.Event{}, err
	}
	e.SessionID, e.AnonymousID, e.RecommendationID = session.String, anonymous.String, recommendation.String
	e.Placement, e.OrderID, e.Currency = placement.String, orderID.String, currency.String
	if metadata.Valid {
		e.Metadata = json.RawMessage(metadata.String)
	}
	return e, nil
}

// FindEvents lists the tenant's events newest first: occurred_at DESC, then id DESC
// (later stored first). A Page.Limit of 0 means no limit.
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
	if err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM events`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count events of tenant %s: %w", tenantID, err)
	}
	page := ` ORDER BY occurred_at DESC, id DESC LIMIT ` + arg(sqlLimit(f.Page.Limit)) + ` OFFSET ` + arg(max(f.Page.Offset, 0))
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM events`+cond+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find events of tenant %s: %w", tenantID, err)
	}
	events, err := collect(rows, func(r interface{ Scan(...any) error }) (recom.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find events of tenant %s: %w", tenantID, err)
	}
	return events, total, nil
}

// scanChunk is how many events ScanEvents hands fn at a time: a few MB.
const scanChunk = 5000

// ScanEvents reads the tenant's events at or after since: scanEvents without an end or a
// type filter.
func (s eventStore) ScanEvents(ctx context.Context, tenantID string, since time.Time, fn func([]recom.Event) error) error {
	return s.scanEvents(ctx, tenantID, since, nil, nil, fn)
}

// ScanEventsBetween reads the tenant's events of the types (all when none) in [from, to):
// scanEvents with an end.
func (s eventStore) ScanEventsBetween(ctx context.Context, tenantID string, from, to time.Time,
	types []recom.EventType, fn func([]recom.Event) error) error {
	return s.scanEvents(ctx, tenantID, from, &to, types, fn)
}

// scanEvents reads the tenant's events at or after from, before *to unless to is nil, of
// the types given (all when none), oldest first, by occurred_at and then id (arrival
// order among equal times), scanChunk at a time. Each chunk is a query of its own starting
// after the last event read (keyset pagination), so no read transaction is held while fn
// runs, however long the model build takes: WAL checkpoints go on. An event stored during
// the scan with a time before the last one read is not seen; the next build reads it.
func (s eventStore) scanEvents(ctx context.Context, tenantID string, from time.Time, to *time.Time,
	types []recom.EventType, fn func([]recom.Event) error) error {
	args := []any{tenantID, timeText(from), int64(0), scanChunk} // rowids start at 1
	var more []string
	if to != nil {
		args = append(args, timeText(*to))
		more = append(more, ` AND occurred_at < $`+strconv.Itoa(len(args)))
	}
	if len(types) > 0 {
		in := make([]string, len(types))
		for i, t := range types {
			args = append(args, string(t))
			in[i] = `$` + strconv.Itoa(len(args))
		}
		more = append(more, ` AND event_type IN (`+strings.Join(in, ", ")+`)`)
	}
	query := `SELECT ` + eventColumns + `, id FROM events
		WHERE tenant_id = $1 AND occurred_at >= $2 AND (occurred_at > $2 OR id > $3)` +
		strings.Join(more, "") + ` ORDER BY occurred_at, id LIMIT $4`
	for {
		chunk, err := s.nextEvents(ctx, query, args)
		if err != nil {
			return fmt.Errorf("sqlite: scan events of tenant %s: %w", tenantID, err)
		}
		if len(chunk) == 0 {
			return nil
		}
		args[1] = timeText(chunk[len(chunk)-1].Timestamp) // before fn, which may change the chunk
		if err := fn(chunk); err != nil {
			return err
		}
		if len(chunk) < scanChunk {
			return nil
		}
	}
}

// nextEvents reads the next chunk of scanEvents: query with args, whose $2 and $3 are the
// time and id of the last event read, and sets args[2] to the last id of this chunk. The
// query walks events_tenant_time from $2, checks types and ids in the index (each entry
// ends with the rowid), and sorts only events of equal time by id.
func (s eventStore) nextEvents(ctx context.Context, query string, args []any) ([]recom.Event, error) {
	rows, err := s.db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	chunk := make([]recom.Event, 0, scanChunk)
	var id int64
	for rows.Next() {
		e, err := scanEvent(rows, &id)
		if err != nil {
			return nil, err
		}
		chunk = append(chunk, e)
	}
	if len(chunk) > 0 {
		args[2] = id
	}
	return chunk, rows.Err()
}
