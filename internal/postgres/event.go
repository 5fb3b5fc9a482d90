package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/recomengine/recomengine/internal/recom"
)

// eventStore implements recom.EventStore.
type eventStore struct{ db *DB }

// eventColumns are the columns AppendEvents writes, in the order of its COPY rows.
var eventColumns = []string{"occurred_at", "received_at", "price", "position", "quantity",
	"tenant_id", "event_type", "user_id", "product_id", "session_id", "anonymous_id",
	"recommendation_id", "placement", "order_id", "currency", "metadata"}

// appendSQL writes the events given as parallel arrays, skipping those already stored
// (FR-010), marks stale the days the new analytic events can change, and returns the
// dedup keys of the events inserted (RETURNING sees only the inserted rows, so the keys
// are mapped back to the input in Go). It is one statement, so one round trip and its
// own transaction: a flush of a few events costs no more than that, which is what keeps
// single-event acknowledgements fast. The guard inserts nothing unless every tenant of
// the call exists (events carry no foreign key: the per-row check measured about a fifth
// of the insert's cost). Rows arrive in one order (appendKey's, nearly the dedup index's),
// so two flushers (say on two nodes) inserting overlapping keys wait on each other's keys
// in the same order and cannot deadlock.
//
// The marks (AnalyticsStore) come from the inserted rows only, so duplicates mark
// nothing. spans reduces them to one row per tenant and UTC day, with the day's latest
// click: a click can change the days up to the one holding its time plus the tenant's
// attribution window (30 minutes when the config has none; clamped to the range recom
// validates, so odd data cannot fail the flush), and the latest click reaches furthest.
// Each such day gets a row in the append-only analytics_stale_log (migration 00006 says
// why a log and not an upserted row). PostgreSQL runs a data-modifying CTE to completion
// even though nothing reads it.
var appendSQL = `WITH inserted AS (` + insertEvents("ON CONFLICT DO NOTHING RETURNING tenant_id, user_id, occurred_at, event_type, product_id") + `
), spans AS (
	SELECT tenant_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
		max(occurred_at) FILTER (WHERE event_type = $19::event_type) AS last_click
	FROM inserted WHERE event_type = ANY($18::event_type[])
	GROUP BY 1, 2
), ` + markSpans + `
SELECT tenant_id::text, user_id, occurred_at, event_type::text, product_id FROM inserted`

// appendNewSQL is appendSQL for events expected to be new: without ON CONFLICT, so a
// duplicate fails the statement (unique_violation) and nothing is stored, and returning
// nothing: as all were inserted or (the guard) none, the command tag's count tells which.
// ON CONFLICT looks each row up in the dedup index before inserting it there, a fifth of
// the statement's database CPU in a profile of batches of new events. The spans come
// from Go (appendSpans) as $18–$20 (tenant, day, latest click), under the same guard:
// gathering the inserted rows to derive them costs the database more.
var appendNewSQL = `WITH spans AS (
	SELECT * FROM unnest($18::text[], $19::date[], $20::timestamptz[]) AS s (tenant_id, day, last_click)
	WHERE ` + tenantsExist + `
), ` + markSpans + `
` + insertEvents("")

// tenantsExist is the guard: every tenant of the call ($17) exists.
const tenantsExist = `(SELECT count(*) FROM tenants WHERE id = ANY($17::text[])) = cardinality($17::text[])`

// insertEvents inserts the events given as parallel arrays ($1–$16) if every tenant
// exists, ending with tail (a conflict clause, RETURNING). The arrays are unnested in a
// select list, where they stream in step (a ProjectSet); unnest in FROM is a function
// scan, which first copies every row into a tuplestore: a sixth of the database's CPU
// per event (10.3 → 8.6 µs in BenchmarkAppendEvents' 5,000-event calls).
func insertEvents(tail string) string {
	return `INSERT INTO events (` + strings.Join(eventColumns, ", ") + `)
	SELECT u.occurred_at, u.received_at, u.price, u.position, u.quantity, u.tenant_id, u.event_type,
		u.user_id, u.product_id, nullif(u.session_id, ''), nullif(u.anonymous_id, ''),
		nullif(u.recommendation_id, ''), nullif(u.placement, ''), nullif(u.order_id, ''),
		nullif(u.currency, ''), nullif(u.metadata, '')::json
	FROM (SELECT unnest($1::timestamptz[]) AS occurred_at, unnest($2::timestamptz[]) AS received_at,
		unnest($3::float8[]) AS price, unnest($4::int4[]) AS position, unnest($5::int4[]) AS quantity,
		unnest($6::uuid[]) AS tenant_id, unnest($7::text[]::event_type[]) AS event_type,
		unnest($8::text[]) AS user_id, unnest($9::text[]) AS product_id,
		unnest($10::text[]) AS session_id, unnest($11::text[]) AS anonymous_id,
		unnest($12::text[]) AS recommendation_id, unnest($13::text[]) AS placement,
		unnest($14::text[]) AS order_id, unnest($15::text[]) AS currency,
		unnest($16::text[]) AS metadata) AS u
	WHERE ` + tenantsExist + `
	` + tail
}

