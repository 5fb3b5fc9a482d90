package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recomengine/recomengine/internal/recom"
)

// catalogStore implements recom.CatalogStore.
type catalogStore struct{ db *DB }

const catalogColumns = "product_id, name, category, price, currency, image_url, url, description, " +
	"brand, attributes, available, created_at, updated_at"

// scanItem scans an item; pgx decodes the jsonb attributes, numbers as float64.
func scanItem(row pgx.Row) (recom.CatalogItem, error) {
	var c recom.CatalogItem
	err := row.Scan(&c.ProductID, &c.Name, &c.Category, &c.Price, &c.Currency, &c.ImageURL, &c.URL,
		&c.Description, &c.Brand, &c.Attributes, &c.Available, &c.CreatedAt, &c.UpdatedAt)
	if c.Attributes == nil { // none: an empty object, as the contract types it
		c.Attributes = map[string]any{}
	}
	return c, err
}

// upsertItemsSQL writes one statement's items, unnested from one array per column. A
// conflict updates every column but created_at. xmax is 0 only in a row version this
// statement inserted (an updated one carries our transaction id there, as the row's
// locker), so RETURNING tells created from updated in the same round trip.
const upsertItemsSQL = `INSERT INTO catalog_items (tenant_id, name_folded, ` + catalogColumns + `)
SELECT $1, nf, p, n, c, pr, cu, i, u, d, b, a::jsonb, av, ca, ua
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[],
	$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[],
	$14::timestamptz[], $15::timestamptz[]) AS x (nf, p, n, c, pr, cu, i, u, d, b, a, av, ca, ua)
ON CONFLICT (tenant_id, product_id) DO UPDATE SET name = excluded.name,
	name_folded = excluded.name_folded, category = excluded.category,
	price = excluded.price, currency = excluded.currency,
	image_url = excluded.image_url, url = excluded.url, description = excluded.description,
	brand = excluded.brand, attributes = excluded.attributes, available = excluded.available,
	updated_at = excluded.updated_at
RETURNING product_id, xmax = 0`

// UpsertItems writes all items in one transaction. An item's zero CreatedAt or UpdatedAt
// means now; on update created_at is kept. One statement writes up to MaxCatalogBatch
// items with distinct ids: a product given twice goes to a later statement (ON CONFLICT
// DO UPDATE may not touch a row twice), so the call acts as upserting the items in order.
// Returns CodeNotFound if the tenant does not exist.
func (s catalogStore) UpsertItems(ctx context.Context, tenantID string, items []recom.CatalogItem) ([]bool, error) {
	created := make([]bool, len(items))
	if len(items) == 0 {
		return created, nil
	}
	now := recom.Now()
	err := pgx.BeginFunc(ctx, s.db.pool, func(tx pgx.Tx) error {
		for _, chunk := range upsertChunks(items, recom.MaxCatalogBatch) {
			cols, err := itemColumns(items, chunk, now)
			if err != nil {
				return err
			}
			rows, err := tx.Query(ctx, upsertItemsSQL, append([]any{tenantID}, cols...)...)
			if err != nil {
				return err
			}
			byID := make(map[string]bool, len(chunk))
			var (
				id  string
				ins bool
			)
			_, err = pgx.ForEachRow(rows, []any{&id, &ins}, func() error {
				byID[id] = ins
				return nil
			})
			if hasCode(err, foreignKeyViolation) {
				return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
			}
			if err != nil {
				return err
			}
			for _, i := range chunk {
				created[i] = byID[items[i].ProductID]
			}
		}
		return nil
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: upsert catalog items of tenant %s: %w", tenantID, err)
	}
	return created, nil
}

// upsertChunks splits the indexes of items into statements of at most size items, each
// product at most once per statement, keeping the order of a product's occurrences.
func upsertChunks(items []recom.CatalogItem, size int) [][]int {
	var chunks [][]int
	last := make(map[string]int, len(items)) // product → chunk of its latest occurrence
	for i, it := range items {
		c := 0
		if prev, ok := last[it.ProductID]; ok {
			c = prev + 1 // after the previous occurrence, so the last one wins
		}
		for c < len(chunks) && len(chunks[c]) >= size {
			c++
		}
		if c == len(chunks) {
			chunks = append(chunks, nil)
		}
		chunks[c] = append(chunks[c], i)
		last[it.ProductID] = c
	}
	return chunks
}

// itemColumns returns the items at idx as one array per column of upsertItemsSQL.
func itemColumns(items []recom.CatalogItem, idx []int, now time.Time) ([]any, error) {
	n := len(idx)
	var (
		folded                             = make([]string, n)
		ids, names, categories, currencies = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		images, urls, descs, brands        = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		prices                             = make([]float64, n)
		attrs                              = make([]*string, n)
		available                          = make([]bool, n)
		createdAt, updatedAt               = make([]time.Time, n), make([]time.Time, n)
	)
	for j, i := range idx {
		it := items[i]
		folded[j] = strings.ToLower(it.Name)
		ids[j], names[j], categories[j], prices[j], currencies[j] = it.ProductID, it.Name, it.Category, it.Price, it.Currency
		images[j], urls[j], descs[j], brands[j], available[j] = it.ImageURL, it.URL, it.Description, it.Brand, it.Available
		if it.Attributes != nil {
			b, err := json.Marshal(it.Attributes)
			if err != nil {
				return nil, fmt.Errorf("attributes of %s: %w", it.ProductID, err)
			}
			a := string(b)
			attrs[j] = &a
		}
		createdAt[j], updatedAt[j] = orNow(it.CreatedAt, now), orNow(it.UpdatedAt, now)
	}
	return []any{folded, ids, names, categories, prices, currencies, images, urls, descs, brands, attrs,
		available, createdAt, updatedAt}, nil
}

// orNow returns t in UTC to the microsecond, or now when t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s catalogStore) FindItem(ctx context.Context, tenantID, productID string) (recom.CatalogItem, error) {
	c, err := scanItem(s.db.pool.QueryRow(ctx,
		`SELECT `+catalogColumns+` FROM catalog_items WHERE tenant_id = $1 AND product_id = $2`,
		tenantID, productID))
	if errors.Is(err, pgx.ErrNoRows) {
		return recom.CatalogItem{}, recom.Errorf(recom.CodeNotFound, "Catalog item not found.")
	}
	if err != nil {
		return recom.CatalogItem{}, fmt.Errorf("postgres: find catalog item %s: %w", productID, err)
	}
	return c, nil
}

