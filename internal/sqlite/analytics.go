package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// analyticsStore implements recom.AnalyticsStore. Days are dayText.
type analyticsStore struct{ db *DB }

// dayText is how days are stored: the UTC date of t, 'YYYY-MM-DD', sortable as text.
func dayText(t time.Time) string { return recom.Day(t).Format(time.DateOnly) }

// dayScanner scans a column written by dayText into *t, as midnight UTC.
type dayScanner struct{ t *time.Time }

func (s dayScanner) Scan(src any) error {
	text, ok := src.(string)
	if !ok {
		return fmt.Errorf("scan day: unexpected %T", src)
	}
	t, err := time.Parse(time.DateOnly, text)
	if err != nil {
		return fmt.Errorf("scan day: %w", err)
	}
	*s.t = t
	return nil
}

// StaleDays reads up to limit marks (0: all), oldest day first, then by tenant. A plain
// read is enough for the promise of the interface: the one writer commits a mark with its
// events, so a mark seen is of events committed.
func (s analyticsStore) StaleDays(ctx context.Context, limit int) ([]recom.StaleDay, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT tenant_id, day, version FROM analytics_stale
		ORDER BY day, tenant_id LIMIT $1`, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find stale days: %w", err)
	}
	days, err := collect(rows, func(r interface{ Scan(...any) error }) (recom.StaleDay, error) {
		var d recom.StaleDay
		var v int64
		err := r.Scan(&d.TenantID, dayScanner{&d.Day}, &v)
		d.Version = strconv.FormatInt(v, 10)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find stale days: %w", err)
	}
	return days, nil
}

// ReplaceDay replaces the tenant-day's rows (experiment user rows included) and credits
// with r in one transaction, with a prepared INSERT a table, and clears the mark if its
// version is still d.Version. Every row and credit must be of d.Day (a zero row Day
// counts as d.Day), or nothing changes and an error is returned. Returns CodeNotFound if
// the tenant does not exist.
func (s analyticsStore) ReplaceDay(ctx context.Context, d recom.StaleDay, r recom.DayRollup) error {
	day := dayText(d.Day)
	if err := checkRollup(recom.Day(d.Day), r); err != nil {
		return fmt.Errorf("sqlite: replace %s of tenant %s: %w", day, d.TenantID, err)
	}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"analytics_daily", "analytics_products_daily", "attributions", "experiment_user_days"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE tenant_id = $1 AND day = $2`,
				d.TenantID, day); err != nil {
				return err
			}
		}
		err := insertEach(ctx, tx, `INSERT INTO analytics_daily (tenant_id, day, placement, strategy,
				experiment_id, variant, impressions, clicks, conversions, revenue, users)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, r.Daily, func(row recom.DailyRow) []any {
			return []any{d.TenantID, day, row.Placement, row.Strategy, row.ExperimentID, row.Variant,
				row.Impressions, row.Clicks, row.Conversions, row.Revenue, row.Users}
		})
		if err != nil {
			return err
		}
		err = insertEach(ctx, tx, `INSERT INTO analytics_products_daily (tenant_id, day, placement,
				strategy, product_id, impressions, clicks, conversions, revenue)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.Products, func(row recom.ProductDailyRow) []any {
			return []any{d.TenantID, day, row.Placement, row.Strategy, row.ProductID,
				row.Impressions, row.Clicks, row.Conversions, row.Revenue}
		})
		if err != nil {
			return err
		}
		// A line credited on another day moves here: the caller found this day's purchase of
		// it earlier, and marks that day stale.
		err = insertEach(ctx, tx, `INSERT INTO attributions (tenant_id, day, order_id, product_id,
				user_id, purchased_at, clicked_at, recommendation_id, placement, strategy,
				experiment_id, variant, quantity, revenue)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (tenant_id, order_id, product_id) DO UPDATE SET day = excluded.day,
			user_id = excluded.user_id, purchased_at = excluded.purchased_at,
			clicked_at = excluded.clicked_at, recommendation_id = excluded.recommendation_id,
			placement = excluded.placement, strategy = excluded.strategy,
			experiment_id = excluded.experiment_id, variant = excluded.variant,
			quantity = excluded.quantity, revenue = excluded.revenue`, r.Attributions, func(a recom.Attribution) []any {
			return []any{d.TenantID, day, a.OrderID, a.ProductID, a.UserID, timeText(a.PurchasedAt),
				timeText(a.ClickedAt), a.RecommendationID, a.Placement, a.Strategy, a.ExperimentID,
				a.Variant, a.Quantity, a.Revenue}
		})
		if err != nil {
			return err
		}
		err = insertEach(ctx, tx, `INSERT INTO experiment_user_days (tenant_id, day, experiment_id,
				variant, user_id, impressions, clicks, conversions, revenue)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.Users, func(u recom.ExperimentUserDay) []any {
			return []any{d.TenantID, day, u.ExperimentID, u.Variant, u.UserID,
				u.Impressions, u.Clicks, u.Conversions, u.Revenue}
		})
		if err != nil {
			return err
		}
		if v, perr := strconv.ParseInt(d.Version, 10, 64); perr == nil { // "": nothing read to clear
			if _, err = tx.ExecContext(ctx, `DELETE FROM analytics_stale
				WHERE tenant_id = $1 AND day = $2 AND version = $3`, d.TenantID, day, v); err != nil {
				return err
			}
		}
		// Other days this rollup changed (credits moved here), in the same transaction.
		for _, other := range r.Stale {
			if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_stale (tenant_id, day, version) VALUES ($1, $2, 1)
				ON CONFLICT (tenant_id, day) DO UPDATE SET version = version + 1`, d.TenantID, dayText(other)); err != nil {
				return err
			}
		}
		return nil
	})
	if isForeignKeyViolation(err) {
		return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	if err != nil {
		return fmt.Errorf("sqlite: replace %s of tenant %s: %w", day, d.TenantID, err)
	}
	return nil
}

