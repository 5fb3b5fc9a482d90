package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/recomengine/recomengine/internal/recom"
)

// testCatalogUpsert: created or updated per item, created_at kept on update (FR-011).
func testCatalogUpsert(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	a, b := newItem("p1", t0), newItem("p2", t0)
	upsert(t, s, tenant.ID, []recom.CatalogItem{a, b}, true, true)
	wantItem(t, s, tenant.ID, a)

	changed := a
	changed.Name, changed.Price, changed.Available = "Blue mug, large", 14.25, false
	changed.Attributes = map[string]any{"color": "navy"}
	changed.UpdatedAt = t0.Add(time.Hour)
	want := changed
	changed.CreatedAt = t0.Add(5 * time.Hour) // ignored on update
	c := newItem("p3", t0.Add(time.Minute))
	upsert(t, s, tenant.ID, []recom.CatalogItem{changed, c}, false, true)
	wantItem(t, s, tenant.ID, want)
	wantItem(t, s, tenant.ID, b)
	wantItem(t, s, tenant.ID, c)

	// Zero times mean now; on update only updated_at moves.
	before := recom.Now()
	d := newItem("p4", time.Time{})
	upsert(t, s, tenant.ID, []recom.CatalogItem{d}, true)
	got := findItem(t, s, tenant.ID, "p4")
	if got.CreatedAt.Before(before) || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("zero times: created %v updated %v; want equal times from %v", got.CreatedAt, got.UpdatedAt, before)
	}
	first := got.CreatedAt
	upsert(t, s, tenant.ID, []recom.CatalogItem{d}, false)
	got = findItem(t, s, tenant.ID, "p4")
	if !got.CreatedAt.Equal(first) || got.UpdatedAt.Before(first) {
		t.Errorf("update with zero times: created %v updated %v; want created kept at %v", got.CreatedAt, got.UpdatedAt, first)
	}
	wantUTC(t, "item CreatedAt", got.CreatedAt)
	wantUTC(t, "item UpdatedAt", got.UpdatedAt)

	// A product twice in one call: created, then updated; the last one wins.
	e1, e2 := newItem("p5", t0), newItem("p5", t0.Add(2*time.Hour))
	e2.Name, e2.CreatedAt = "Second write", t0.Add(3*time.Hour)
	upsert(t, s, tenant.ID, []recom.CatalogItem{e1, newItem("p6", t0), e2}, true, true, false)
	e2.CreatedAt = t0
	wantItem(t, s, tenant.ID, e2)

	if created, err := s.Catalog.UpsertItems(ctx, tenant.ID, nil); err != nil || len(created) != 0 {
		t.Errorf("UpsertItems of no items = %v, %v; want none", created, err)
	}
}

// testCatalogRoundTrip: every field reads back as written, attributes included.
func testCatalogRoundTrip(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	full := recom.CatalogItem{ProductID: "SKU-001/β", Name: "Crème brûlée dish 🍮", Category: "Kitchen & Dining",
		Price: 1234.5678, Currency: "EUR", ImageURL: "https://cdn.example/i/1.jpg?w=200",
		URL: "https://shop.example/p/sku-001", Description: "Oven-safe.\nLine two, \"quoted\".",
		Brand: "Acme", Attributes: map[string]any{"color": "red", "weight": 0.25, "size": 42.0,
			"big": 12345678901.0, "negative": -3.0, "note": "50% cotton", "empty": ""},
		Available: true, CreatedAt: t0, UpdatedAt: t0.Add(time.Microsecond)}
	noAttributes := recom.CatalogItem{ProductID: "bare", Name: "Bare", CreatedAt: t0, UpdatedAt: t0}
	emptyAttributes := recom.CatalogItem{ProductID: "empty", Name: "Empty", Attributes: map[string]any{},
		Available: true, CreatedAt: t0, UpdatedAt: t0}
	upsert(t, s, tenant.ID, []recom.CatalogItem{full, noAttributes, emptyAttributes}, true, true, true)
	noAttributes.Attributes = map[string]any{} // none reads back as an empty object
	for _, want := range []recom.CatalogItem{full, noAttributes, emptyAttributes} {
		got := wantItem(t, s, tenant.ID, want)
		wantUTC(t, "item CreatedAt", got.CreatedAt)
		wantUTC(t, "item UpdatedAt", got.UpdatedAt)
	}
	got, _, err := s.Catalog.FindItems(t.Context(), tenant.ID, recom.CatalogFilter{})
	if err != nil {
		t.Fatalf("FindItems: %v", err)
	}
	// Ties on updated_at go by product id, in byte order.
	if diff := cmp.Diff([]recom.CatalogItem{full, noAttributes, emptyAttributes}, got); diff != "" {
		t.Errorf("FindItems rows (-want +got):\n%s", diff)
	}
}

