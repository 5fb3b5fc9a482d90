package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/recomengine/recomengine/internal/recom"
)

// testWidgetRoundTrip: a widget is stored whole, replaced whole, and listed by placement.
func testWidgetRoundTrip(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	if _, err := s.Widgets.FindWidget(ctx, tenant.ID, "home"); !recom.IsNotFound(err) {
		t.Fatalf("FindWidget of an unconfigured placement: %v, want not found", err)
	}
	carousel := recom.DefaultWidget(tenant.ID, "product-page")
	carousel.Layout, carousel.Columns, carousel.CTAText, carousel.ItemCount = "carousel", 5, "Añadir ✓", 12
	carousel.Strategy, carousel.Title = "frequently_bought_together", "Bought together"
	carousel.Theme = recom.WidgetTheme{PrimaryColor: "#ff6600", TextColor: "#222", BackgroundColor: "#FAFAFA", BorderRadius: 0}
	home := recom.DefaultWidget(tenant.ID, "home")
	before := time.Now().Add(-time.Second)
	for _, want := range []recom.Widget{carousel, home} {
		stored, err := s.Widgets.PutWidget(ctx, want)
		if err != nil {
			t.Fatalf("PutWidget %s: %v", want.Placement, err)
		}
		if stored.UpdatedAt == nil || stored.UpdatedAt.Before(before) || stored.UpdatedAt.Location() != time.UTC {
			t.Errorf("PutWidget %s: updatedAt %v, want now in UTC", want.Placement, stored.UpdatedAt)
		}
		want.UpdatedAt = stored.UpdatedAt
		if diff := cmp.Diff(want, stored); diff != "" {
			t.Errorf("PutWidget %s returned (-want +got):\n%s", want.Placement, diff)
		}
		got, err := s.Widgets.FindWidget(ctx, tenant.ID, want.Placement)
		if err != nil {
			t.Fatalf("FindWidget %s: %v", want.Placement, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FindWidget %s (-want +got):\n%s", want.Placement, diff)
		}
	}
	// A second put replaces every field: the strategy and title set before are gone.
	grid := recom.DefaultWidget(tenant.ID, "product-page")
	grid.CTAText = "Buy"
	replaced, err := s.Widgets.PutWidget(ctx, grid)
	if err != nil {
		t.Fatalf("PutWidget again: %v", err)
	}
	grid.UpdatedAt = replaced.UpdatedAt
	if diff := cmp.Diff(grid, replaced); diff != "" {
		t.Errorf("PutWidget replacing (-want +got):\n%s", diff)
	}
	list, total, err := s.Widgets.FindWidgets(ctx, tenant.ID, recom.Page{Limit: 1, Offset: 1})
	if err != nil || total != 2 || len(list) != 1 || list[0].Placement != "product-page" || list[0].CTAText != "Buy" {
		t.Errorf("FindWidgets(limit 1, offset 1) = %+v, %d, %v; want the product-page widget of 2", list, total, err)
	}
	// Byte order, in both stores: upper case before lower, "-" before letters.
	for _, p := range []string{"home-b", "Home", "homea"} {
		if _, err := s.Widgets.PutWidget(ctx, recom.DefaultWidget(tenant.ID, p)); err != nil {
			t.Fatalf("PutWidget %s: %v", p, err)
		}
	}
	all, _, err := s.Widgets.FindWidgets(ctx, tenant.ID, recom.Page{})
	var order []string
	for _, w := range all {
		order = append(order, w.Placement)
	}
	if want := []string{"Home", "home", "home-b", "homea", "product-page"}; err != nil || !slices.Equal(order, want) {
		t.Errorf("FindWidgets(no limit) = %v, %v; want %v", order, err, want)
	}
}

// testWidgetTenantIsolation: one tenant's widgets are invisible to another, and a widget
// of a tenant that does not exist is refused.
func testWidgetTenantIsolation(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com").ID
	a, b := newTenant(t, s, owner, t0), newTenant(t, s, owner, t0)
	if _, err := s.Widgets.PutWidget(ctx, recom.DefaultWidget(a.ID, "home")); err != nil {
		t.Fatalf("PutWidget: %v", err)
	}
	if _, err := s.Widgets.FindWidget(ctx, b.ID, "home"); !recom.IsNotFound(err) {
		t.Errorf("FindWidget of the other tenant: %v, want not found", err)
	}
	if list, total, err := s.Widgets.FindWidgets(ctx, b.ID, recom.Page{}); err != nil || total != 0 || len(list) != 0 {
		t.Errorf("FindWidgets of the other tenant = %v, %d, %v; want none", list, total, err)
	}
	if _, err := s.Widgets.PutWidget(ctx, recom.DefaultWidget(recom.NewID(), "home")); !recom.IsNotFound(err) {
		t.Errorf("PutWidget for a tenant that does not exist: %v, want not found", err)
	}
}
