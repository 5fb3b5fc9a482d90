package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// analyticsStore implements recom.AnalyticsStore. Days are date columns, written as the
// UTC midnights recom.Day gives and read back as such.
type analyticsStore struct{ db *DB }

// StaleDays lists up to limit stale tenant-days (0: all) from the log, oldest day first,
// then by tenant. Each carries as its Version the snapshot the log was read in: ReplaceDay
// clears only the rows of transactions committed in it, whose events a rollup scanning
// afterwards sees. Rows of transactions running at the read (invisible to it) or begun
// since stay for the next run (migration 00006). pg_current_snapshot() is the snapshot of
// the very statement that reads the log.
func (s analyticsStore) StaleDays(ctx context.Context, limit int) ([]recom.StaleDay, error) {
	var lim *int // LIMIT NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.db.pool.Query(ctx, `SELECT tenant_id, day, pg_current_snapshot()::text
		FROM analytics_stale_log GROUP BY tenant_id, day ORDER BY day, tenant_id LIMIT $1`, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: find stale days: %w", err)
	}
	days, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.StaleDay, error) {
		var d recom.StaleDay
		err := row.Scan(&d.TenantID, &d.Day, &d.Version)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find stale days: %w", err)
	}
	if days == nil {
		days = []recom.StaleDay{}
	}
	return days, nil
}

// replaceDaySQL are ReplaceDay's statements, sent as one batch in its transaction. $1 is
// the tenant, $2 the day. The rows come as parallel arrays, so each table takes one
// statement whatever the number of rows.
var replaceDaySQL = struct {
	deleteDaily, deleteProducts, deleteAttributions, deleteUsers string
	insertDaily, insertProducts, insertAttributions, insertUsers string
	clearMark, markOthers                                        string
}{
	deleteDaily:        `DELETE FROM analytics_daily WHERE tenant_id = $1 AND day = $2`,
	deleteProducts:     `DELETE FROM analytics_products_daily WHERE tenant_id = $1 AND day = $2`,
	deleteAttributions: `DELETE FROM attributions WHERE tenant_id = $1 AND day = $2`,
	deleteUsers:        `DELETE FROM experiment_user_days WHERE tenant_id = $1 AND day = $2`,
	insertDaily: `INSERT INTO analytics_daily (tenant_id, day, placement, strategy, experiment_id,
			variant, impressions, clicks, conversions, revenue, users)
		SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int8[],
			$8::int8[], $9::int8[], $10::float8[], $11::int8[]) AS u`,
	insertProducts: `INSERT INTO analytics_products_daily (tenant_id, day, placement, strategy,
			product_id, impressions, clicks, conversions, revenue)
		SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[],
			$8::int8[], $9::float8[]) AS u`,
	// A line credited on another day moves here: the caller found this day's purchase of
	// it earlier, and marks that day stale.
	insertAttributions: `INSERT INTO attributions (tenant_id, day, order_id, product_id, user_id,
			purchased_at, clicked_at, recommendation_id, placement, strategy, experiment_id,
			variant, quantity, revenue)
		SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::text[], $6::timestamptz[],
			$7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
			$13::int4[], $14::float8[]) AS u
		ON CONFLICT (tenant_id, order_id, product_id) DO UPDATE SET day = excluded.day,
			user_id = excluded.user_id, purchased_at = excluded.purchased_at,
			clicked_at = excluded.clicked_at, recommendation_id = excluded.recommendation_id,
			placement = excluded.placement, strategy = excluded.strategy,
			experiment_id = excluded.experiment_id, variant = excluded.variant,
			quantity = excluded.quantity, revenue = excluded.revenue`,
	insertUsers: `INSERT INTO experiment_user_days (tenant_id, day, experiment_id, variant, user_id,
			impressions, clicks, conversions, revenue)
		SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[],
			$8::int8[], $9::float8[]) AS u`,
	// The rows of transactions committed in StaleDays' snapshot; later ones keep the day
	// stale.
	clearMark: `DELETE FROM analytics_stale_log
		WHERE tenant_id = $1 AND day = $2 AND pg_visible_in_snapshot(xid, $3::text::pg_snapshot)`,
	// Other days this rollup changed (credits moved here), in the same transaction.
	markOthers: `INSERT INTO analytics_stale_log (tenant_id, day) SELECT $1, unnest($2::date[])`,
}

// ReplaceDay replaces the tenant-day's rows (experiment user rows included) and credits
// with r in one transaction, one round trip for all its statements, and clears the mark
// if its version is still d.Version. Every row and credit must be of d.Day (a zero row
// Day counts as d.Day), or nothing changes and an error is returned. Returns CodeNotFound
// if the tenant does not exist.
func (s analyticsStore) ReplaceDay(ctx context.Context, d recom.StaleDay, r recom.DayRollup) error {
	day := recom.Day(d.Day)
	if err := checkRollup(day, r); err != nil {
		return fmt.Errorf("postgres: replace %s of tenant %s: %w", day.Format(time.DateOnly), d.TenantID, err)
	}
	n := len(r.Daily)
	var (
		placement, strategy, experiment, variant = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		impressions, clicks, conversions, users  = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		revenue                                  = make([]float64, n)
	)
	for i, row := range r.Daily {
		placement[i], strategy[i], experiment[i], variant[i] = row.Placement, row.Strategy, row.ExperimentID, row.Variant
		impressions[i], clicks[i], conversions[i], users[i] = row.Impressions, row.Clicks, row.Conversions, row.Users
		revenue[i] = row.Revenue
	}
	n = len(r.Products)
	var (
		pPlacement, pStrategy, pProduct            = make([]string, n), make([]string, n), make([]string, n)
		pImpressions, pClicks, pConversions, pRevs = make([]int64, n), make([]int64, n), make([]int64, n), make([]float64, n)
	)
	for i, row := range r.Products {
		pPlacement[i], pStrategy[i], pProduct[i] = row.Placement, row.Strategy, row.ProductID
		pImpressions[i], pClicks[i], pConversions[i], pRevs[i] = row.Impressions, row.Clicks, row.Conversions, row.Revenue
	}
	n = len(r.Attributions)
	var (
		order, product, user, recID = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		purchased, clicked          = make([]time.Time, n), make([]time.Time, n)
		aPlacement, aStrategy       = make([]string, n), make([]string, n)
		aExperiment, aVariant       = make([]string, n), make([]string, n)
		quantity                    = make([]int32, n)
		aRevenue                    = make([]float64, n)
	)
	for i, a := range r.Attributions {
		order[i], product[i], user[i], recID[i] = a.OrderID, a.ProductID, a.UserID, a.RecommendationID
		purchased[i], clicked[i] = a.PurchasedAt, a.ClickedAt
		aPlacement[i], aStrategy[i], aExperiment[i], aVariant[i] = a.Placement, a.Strategy, a.ExperimentID, a.Variant
		quantity[i], aRevenue[i] = int32(a.Quantity), a.Revenue
	}
	n = len(r.Users)
	var (
		uExperiment, uVariant, uUser               = make([]string, n), make([]string, n), make([]string, n)
		uImpressions, uClicks, uConversions, uRevs = make([]int64, n), make([]int64, n), make([]int64, n), make([]float64, n)
	)
	for i, u := range r.Users {
		uExperiment[i], uVariant[i], uUser[i] = u.ExperimentID, u.Variant, u.UserID
		uImpressions[i], uClicks[i], uConversions[i], uRevs[i] = u.Impressions, u.Clicks, u.Conversions, u.Revenue
	}
	q := replaceDaySQL
	b := &pgx.Batch{}
	b.Queue(q.deleteDaily, d.TenantID, day)
	b.Queue(q.deleteProducts, d.TenantID, day)
	b.Queue(q.deleteAttributions, d.TenantID, day)
	b.Queue(q.deleteUsers, d.TenantID, day)
	b.Queue(q.insertDaily, d.TenantID, day, placement, strategy, experiment, variant,
		impressions, clicks, conversions, revenue, users)
	b.Queue(q.insertProducts, d.TenantID, day, pPlacement, pStrategy, pProduct,
		pImpressions, pClicks, pConversions, pRevs)
	b.Queue(q.insertAttributions, d.TenantID, day, order, product, user, purchased, clicked,
		recID, aPlacement, aStrategy, aExperiment, aVariant, quantity, aRevenue)
	b.Queue(q.insertUsers, d.TenantID, day, uExperiment, uVariant, uUser,
		uImpressions, uClicks, uConversions, uRevs)
	if d.Version != "" {
		b.Queue(q.clearMark, d.TenantID, day, d.Version)
	}
	if len(r.Stale) > 0 {
		b.Queue(q.markOthers, d.TenantID, r.Stale)
	}
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close() // Close reports the first statement's error
	})
	if hasCode(err, foreignKeyViolation) {
		return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return fmt.Errorf("postgres: replace %s of tenant %s: %w", day.Format(time.DateOnly), d.TenantID, err)
	}
	return nil
}

// checkRollup reports an error unless every row and credit of r is of day, so that
// ReplaceDay's delete of the day is what the next one replaces.
func checkRollup(day time.Time, r recom.DayRollup) error {
	of := func(t time.Time) bool { return t.IsZero() || recom.Day(t).Equal(day) }
	for _, row := range r.Daily {
		if !of(row.Day) {
			return fmt.Errorf("a daily row is of %s", row.Day.Format(time.DateOnly))
		}
	}
	for _, row := range r.Products {
		if !of(row.Day) {
			return fmt.Errorf("a product row is of %s", row.Day.Format(time.DateOnly))
		}
	}
	for _, a := range r.Attributions {
		if !recom.Day(a.PurchasedAt).Equal(day) {
			return fmt.Errorf("order %s was purchased on %s", a.OrderID, a.PurchasedAt.UTC().Format(time.DateOnly))
		}
	}
	for _, u := range r.Users {
		if !of(u.Day) {
			return fmt.Errorf("an experiment user row is of %s", u.Day.Format(time.DateOnly))
		}
	}
	return nil
}

// Daily reads the tenant's rows of days from..to, inclusive, along the primary key,
// ordered by day and then dims (byte order: COLLATE "C").
func (s analyticsStore) Daily(ctx context.Context, tenantID string, from, to time.Time, f recom.AnalyticsFilter) ([]recom.DailyRow, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT day, placement, strategy, experiment_id, variant,
			impressions, clicks, conversions, revenue, users
		FROM analytics_daily
		WHERE tenant_id = $1 AND day >= $2 AND day <= $3
			AND ($4 = '' OR placement = $4) AND ($5 = '' OR strategy = $5)
		ORDER BY day, placement, strategy, experiment_id, variant`,
		tenantID, recom.Day(from), recom.Day(to), f.Placement, f.Strategy)
	if err != nil {
		return nil, fmt.Errorf("postgres: find daily analytics of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.DailyRow, error) {
		var r recom.DailyRow
		err := row.Scan(&r.Day, &r.Placement, &r.Strategy, &r.ExperimentID, &r.Variant,
			&r.Impressions, &r.Clicks, &r.Conversions, &r.Revenue, &r.Users)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find daily analytics of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.DailyRow{}
	}
	return out, nil
}