// markSpans is the CTE logging the stale days of spans (tenant, day, last_click).
const markSpans = `marked AS (
	INSERT INTO analytics_stale_log (tenant_id, day)
	SELECT DISTINCT s.tenant_id::text, s.day + k
	FROM spans s JOIN tenants t ON t.id = s.tenant_id::text,
		generate_series(0, coalesce(((s.last_click + interval '1 minute' *
			CASE WHEN jsonb_typeof(t.config->'attributionWindowMinutes') = 'number'
			THEN least(greatest((t.config->>'attributionWindowMinutes')::float8, 0), 10080) ELSE 30 END)
			AT TIME ZONE 'UTC')::date - s.day, 0)) AS k
)`

// appendSpans returns appendNewSQL's $18–$20 for the events at staged: one row per
// tenant and UTC day of their analytic events, with the day's latest click (NULL if
// none), as appendSQL's spans derives them from the inserted rows.
func appendSpans(events []recom.Event, staged []int, occurred []time.Time) ([]string, []time.Time, pgtype.FlatArray[pgtype.Timestamptz]) {
	type span struct {
		tenant string
		day    time.Time
	}
	index := map[span]int{}
	var (
		tenants []string
		days    []time.Time
		clicks  pgtype.FlatArray[pgtype.Timestamptz]
	)
	for _, i := range staged {
		e := &events[i]
		if !slices.Contains(recom.AnalyticEvents, e.Type) {
			continue
		}
		at := occurred[i].UTC()
		k := span{e.TenantID, time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)}
		j, ok := index[k]
		if !ok {
			j = len(tenants)
			index[k] = j
			tenants, days, clicks = append(tenants, k.tenant), append(days, k.day), append(clicks, pgtype.Timestamptz{})
		}
		if e.Type == recom.RecommendationClicked && (!clicks[j].Valid || at.After(clicks[j].Time)) {
			clicks[j] = pgtype.Timestamptz{Time: at, Valid: true}
		}
	}
	return tenants, days, clicks
}

// duplicateQuiet is how long after a flush met a stored duplicate the flushes use
// appendSQL only: clients retrying what was stored send duplicates in runs, and each
// would fail appendNewSQL's whole statement before appendSQL.
var duplicateQuiet = 10 * time.Second

// analyticTypes are recom.AnalyticEvents as text, appendSQL's $18.
var analyticTypes = typeNames(recom.AnalyticEvents)

// typeNames returns the event types as text, for a text[] parameter.
func typeNames(types []recom.EventType) []string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return names
}

// missingTenantSQL returns one of the tenant ids $1 that has no tenant, if any.
const missingTenantSQL = `SELECT x.id FROM unnest($1::text[]) AS x (id)
	WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = x.id) LIMIT 1`

// appendKey appends the dedup key of an event (FR-010) to b, in the column order of the
// dedup index: tenant, user, the time (µs since the Unix epoch, 8 bytes big-endian with
// the sign bit flipped, so byte order is time order), type and product, each text
// followed by a NUL (which no stored text holds: PostgreSQL refuses it). Keys compare
// as the index orders its rows (byte order, as COLLATE "C"; the uuid tenant's bytes
// order as its text does), but for the type, an enum ordered by declaration: only
// events of one user at one time differ in the order of types.
func appendKey[T string | []byte](b []byte, tenant, user, typ, product T, micros int64) []byte {
	b = append(append(b, tenant...), 0)
	b = append(append(b, user...), 0)
	b = binary.BigEndian.AppendUint64(b, uint64(micros)^1<<63)
	b = append(append(b, typ...), 0)
	return append(append(b, product...), 0)
}