// testCatalogFilters: category, availability, search (case-insensitive, wildcards literal).
func testCatalogFilters(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	specs := []struct {
		id, name, category string
		available          bool
	}{
		{"p1", "Blue Mug", "mugs", true},
		{"p2", "Red mug", "mugs", false},
		{"p3", "50% off Teapot", "teapots", true},
		{"p4", "500 Teapots", "teapots", true},
		{"p5", "snake_case spoon", "spoons", true},
		{"p6", "snakeXcase spoon", "spoons", true},
		{"p7", `C:\mug`, "misc", true},
		{"p8", "CRÈME bowl", "Mugs", true}, // categories match exactly
	}
	var items []recom.CatalogItem
	for i, sp := range specs {
		it := newItem(sp.id, t0.Add(time.Duration(i)*time.Minute)) // p8 is the newest
		it.Name, it.Category, it.Available = sp.name, sp.category, sp.available
		items = append(items, it)
	}
	upsert(t, s, tenant.ID, items, true, true, true, true, true, true, true, true)
	yes, no := true, false
	tests := []struct {
		name      string
		filter    recom.CatalogFilter
		wantIDs   []string
		wantTotal int
	}{
		{"none", recom.CatalogFilter{}, []string{"p8", "p7", "p6", "p5", "p4", "p3", "p2", "p1"}, 8},
		{"category", recom.CatalogFilter{Category: "mugs"}, []string{"p2", "p1"}, 2},
		{"available", recom.CatalogFilter{Available: &yes}, []string{"p8", "p7", "p6", "p5", "p4", "p3", "p1"}, 7},
		{"unavailable", recom.CatalogFilter{Available: &no}, []string{"p2"}, 1},
		{"search folds case", recom.CatalogFilter{Search: "MUG"}, []string{"p7", "p2", "p1"}, 3},
		{"search folds non-ASCII case", recom.CatalogFilter{Search: "crème"}, []string{"p8"}, 1},
		{"search % is literal", recom.CatalogFilter{Search: "50%"}, []string{"p3"}, 1},
		{"search % alone", recom.CatalogFilter{Search: "%"}, []string{"p3"}, 1},
		{"search _ is literal", recom.CatalogFilter{Search: "e_c"}, []string{"p5"}, 1},
		{`search \ is literal`, recom.CatalogFilter{Search: `:\m`}, []string{"p7"}, 1},
		{"search no match", recom.CatalogFilter{Search: "zzz"}, []string{}, 0},
		{"all filters", recom.CatalogFilter{Category: "teapots", Available: &yes, Search: "teapot"},
			[]string{"p4", "p3"}, 2},
		{"page", recom.CatalogFilter{Page: recom.Page{Limit: 3, Offset: 2}}, []string{"p6", "p5", "p4"}, 8},
		{"filtered page", recom.CatalogFilter{Available: &yes, Page: recom.Page{Limit: 2, Offset: 6}},
			[]string{"p1"}, 7},
		{"past the end", recom.CatalogFilter{Page: recom.Page{Limit: 3, Offset: 8}}, []string{}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.Catalog.FindItems(ctx, tenant.ID, tt.filter)
			if err != nil {
				t.Fatalf("FindItems: %v", err)
			}
			if got == nil {
				t.Error("FindItems returned a nil slice; want an empty one (JSON [])")
			}
			if diff := cmp.Diff(tt.wantIDs, productIDs(got)); diff != "" || total != tt.wantTotal {
				t.Errorf("FindItems total = %d, want %d; ids (-want +got):\n%s", total, tt.wantTotal, diff)
			}
		})
	}
}

