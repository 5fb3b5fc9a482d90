package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
// event or of an earlier one in the call (FR-010). A zero ReceivedAt means now, a zero
// Timestamp means ReceivedAt; times are kept in UTC to the microsecond. Returns
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
		for i, e := range events {
			received := orNow(e.ReceivedAt, now)
			var metadata any // NULL when absent; text, as a STRICT TEXT column refuses []byte
			if e.Metadata != nil {
				// As in PostgreSQL, where invalid UTF-8 would fail the call.
				metadata = strings.ToValidUTF8(string(e.Metadata), "\uFFFD")
			}
			res, err := insert.ExecContext(ctx, e.TenantID, string(e.Type), e.UserID, e.ProductID,
				timeText(orNow(e.Timestamp, received)), timeText(received),
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
		}
		return nil
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: append %d events: %w", len(events), err)
	}
	return isNew, nil
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

// ScanEvents reads the tenant's events at or after since oldest first, by occurred_at and
// then id (arrival order among equal times), scanChunk at a time. Each chunk is a query of
// its own starting after the last event read (keyset pagination), so no read transaction
// is held while fn runs, however long the model build takes: WAL checkpoints go on. An
// event stored during the scan with a time before the last one read is not seen; the
// next build reads it.
func (s eventStore) ScanEvents(ctx context.Context, tenantID string, since time.Time, fn func([]recom.Event) error) error {
	at, id := timeText(since), int64(0) // rowids start at 1
	for {
		chunk, err := s.nextEvents(ctx, tenantID, at, &id)
		if err != nil {
			return fmt.Errorf("sqlite: scan events of tenant %s: %w", tenantID, err)
		}
		if len(chunk) == 0 {
			return nil
		}
		at = timeText(chunk[len(chunk)-1].Timestamp) // before fn, which may change the chunk
		if err := fn(chunk); err != nil {
			return err
		}
		if len(chunk) < scanChunk {
			return nil
		}
	}
}

// nextEvents reads the next chunk of ScanEvents after the event at time at with id *id,
// and sets *id to the last one's. The query walks events_tenant_time backwards from at,
// checks ids in the index (each entry ends with the rowid), and sorts only events of equal
// time by id.
func (s eventStore) nextEvents(ctx context.Context, tenantID, at string, id *int64) ([]recom.Event, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+eventColumns+`, id FROM events
		WHERE tenant_id = $1 AND occurred_at >= $2 AND (occurred_at > $2 OR id > $3)
		ORDER BY occurred_at, id LIMIT $4`, tenantID, at, *id, scanChunk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	chunk := make([]recom.Event, 0, scanChunk)
	for rows.Next() {
		e, err := scanEvent(rows, id)
		if err != nil {
			return nil, err
		}
		chunk = append(chunk, e)
	}
	return chunk, rows.Err()
}