// pgEpochMicros is PostgreSQL's epoch (2000-01-01 UTC) in microseconds since the Unix
// epoch: binary timestamptz values count from it.
const pgEpochMicros = 946_684_800_000_000

// AppendEvents writes the events in one statement (so one transaction), the hot path of
// the ingest flusher (DESIGN §3): the first occurrence of each dedup key in the call is
// sent as parallel arrays to appendNewSQL, which stores them all as new; if one is
// stored already (or one was in the last duplicateQuiet), to appendSQL, which returns
// the keys it inserted, mapped back to the input. The same statement marks stale the
// days their analytic events can change. A zero ReceivedAt means now, a zero Timestamp means ReceivedAt;
// times are kept in UTC to the microsecond. Returns CodeNotFound if an event's tenant
// does not exist, storing nothing.
func (s eventStore) AppendEvents(ctx context.Context, events []recom.Event) ([]bool, error) {
	isNew := make([]bool, len(events))
	if len(events) == 0 {
		return isNew, nil
	}
	now := recom.Now()
	received, occurred := make([]time.Time, len(events)), make([]time.Time, len(events))
	first := make(map[string]int, len(events)) // dedup key (appendKey) → index of its first occurrence
	staged := make([]int, 0, len(events))
	keys := make([]string, len(events))
	uuids := map[string][16]byte{} // each tenant of the call → its ID as the uuid column's bytes
	var key []byte
	for i := range events {
		e := &events[i]
		if _, ok := uuids[e.TenantID]; !ok {
			id, ok := parseTenantID(e.TenantID)
			if !ok { // no tenant has it, and the uuid column cannot hold it
				return nil, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
			}
			uuids[e.TenantID] = id
		}
		received[i] = orNow(e.ReceivedAt, now)
		occurred[i] = orNow(e.Timestamp, received[i])
		key = appendKey(key[:0], e.TenantID, e.UserID, string(e.Type), e.ProductID, occurred[i].UnixMicro())
		if _, dup := first[string(key)]; dup {
			continue // a duplicate of an earlier event of the call, whatever the table holds
		}
		keys[i] = string(key)
		first[keys[i]] = i
		staged = append(staged, i)
	}
	tenants := slices.Collect(maps.Keys(uuids))
	slices.SortFunc(staged, func(a, b int) int { return strings.Compare(keys[a], keys[b]) }) // (nearly) index order
	// Typed arrays (arrays.go), which pgx writes without reflection or boxing each
	// element. Absent text is '' and becomes NULL in appendSQL (an empty value is never
	// stored). The types go as text[], cast to event_type[] in SQL: pgx knows no enum
	// array, so it would format an event_type[] parameter as text, a twentieth of the
	// server's CPU in a flush, where casting costs the database no more than parsing it
	// (7.1–7.5 µs an event either way in 5,000-event calls). Tenants
	// go as pgtype.UUID: strings for a uuid[] fail pgx's binary encoding (formatting the
	// whole array into its error) before it falls back to text, on every call.
	n := len(staged)
	var (
		occ, rec                  = make(timeArray, n), make(timeArray, n)
		price                     = make(float8Array, n)
		position, quantity        = make(int4Array, n), make(int4Array, n)
		tenant                    = make(uuidArray, n)
		typ                       = make(textArray, n)
		user, prod                = make(textArray, n), make(textArray, n)
		session, anon, recID, pl  = make(textArray, n), make(textArray, n), make(textArray, n), make(textArray, n)
		order, currency, metadata = make(textArray, n), make(textArray, n), make(textArray, n)
	)
	for j, i := range staged {
		e := &events[i]
		occ[j], rec[j] = occurred[i], received[i]
		if e.Price != nil {
			price[j] = pgtype.Float8{Float64: *e.Price, Valid: true}
		}
		position[j], quantity[j] = int4(e.Position), int4(e.Quantity)
		tenant[j], typ[j], user[j], prod[j] = pgtype.UUID{Bytes: uuids[e.TenantID], Valid: true}, string(e.Type), e.UserID, e.ProductID
		session[j], anon[j], recID[j], pl[j] = e.SessionID, e.AnonymousID, e.RecommendationID, e.Placement
		order[j], currency[j], metadata[j] = e.OrderID, e.Currency, string(validMetadata(e.Metadata))
	}
	args := []any{occ, rec, price, position, quantity, tenant, typ, user, prod, session, anon, recID, pl,
		order, currency, metadata, tenants, analyticTypes, string(recom.RecommendationClicked)}
	inserted, err := 0, error(nil)
	withConflict := s.db.sawDuplicateWithin(duplicateQuiet)
	if !withConflict {
		spanTenants, spanDays, spanClicks := appendSpans(events, staged, occurred)
		var tag pgconn.CommandTag
		tag, err = execFlush(ctx, s.db.ingest, s.db.buffers, appendNewSQL, append(args[:17:17], spanTenants, spanDays, spanClicks)...)
		inserted = int(tag.RowsAffected())
		switch {
		case hasCode(err, uniqueViolation): // a stored duplicate, and nothing was stored
			s.db.sawDuplicate()
			withConflict, err = true, nil
		case err == nil && inserted == n:
			for _, i := range staged {
				isNew[i] = true
			}
		case err == nil && inserted != 0:
			return nil, fmt.Errorf("postgres: append %d events: inserted %d of %d new ones", len(events), inserted, n)
		}
		// Any other error is the caller's: the statement may have committed before it
		// (a lost connection), and a second one would call those events duplicates.
	}
	if withConflict {
		var rows pgx.Rows
		if rows, err = s.db.ingest.Query(ctx, appendSQL, args...); err == nil {
			inserted, err = markInserted(rows, first, isNew)
		}
	}
	if err == nil && inserted == 0 {
		// All duplicates, or a tenant missing (the guard then inserted nothing): tell which.
		var missing []string
		if rows, qerr := s.db.ingest.Query(ctx, missingTenantSQL, tenants); qerr != nil {
			err = qerr
		} else if missing, err = pgx.CollectRows(rows, pgx.RowTo[string]); err == nil && len(missing) > 0 {
			return nil, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
		}
	}
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: append %d events: %w", len(events), err)
	}
	return isNew, nil
}