func testCatalogDelete(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	a, b := newItem("p1", t0), newItem("p2", t0.Add(time.Minute))
	upsert(t, s, tenant.ID, []recom.CatalogItem{a, b}, true, true)
	if err := s.Catalog.DeleteItem(ctx, tenant.ID, "p1"); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	_, err := s.Catalog.FindItem(ctx, tenant.ID, "p1")
	wantError(t, "FindItem of a deleted item", err, recom.CodeNotFound, "Catalog item not found.")
	err = s.Catalog.DeleteItem(ctx, tenant.ID, "p1")
	wantError(t, "second DeleteItem", err, recom.CodeNotFound, "Catalog item not found.")
	err = s.Catalog.DeleteItem(ctx, tenant.ID, "never")
	wantCode(t, "DeleteItem of an unknown item", err, recom.CodeNotFound)
	if got, total, err := s.Catalog.FindItems(ctx, tenant.ID, recom.CatalogFilter{}); err != nil ||
		total != 1 || !cmp.Equal(got, []recom.CatalogItem{b}) {
		t.Errorf("FindItems after delete = %v, %d, %v; want only p2", productIDs(got), total, err)
	}
	if missing, err := s.Catalog.MissingProducts(ctx, tenant.ID, []string{"p1", "p2"}); err != nil ||
		!cmp.Equal(missing, []string{"p1"}) {
		t.Errorf("MissingProducts after delete = %v, %v; want [p1]", missing, err)
	}
	upsert(t, s, tenant.ID, []recom.CatalogItem{a}, true) // created anew
}

// testCatalogTenantIsolation: another tenant's items are invisible and untouchable (FR-004).
func testCatalogTenantIsolation(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	mine, theirs := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	item := newItem("p1", t0)
	upsert(t, s, mine.ID, []recom.CatalogItem{item}, true)

	_, err := s.Catalog.FindItem(ctx, theirs.ID, "p1")
	wantError(t, "FindItem from another tenant", err, recom.CodeNotFound, "Catalog item not found.")
	err = s.Catalog.DeleteItem(ctx, theirs.ID, "p1")
	wantCode(t, "DeleteItem from another tenant", err, recom.CodeNotFound)
	if got, total, err := s.Catalog.FindItems(ctx, theirs.ID, recom.CatalogFilter{}); err != nil || len(got) != 0 || total != 0 {
		t.Errorf("FindItems of the other tenant = %v, %d, %v; want none", productIDs(got), total, err)
	}
	if missing, err := s.Catalog.MissingProducts(ctx, theirs.ID, []string{"p1"}); err != nil || !cmp.Equal(missing, []string{"p1"}) {
		t.Errorf("MissingProducts of the other tenant = %v, %v; want [p1]", missing, err)
	}

	// The same product id in the other tenant is another item.
	other := newItem("p1", t0.Add(time.Hour))
	other.Name = "Their mug"
	upsert(t, s, theirs.ID, []recom.CatalogItem{other}, true)
	wantItem(t, s, theirs.ID, other)
	wantItem(t, s, mine.ID, item)
	if err := s.Catalog.DeleteItem(ctx, theirs.ID, "p1"); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	wantItem(t, s, mine.ID, item)
}

func testCatalogMissingProducts(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	upsert(t, s, tenant.ID, []recom.CatalogItem{newItem("p1", t0), newItem("p2", t0), newItem("p3", t0)},
		true, true, true)
	many := []string{}
	for i := range 1000 {
		many = append(many, fmt.Sprint("q", i))
	}
	tests := []struct {
		name string
		ids  []string
		want []string
	}{
		{"some", []string{"x", "p1", "y", "x", "p3", "z", "y"}, []string{"x", "y", "z"}}, // once each, in order
		{"none missing", []string{"p3", "p1", "p1"}, []string{}},
		{"empty", []string{}, []string{}},
		{"nil", nil, []string{}},
		{"many", append([]string{"p2"}, many...), many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Catalog.MissingProducts(ctx, tenant.ID, tt.ids)
			if err != nil {
				t.Fatalf("MissingProducts: %v", err)
			}
			if got == nil {
				t.Error("MissingProducts returned a nil slice; want an empty one (JSON [])")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MissingProducts (-want +got):\n%s", diff)
			}
		})
	}
}