// productOrders are ProductTotals' orders by name. ctr is NULL without impressions:
// such products come last.
var productOrders = map[string]string{
	"impressions": `impressions DESC`,
	"clicks":      `clicks DESC`,
	"revenue":     `revenue DESC`,
	"ctr":         `clicks::float8 / nullif(impressions, 0) DESC NULLS LAST`,
}

// ProductTotals sums the tenant's product rows of days from..to, inclusive, by product,
// read along the primary key. Returns CodeInvalid for an unknown by.
func (s analyticsStore) ProductTotals(ctx context.Context, tenantID string, from, to time.Time,
	f recom.AnalyticsFilter, by string, minImpressions int64, limit int) ([]recom.ProductTotal, error) {
	order, ok := productOrders[by]
	if !ok {
		return nil, recom.Errorf(recom.CodeInvalid, "Products can be ranked by impressions, clicks, ctr or revenue.")
	}
	if by != "ctr" {
		minImpressions = 0
	}
	var lim *int // LIMIT NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.db.pool.Query(ctx, `SELECT product_id, impressions, clicks, conversions, revenue
		FROM (SELECT product_id, sum(impressions)::int8 AS impressions, sum(clicks)::int8 AS clicks,
				sum(conversions)::int8 AS conversions, sum(revenue) AS revenue
			FROM analytics_products_daily
			WHERE tenant_id = $1 AND day >= $2 AND day <= $3
				AND ($4 = '' OR placement = $4) AND ($5 = '' OR strategy = $5)
			GROUP BY product_id) AS p
		WHERE (impressions > 0 OR clicks > 0 OR conversions > 0 OR revenue <> 0) AND impressions >= $6
		ORDER BY `+order+`, product_id LIMIT $7`,
		tenantID, recom.Day(from), recom.Day(to), f.Placement, f.Strategy, minImpressions, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: find product totals of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.ProductTotal, error) {
		var p recom.ProductTotal
		err := row.Scan(&p.ProductID, &p.Impressions, &p.Clicks, &p.Conversions, &p.Revenue)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find product totals of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.ProductTotal{}
	}
	return out, nil
}

// attributionColumns are the columns scanAttribution reads.
const attributionColumns = `tenant_id, order_id, product_id, user_id, purchased_at, clicked_at,
	recommendation_id, placement, strategy, experiment_id, variant, quantity, revenue`

func scanAttribution(row pgx.CollectableRow) (recom.Attribution, error) {
	var a recom.Attribution
	err := row.Scan(&a.TenantID, &a.OrderID, &a.ProductID, &a.UserID, &a.PurchasedAt, &a.ClickedAt,
		&a.RecommendationID, &a.Placement, &a.Strategy, &a.ExperimentID, &a.Variant, &a.Quantity, &a.Revenue)
	return a, err
}

// Attributions reads the tenant's credits of purchases in [from, to), found by their days
// along attributions_tenant_day (day is purchased_at's, which ReplaceDay checks).
func (s analyticsStore) Attributions(ctx context.Context, tenantID string, from, to time.Time) ([]recom.Attribution, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+attributionColumns+` FROM attributions
		WHERE tenant_id = $1 AND day >= $2 AND day <= $3 AND purchased_at >= $4 AND purchased_at < $5
		ORDER BY purchased_at, order_id, product_id`,
		tenantID, recom.Day(from), recom.Day(to), from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres: find attributions of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, scanAttribution)
	if err != nil {
		return nil, fmt.Errorf("postgres: find attributions of tenant %s: %w", tenantID, err)
	}
	if out == nil {
		out = []recom.Attribution{}
	}
	return out, nil
}

// FindAttributions reads the credits of the tenant's lines by primary key, in one query.
func (s analyticsStore) FindAttributions(ctx context.Context, tenantID string, lines []recom.OrderLine) ([]recom.Attribution, error) {
	orders, products := make([]string, len(lines)), make([]string, len(lines))
	for i, l := range lines {
		orders[i], products[i] = l.OrderID, l.ProductID
	}
	rows, err := s.db.pool.Query(ctx, `SELECT `+attributionColumns+` FROM attributions
		WHERE tenant_id = $1 AND (order_id, product_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
		tenantID, orders, products)
	if err != nil {
		return nil, fmt.Errorf("postgres: find attributions of tenant %s: %w", tenantID, err)
	}
	out, err := pgx.CollectRows(rows, scanAttribution)
	if err != nil {
		return nil, fmt.Errorf("postgres: find attributions of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// exclusiveKey is the advisory lock key of a name: "recomengine:" keeps clear of other
// applications' keys on a shared server.
const exclusiveKey = `hashtextextended('recomengine:' || $1, 0)`

// Exclusive runs fn holding the session advisory lock of name on a connection of its
// own, taken from the pool for the run: the lock lives as long as that session, so a
// node that dies mid-run frees it. Returns (false, nil) at once, without running fn, if
// another session holds it.
func (s analyticsStore) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error) {
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: lock %s: %w", name, err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+exclusiveKey+`)`, name).Scan(&locked); err != nil {
		return false, fmt.Errorf("postgres: lock %s: %w", name, err)
	}
	if !locked {
		return false, nil
	}
	defer func() {
		// Unlock even when ctx is done (or fn panicked). A session whose unlock failed
		// may still hold the lock: close it rather than return it to the pool.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+exclusiveKey+`)`, name); uerr != nil {
			conn.Conn().Close(uctx) // Release then destroys it
			err = errors.Join(err, fmt.Errorf("postgres: unlock %s: %w", name, uerr))
		}
	}()
	return true, fn(ctx)
}
