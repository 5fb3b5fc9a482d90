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

// catalogStore implements recom.CatalogStore.
type catalogStore struct{ db *DB }

const catalogColumns = "product_id, name, category, price, currency, image_url, url, description, " +
	"brand, attributes, available, created_at, updated_at"

func scanItem(row interface{ Scan(...any) error }) (recom.CatalogItem, error) {
	var (
		c     recom.CatalogItem
		attrs sql.NullString
	)
	err := row.Scan(&c.ProductID, &c.Name, &c.Category, &c.Price, &c.Currency, &c.ImageURL, &c.URL,
		&c.Description, &c.Brand, &attrs, &c.Available, timeScanner{&c.CreatedAt}, timeScanner{&c.UpdatedAt})
	if err != nil {
		return recom.CatalogItem{}, err
	}
	if attrs.Valid {
		if err := json.Unmarshal([]byte(attrs.String), &c.Attributes); err != nil {
			return recom.CatalogItem{}, fmt.Errorf("catalog item %s attributes: %w", c.ProductID, err)
		}
	}
	if c.Attributes == nil { // none: an empty object, as the contract types it
		c.Attributes = map[string]any{}
	}
	return c, nil
}

// UpsertItems writes all items in one IMMEDIATE transaction, which holds the write lock,
// so "insert, or else update" cannot race. An item's zero CreatedAt or UpdatedAt means
// now; on update created_at is kept. A product given twice is created, then updated.
// Returns CodeNotFound if the tenant does not exist.
func (s catalogStore) UpsertItems(ctx context.Context, tenantID string, items []recom.CatalogItem) ([]bool, error) {
	created := make([]bool, len(items))
	if len(items) == 0 {
		return created, nil
	}
	now := recom.Now()
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO catalog_items (tenant_id, name_folded, `+
			catalogColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (tenant_id, product_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer insert.Close()
		update, err := tx.PrepareContext(ctx, `UPDATE catalog_items SET name = $3, name_folded = $4,
			category = $5, price = $6, currency = $7, image_url = $8, url = $9, description = $10,
			brand = $11, attributes = $12, available = $13, updated_at = $14
			WHERE tenant_id = $1 AND product_id = $2`)
		if err != nil {
			return err
		}
		defer update.Close()
		for i, it := range items {
			var attrs any // NULL when nil
			if it.Attributes != nil {
				b, err := json.Marshal(it.Attributes)
				if err != nil {
					return fmt.Errorf("attributes of %s: %w", it.ProductID, err)
				}
				attrs = string(b) // a STRICT TEXT column refuses []byte
			}
			folded := strings.ToLower(it.Name)
			createdAt, updatedAt := timeText(orNow(it.CreatedAt, now)), timeText(orNow(it.UpdatedAt, now))
			res, err := insert.ExecContext(ctx, tenantID, folded, it.ProductID, it.Name, it.Category,
				it.Price, it.Currency, it.ImageURL, it.URL, it.Description, it.Brand, attrs,
				it.Available, createdAt, updatedAt)
			if isForeignKeyViolation(err) {
				return recom.Errorf(recom.CodeNotFound, "Tenant not found.")
			}
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				created[i] = true
				continue
			}
			_, err = update.ExecContext(ctx, tenantID, it.ProductID, it.Name, folded, it.Category,
				it.Price, it.Currency, it.ImageURL, it.URL, it.Description, it.Brand, attrs,
				it.Available, updatedAt)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if _, ok := errors.AsType[*recom.Error](err); ok {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: upsert catalog items of tenant %s: %w", tenantID, err)
	}
	return created, nil
}

// orNow returns t in UTC to the microsecond, or now when t is zero.
func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s catalogStore) FindItem(ctx context.Context, tenantID, productID string) (recom.CatalogItem, error) {
	c, err := scanItem(s.db.read.QueryRowContext(ctx,
		`SELECT `+catalogColumns+` FROM catalog_items WHERE tenant_id = $1 AND product_id = $2`,
		tenantID, productID))
	if errors.Is(err, sql.ErrNoRows) {
		return recom.CatalogItem{}, recom.Errorf(recom.CodeNotFound, "Catalog item not found.")
	}
	if err != nil {
		return recom.CatalogItem{}, fmt.Errorf("sqlite: find catalog item %s: %w", productID, err)
	}
	return c, nil
}

// FindItems lists items newest first: updated_at DESC, then product_id in byte order, so
// pages are stable. A Page.Limit of 0 means no limit. Search matches a substring of the
// name, folded to lower case by Go on both sides.
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
	if f.Search != "" {
		where = append(where, `name_folded LIKE '%' || `+arg(escapeLike(strings.ToLower(f.Search)))+` || '%' ESCAPE '\'`)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.read.QueryRowContext(ctx, `SELECT count(*) FROM catalog_items`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sqlite: count catalog items of tenant %s: %w", tenantID, err)
	}
	page := ` ORDER BY updated_at DESC, product_id LIMIT ` + arg(sqlLimit(f.Page.Limit)) + ` OFFSET ` + arg(max(f.Page.Offset, 0))
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+catalogColumns+` FROM catalog_items`+cond+page, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find catalog items of tenant %s: %w", tenantID, err)
	}
	items, err := collect(rows, scanItem)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find catalog items of tenant %s: %w", tenantID, err)
	}
	return items, total, nil
}

// escapeLike escapes the LIKE wildcards % and _, and the escape character \, so a search
// matches them literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s catalogStore) DeleteItem(ctx context.Context, tenantID, productID string) error {
	res, err := s.db.write.ExecContext(ctx,
		`DELETE FROM catalog_items WHERE tenant_id = $1 AND product_id = $2`, tenantID, productID)
	if err != nil {
		return fmt.Errorf("sqlite: delete catalog item %s: %w", productID, err)
	}
	return notFoundIfNone(res, "Catalog item not found.")
}

// MissingProducts returns the ids the tenant's catalog lacks, each once, in input order
// (an empty slice when none is missing). The ids go in as one JSON array, so any number
// of them takes one statement.
func (s catalogStore) MissingProducts(ctx context.Context, tenantID string, ids []string) ([]string, error) {
	ids = dedup(ids)
	if len(ids) == 0 {
		return []string{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find missing products of tenant %s: %w", tenantID, err)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT product_id FROM catalog_items
		WHERE tenant_id = $1 AND product_id IN (SELECT value FROM json_each($2))`,
		tenantID, string(list))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find missing products of tenant %s: %w", tenantID, err)
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: find missing products of tenant %s: %w", tenantID, err)
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find missing products of tenant %s: %w", tenantID, err)
	}
	missing := []string{}
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// FindItemsByIDs returns the tenant's items among ids, each once, in no particular order
// (an empty slice when none is found). It runs on every recommendation request (FR-012):
// the ids go in as one JSON array, and each is one probe of the primary key.
func (s catalogStore) FindItemsByIDs(ctx context.Context, tenantID string, ids []string) ([]recom.CatalogItem, error) {
	items := []recom.CatalogItem{}
	if len(ids) == 0 {
		return items, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find catalog items by ids of tenant %s: %w", tenantID, err)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+catalogColumns+` FROM catalog_items
		WHERE tenant_id = $1 AND product_id IN (SELECT value FROM json_each($2))`,
		tenantID, string(list))
	if err != nil {
		return nil, fmt.Errorf("sqlite: find catalog items by ids of tenant %s: %w", tenantID, err)
	}
	items, err = collect(rows, scanItem)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find catalog items by ids of tenant %s: %w", tenantID, err)
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