// FindItems lists items newest first: updated_at DESC, then product_id in byte order, so
// pages are stable. A Page.Limit of 0 means no limit. Search matches a substring of the
// name, folded to lower case by Go on both sides. The WHERE clause holds only the filters
// given, so each combination gets a plan of its own.
func (s catalogStore) FindItems(ctx context.Context, tenantID string, f recom.CatalogFilter) ([]recom.CatalogItem, int, error) {
	args := []any{tenantID}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := []string{"tenant_id = $1"}
	if f.Category != "" {
		where = append(where, "category = "+arg(f.Category))
	}
	if f.Available != nil {
		where = append(where, "available = "+arg(*f.Available))
	}
	if f.Search != "" { // ESCAPE '\' is the default
		where = append(where, `name_folded LIKE '%' || `+arg(escapeLike(strings.ToLower(f.Search)))+` || '%'`)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.pool.QueryRow(ctx, `SELECT count(*) FROM catalog_items`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("postgres: count catalog items of tenant %s: %w", tenantID, err)
	}
	var limit *int // LIMIT NULL: no limit
	if f.Page.Limit > 0 {
		limit = &f.Page.Limit
	}
	page := ` ORDER BY updated_at DESC, product_id LIMIT ` + arg(limit) + ` OFFSET ` + arg(max(f.Page.Offset, 0))
	rows, err := s.db.pool.Query(ctx, `SELECT `+catalogColumns+` FROM catalog_items`+cond+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find catalog items of tenant %s: %w", tenantID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.CatalogItem, error) {
		return scanItem(row)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: find catalog items of tenant %s: %w", tenantID, err)
	}
	if items == nil {
		items = []recom.CatalogItem{}
	}
	return items, total, nil
}

// escapeLike escapes the LIKE wildcards % and _, and the escape character \, so a search
// matches them literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s catalogStore) DeleteItem(ctx context.Context, tenantID, productID string) error {
	tag, err := s.db.pool.Exec(ctx,
		`DELETE FROM catalog_items WHERE tenant_id = $1 AND product_id = $2`, tenantID, productID)
	if err != nil {
		return fmt.Errorf("postgres: delete catalog item %s: %w", productID, err)
	}
	if tag.RowsAffected() == 0 {
		return recom.Errorf(recom.CodeNotFound, "Catalog item not found.")
	}
	return nil
}

// MissingProducts returns the ids the tenant's catalog lacks, each once, in input order
// (an empty slice when none is missing).
func (s catalogStore) MissingProducts(ctx context.Context, tenantID string, ids []string) ([]string, error) {
	ids = dedup(ids)
	if len(ids) == 0 {
		return []string{}, nil
	}
	rows, err := s.db.pool.Query(ctx,
		`SELECT product_id FROM catalog_items WHERE tenant_id = $1 AND product_id = ANY($2)`,
		tenantID, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: find missing products of tenant %s: %w", tenantID, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: find missing products of tenant %s: %w", tenantID, err)
	}
	return without(ids, found), nil
}

// FindItemsByIDs returns the tenant's items among ids, each once, in no particular order
// (an empty slice when none is found). It runs on every recommendation request (FR-012):
// one statement, one probe of the primary key per id.
func (s catalogStore) FindItemsByIDs(ctx context.Context, tenantID string, ids []string) ([]recom.CatalogItem, error) {
	if len(ids) == 0 {
		return []recom.CatalogItem{}, nil
	}
	rows, err := s.db.pool.Query(ctx,
		`SELECT `+catalogColumns+` FROM catalog_items WHERE tenant_id = $1 AND product_id = ANY($2)`,
		tenantID, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: find catalog items by ids of tenant %s: %w", tenantID, err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recom.CatalogItem, error) {
		return scanItem(row)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: find catalog items by ids of tenant %s: %w", tenantID, err)
	}
	if items == nil {
		items = []recom.CatalogItem{}
	}
	return items, nil
}

// dedup returns ids without repeats, in order of first occurrence.
func dedup(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// without returns ids minus those in drop, in order.
func without(ids, drop []string) []string {
	skip := make(map[string]bool, len(drop))
	for _, id := range drop {
		skip[id] = true
	}
	out := []string{}
	for _, id := range ids {
		if !skip[id] {
			out = append(out, id)
		}
	}
	return out
}