// insertEach runs the INSERT query, prepared once, with the args of each row.
func insertEach[T any](ctx context.Context, tx *sql.Tx, query string, rows []T, args func(T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, row := range rows {
		if _, err := stmt.ExecContext(ctx, args(row)...); err != nil {
			return err
		}
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
// ordered by day and then dims.
func (s analyticsStore) Daily(ctx context.Context, tenantID string, from, to time.Time, f recom.AnalyticsFilter) ([]recom.DailyRow, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT day, placement, strategy, experiment_id, variant,
			impressions, clicks, conversions, revenue, users
		FROM analytics_daily
		WHERE tenant_id = $1 AND day >= $2 AND day <= $3
			AND ($4 = '' OR placement = $4) AND ($5 = '' OR strategy = $5)
		ORDER BY day, placement, strategy, experiment_id, variant`,
		tenantID, dayText(from), dayText(to), f.Placement, f.Strategy)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find daily analytics of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (recom.DailyRow, error) {
		var r recom.DailyRow
		err := row.Scan(dayScanner{&r.Day}, &r.Placement, &r.Strategy, &r.ExperimentID, &r.Variant,
			&r.Impressions, &r.Clicks, &r.Conversions, &r.Revenue, &r.Users)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find daily analytics of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// productOrders are ProductTotals' orders by name. ctr is NULL without impressions:
// such products come last.
var productOrders = map[string]string{
	"impressions": `impressions DESC`,
	"clicks":      `clicks DESC`,
	"revenue":     `revenue DESC`,
	"ctr":         `CAST(clicks AS REAL) / nullif(impressions, 0) DESC NULLS LAST`,
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
	rows, err := s.db.read.QueryContext(ctx, `SELECT product_id, impressions, clicks, conversions, revenue
		FROM (SELECT product_id, sum(impressions) AS impressions, sum(clicks) AS clicks,
				sum(conversions) AS conversions, sum(revenue) AS revenue
			FROM analytics_products_daily
			WHERE tenant_id = $1 AND day >= $2 AND day <= $3
				AND ($4 = '' OR placement = $4) AND ($5 = '' OR strategy = $5)
			GROUP BY product_id)
		WHERE (impressions > 0 OR clicks > 0 OR conversions > 0 OR revenue <> 0) AND impressions >= $6
		ORDER BY `+order+`, product_id LIMIT $7`,
		tenantID, dayText(from), dayText(to), f.Placement, f.Strategy, minImpressions, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find product totals of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (recom.ProductTotal, error) {
		var p recom.ProductTotal
		err := row.Scan(&p.ProductID, &p.Impressions, &p.Clicks, &p.Conversions, &p.Revenue)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find product totals of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// attributionColumns are the columns scanAttribution reads.
const attributionColumns = `tenant_id, order_id, product_id, user_id, purchased_at, clicked_at,
	recommendation_id, placement, strategy, experiment_id, variant, quantity, revenue`

func scanAttribution(row interface{ Scan(...any) error }) (recom.Attribution, error) {
	var a recom.Attribution
	err := row.Scan(&a.TenantID, &a.OrderID, &a.ProductID, &a.UserID, timeScanner{&a.PurchasedAt},
		timeScanner{&a.ClickedAt}, &a.RecommendationID, &a.Placement, &a.Strategy, &a.ExperimentID,
		&a.Variant, &a.Quantity, &a.Revenue)
	return a, err
}

// Attributions reads the tenant's credits of purchases in [from, to), found by their days
// along attributions_tenant_day (day is purchased_at's, which ReplaceDay checks).
func (s analyticsStore) Attributions(ctx context.Context, tenantID string, from, to time.Time) ([]recom.Attribution, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+attributionColumns+` FROM attributions
		WHERE tenant_id = $1 AND day >= $2 AND day <= $3 AND purchased_at >= $4 AND purchased_at < $5
		ORDER BY purchased_at, order_id, product_id`,
		tenantID, dayText(from), dayText(to), timeText(from), timeText(to))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attributions of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, scanAttribution)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attributions of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// FindAttributions reads the credits of the tenant's lines by primary key, the lines
// passed as a JSON array of [order, product] pairs.
func (s analyticsStore) FindAttributions(ctx context.Context, tenantID string, lines []recom.OrderLine) ([]recom.Attribution, error) {
	pairs := make([][2]string, len(lines))
	for i, l := range lines {
		pairs[i] = [2]string{l.OrderID, l.ProductID}
	}
	js, err := json.Marshal(pairs)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+attributionColumns+` FROM attributions
		WHERE tenant_id = $1 AND (order_id, product_id) IN
			(SELECT value ->> 0, value ->> 1 FROM json_each($2))`, tenantID, string(js))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attributions of tenant %s: %w", tenantID, err)
	}
	out, err := collect(rows, scanAttribution)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find attributions of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// Exclusive runs fn unless a run under the same name is in progress on this DB: an SQLite
// file serves one node, so a lock in the process is enough. Returns (false, nil) at once,
// without running fn, if one is.
func (s analyticsStore) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	m, _ := s.db.exclusive.LoadOrStore(name, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	if !mu.TryLock() {
		return false, nil
	}
	defer mu.Unlock()
	return true, fn(ctx)
}