// testCatalogFindItemsByIDs: the tenant's items among the ids, whole, each once; unknown
// ids and other tenants' items are left out (FR-004, FR-012).
func testCatalogFindItemsByIDs(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	p1, p2, p3 := newItem("p1", t0), newItem("p2", t0.Add(time.Minute)), newItem("p3", t0)
	p2.Available, p2.Attributes = false, nil // unavailable items are found: the caller decides
	upsert(t, s, tenant.ID, []recom.CatalogItem{p1, p2, p3}, true, true, true)
	theirs, theirP1 := newItem("theirs", t0), newItem("p1", t0)
	theirP1.Name = "Their mug"
	upsert(t, s, other.ID, []recom.CatalogItem{theirs, theirP1}, true, true)
	many := []string{}
	for i := range 1000 {
		many = append(many, fmt.Sprint("q", i))
	}
	tests := []struct {
		name string
		ids  []string
		want []recom.CatalogItem
	}{
		{"some", []string{"x", "p3", "theirs", "p2", "p3", "y"}, []recom.CatalogItem{p2, p3}},
		{"all", []string{"p1", "p2", "p3"}, []recom.CatalogItem{p1, p2, p3}},
		{"none known", []string{"x", "theirs"}, nil},
		{"empty", []string{}, nil},
		{"nil", nil, nil},
		{"many", append(append(many, "p1"), many...), []recom.CatalogItem{p1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Catalog.FindItemsByIDs(ctx, tenant.ID, tt.ids)
			if err != nil {
				t.Fatalf("FindItemsByIDs: %v", err)
			}
			slices.SortFunc(got, func(a, b recom.CatalogItem) int { return strings.Compare(a.ProductID, b.ProductID) })
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("FindItemsByIDs (-want +got):\n%s", diff)
			}
		})
	}
	got, err := s.Catalog.FindItemsByIDs(ctx, other.ID, []string{"p1", "p2"})
	if err != nil || !cmp.Equal(got, []recom.CatalogItem{theirP1}) {
		t.Errorf("FindItemsByIDs of the other tenant = %v, %v; want only its own p1", productIDs(got), err)
	}
	if got, err := s.Catalog.FindItemsByIDs(ctx, recom.NewID(), []string{"p1"}); err != nil || len(got) != 0 {
		t.Errorf("FindItemsByIDs of an unknown tenant = %v, %v; want none", productIDs(got), err)
	}
}

func testCatalogUnknownTenant(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	_, err := s.Catalog.UpsertItems(ctx, recom.NewID(), []recom.CatalogItem{newItem("p1", t0)})
	wantError(t, "UpsertItems for an unknown tenant", err, recom.CodeNotFound, "Tenant not found.")
}

// newItem returns an unsaved available item with every field set, created and updated at.
func newItem(productID string, at time.Time) recom.CatalogItem {
	return recom.CatalogItem{ProductID: productID, Name: "Item " + productID, Category: "mugs",
		Price: 12.5, Currency: "USD", ImageURL: "https://cdn.example/" + productID + ".jpg",
		URL: "https://shop.example/p/" + productID, Description: "A fine item.", Brand: "Acme",
		Attributes: map[string]any{"color": "blue", "capacityMl": 350.0}, Available: true,
		CreatedAt: at, UpdatedAt: at}
}

// upsert upserts items and fails the test unless each item's created flag is as wanted.
func upsert(t *testing.T, s recom.Stores, tenantID string, items []recom.CatalogItem, wantCreated ...bool) {
	t.Helper()
	created, err := s.Catalog.UpsertItems(t.Context(), tenantID, items)
	if err != nil {
		t.Fatalf("UpsertItems: %v", err)
	}
	if diff := cmp.Diff(wantCreated, created); diff != "" {
		t.Errorf("UpsertItems created flags (-want +got):\n%s", diff)
	}
}

func findItem(t *testing.T, s recom.Stores, tenantID, productID string) recom.CatalogItem {
	t.Helper()
	got, err := s.Catalog.FindItem(t.Context(), tenantID, productID)
	if err != nil {
		t.Fatalf("FindItem %s: %v", productID, err)
	}
	return got
}

// wantItem fails the test unless the tenant's item reads back as want.
func wantItem(t *testing.T, s recom.Stores, tenantID string, want recom.CatalogItem) recom.CatalogItem {
	t.Helper()
	got := findItem(t, s, tenantID, want.ProductID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FindItem %s (-want +got):\n%s", want.ProductID, diff)
	}
	return got
}

func productIDs(items []recom.CatalogItem) []string {
	ids := []string{}
	for _, it := range items {
		ids = append(ids, it.ProductID)
	}
	return ids
}