// markInserted reads the keys appendSQL returns (tenant, user, time, type, product) and
// sets isNew for the event each names; it returns how many there were. It reads the raw
// values, with no string or time per row, unless the time comes as text (the simple
// protocol), which is scanned.
func markInserted(rows pgx.Rows, first map[string]int, isNew []bool) (int, error) {
	defer rows.Close()
	inserted := 0
	var key []byte
	for rows.Next() {
		raw := rows.RawValues()
		var micros int64
		if rows.FieldDescriptions()[2].Format == pgx.BinaryFormatCode && len(raw[2]) == 8 {
			micros = int64(binary.BigEndian.Uint64(raw[2])) + pgEpochMicros
		} else {
			var at time.Time
			if err := rows.Scan(nil, nil, &at, nil, nil); err != nil {
				return 0, err
			}
			micros = at.UnixMicro()
		}
		key = appendKey(key[:0], raw[0], raw[1], raw[3], raw[4], micros)
		i, ok := first[string(key)]
		if !ok {
			return 0, fmt.Errorf("inserted an event not given: %q", key)
		}
		isNew[i] = true
		inserted++
	}
	return inserted, rows.Err()
}

// isTenantID reports whether id is a UUID in the lowercase canonical form recom.NewID
// makes, the only form events' uuid tenant_id reads back. PostgreSQL would take other
// spellings of a UUID (upper case, braces, no hyphens) as the same tenant, or fail the
// statement on text that is none, where an unknown tenant has no events.
func isTenantID(id string) bool {
	_, ok := parseTenantID(id)
	return ok
}

// parseTenantID returns the bytes of id if isTenantID holds.
func parseTenantID(id string) (uuid [16]byte, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return uuid, false
	}
	hexDigits := id[:8] + id[9:13] + id[14:18] + id[19:23] + id[24:]
	if strings.ToLower(hexDigits) != hexDigits {
		return uuid, false
	}
	_, err := hex.Decode(uuid[:], []byte(hexDigits))
	return uuid, err == nil
}

// int4 is an optional int (validated to fit) for an int4 column.
func int4(v *int) pgtype.Int4 {
	if v == nil {
		return pgtype.Int4{}
	}
	return pgtype.Int4{Int32: int32(*v), Valid: true}
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

// eventFields are the columns scanEvent reads; optional text columns are NULL when absent.
const eventFields = `tenant_id, event_type, user_id, product_id, occurred_at, received_at,
	coalesce(session_id, ''), coalesce(anonymous_id, ''), coalesce(recommendation_id, ''),
	coalesce(placement, ''), position, coalesce(order_id, ''), price, quantity,
	coalesce(currency, ''), metadata`

// eventSelect reads events.
const eventSelect = `SELECT ` + eventFields + ` FROM events`

// eventTargets returns where in e to scan the eventFields.
func eventTargets(e *recom.Event) []any {
	return []any{&e.TenantID, &e.Type, &e.UserID, &e.ProductID, &e.Timestamp, &e.ReceivedAt,
		&e.SessionID, &e.AnonymousID, &e.RecommendationID, &e.Placement, &e.Position, &e.OrderID,
		&e.Price, &e.Quantity, &e.Currency, &e.Metadata}
}

func scanEvent(row pgx.Row) (recom.Event, error) {
	var e recom.Event
	err := row.Scan(eventTargets(&e)...)
	return e, err
}

// FindEvents lists the tenant's events newest first: occurred_at DESC, then id DESC
// (later stored first). A Page.Limit of 0 means no limit. The WHERE clause holds only the
// filters given, so each combination gets a plan that uses its index.
func (s eventStore) FindEvents(ctx context.Context, tenantID string, f recom.EventFilter) ([]recom.Event, int, error) {
	if !isTenantID(tenantID) || f.Type != "" && !slices.Contains(recom.EventTypes, f.Type) {
		return []recom.Event{}, 0, nil // no such tenant or type: none stored
	}
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

// scanChunk is how many events ScanEvents hands fn at a time: a few MB.
const scanChunk = 5000

// scanEventsSQL reads a chunk of scanEvents: the tenant's next events after the last one
// read, at time $2 with id $3, oldest first; the conditions of more are added as they
// come (an end, a type filter), so each combination gets a plan of its own. It walks
// events_tenant_time backwards from $2 (pruning the partitions before $2 and those from
// the end on), filters types along the index, which carries them, and an incremental
// sort puts events of equal time in id order.
func scanEventsSQL(more []string) string {
	return `SELECT ` + eventFields + `, id FROM events
	WHERE tenant_id = $1 AND occurred_at >= $2 AND (occurred_at > $2 OR id > $3)` +
		strings.Join(more, "") + ` ORDER BY occurred_at, id LIMIT $4`
}

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
// after the last event read (keyset pagination), so no connection, transaction or lock
// is held while fn runs, however long the model build takes: nothing holds back vacuum
// or waits in front of EnsureEventPartitions. The price: an event stored during the scan
// with a time before the last one read is not seen (the next build reads it), and the
// rest of a run of the tenant's events at one microsecond is read again by each chunk
// that ends inside the run, as the index has no id: only imports with coarse timestamps
// make runs longer than a chunk (50,000 at one time read at a third of the usual rate).
func (s eventStore) scanEvents(ctx context.Context, tenantID string, from time.Time, to *time.Time,
	types []recom.EventType, fn func([]recom.Event) error) error {
	if !isTenantID(tenantID) {
		return nil // no such tenant: no events
	}
	args := []any{tenantID, from, int64(0), scanChunk} // identity ids start at 1
	var more []string
	if to != nil {
		args = append(args, *to)
		more = append(more, ` AND occurred_at < $`+strconv.Itoa(len(args)))
	}
	if len(types) > 0 {
		args = append(args, typeNames(types))
		more = append(more, ` AND event_type = ANY($`+strconv.Itoa(len(args))+`::event_type[])`)
	}
	query := scanEventsSQL(more)
	at, id := from, int64(0)
	for {
		args[1], args[2] = at, id
		rows, err := s.db.pool.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: scan events of tenant %s: %w", tenantID, err)
		}
		// Every row is scanned into e, then copied: pgx sets every field anew, allocating
		// strings, pointers and metadata for each row.
		chunk := make([]recom.Event, 0, scanChunk)
		var e recom.Event
		_, err = pgx.ForEachRow(rows, append(eventTargets(&e), &id), func() error {
			chunk = append(chunk, e)
			return nil
		}) // the last row's id stays in id
		if err != nil {
			return fmt.Errorf("postgres: scan events of tenant %s: %w", tenantID, err)
		}
		if len(chunk) == 0 {
			return nil
		}
		at = chunk[len(chunk)-1].Timestamp // before fn, which may change the chunk
		if err := fn(chunk); err != nil {
			return err
		}
		if len(chunk) < scanChunk {
			return nil
		}
	}
}
