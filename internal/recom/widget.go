package recom

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Widget is how the SDK draws one placement of a tenant (US7, FR-023). The SDK reads it
// from GET /widgets/{placement} and writes its values into CSS and text, so every field is
// closed: colours are hex, sizes are bounded integers, texts are printable.
type Widget struct {
	TenantID  string      `json:"-"`
	Placement string      `json:"placement"`
	Layout    string      `json:"layout"`
	Columns   int         `json:"columns"`
	ShowPrice bool        `json:"showPrice"`
	CTAText   string      `json:"ctaText"`
	ItemCount int         `json:"itemCount"`
	Strategy  string      `json:"strategy,omitempty"` // "": the tenant's or the experiment's
	Title     string      `json:"title,omitempty"`
	Theme     WidgetTheme `json:"theme"`
	UpdatedAt *time.Time  `json:"updatedAt,omitempty"` // nil: not configured, the defaults
}

// WidgetTheme holds the colours and corner radius the SDK sets as CSS variables.
type WidgetTheme struct {
	PrimaryColor    string `json:"primaryColor"`
	TextColor       string `json:"textColor"`
	BackgroundColor string `json:"backgroundColor"`
	BorderRadius    int    `json:"borderRadius"` // px
}

// WidgetLayouts are the layouts the SDK draws.
var WidgetLayouts = []string{"grid", "carousel"}

// DefaultWidget is the widget of a placement nobody configured: a merchant can place a
// container first and style it later.
func DefaultWidget(tenantID, placement string) Widget {
	return Widget{TenantID: tenantID, Placement: placement, Layout: "grid", Columns: 4, ShowPrice: true,
		CTAText: "View", ItemCount: 4,
		Theme: WidgetTheme{PrimaryColor: "#1a56db", TextColor: "#1f2937", BackgroundColor: "#ffffff", BorderRadius: 8}}
}

// Config is what a store keeps of w beside its tenant, placement and time: the rest, as
// JSON.
func (w Widget) Config() ([]byte, error) {
	w.Placement, w.UpdatedAt = "", nil
	return json.Marshal(w)
}

// hexColor is #rgb or #rrggbb: nothing else can reach the SDK's CSS.
var hexColor = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// Validate reports every field at fault. The placement is checked by the caller (it comes
// from the path).
func (w Widget) Validate() []FieldError {
	var fs []FieldError
	bad := func(field, msg string) { fs = append(fs, FieldError{Field: field, Message: msg}) }
	if !slices.Contains(WidgetLayouts, w.Layout) {
		bad("layout", "must be grid or carousel")
	}
	if w.Columns < 1 || w.Columns > 6 {
		bad("columns", "must be an integer from 1 to 6")
	}
	if w.ItemCount < 1 || w.ItemCount > 20 {
		bad("itemCount", "must be an integer from 1 to 20")
	}
	if !widgetText(w.CTAText, 1, 40) {
		bad("ctaText", "must be 1 to 40 printable characters")
	}
	if !widgetText(w.Title, 0, 80) {
		bad("title", "must be at most 80 printable characters")
	}
	if w.Strategy != "" && !slices.Contains(Strategies, w.Strategy) {
		bad("strategy", "must be one of "+strings.Join(Strategies, ", "))
	}
	for field, c := range map[string]string{"theme.primaryColor": w.Theme.PrimaryColor,
		"theme.textColor": w.Theme.TextColor, "theme.backgroundColor": w.Theme.BackgroundColor} {
		if !hexColor.MatchString(c) {
			bad(field, "must be a hex colour: #rgb or #rrggbb")
		}
	}
	if w.Theme.BorderRadius < 0 || w.Theme.BorderRadius > 32 {
		bad("theme.borderRadius", "must be an integer from 0 to 32 (pixels)")
	}
	slices.SortFunc(fs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return fs
}

// widgetText is a printable text of min to max characters, without C1 controls or the
// bidirectional overrides and isolates that would make a shop's button read otherwise
// than it was typed.
func widgetText(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	if n < min || n > max || (s != "" && !cleanText(s, false)) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

// ValidPlacement is the rule for a placement name wherever it names a widget or an
// experiment (events keep theirs as sent), said by PlacementRule.
func ValidPlacement(s string) bool { return validID(s, 128) && !dotSegment(s) }

// PlacementRule is the message of a placement refused by ValidPlacement.
const PlacementRule = "must be 1 to 128 bytes of printable UTF-8, not . or .."

// WidgetStore keeps the widget of each configured placement of a tenant.
type WidgetStore interface {
	// FindWidget returns CodeNotFound if the tenant has not configured the placement.
	FindWidget(ctx context.Context, tenantID, placement string) (Widget, error)
	// FindWidgets lists the tenant's configured placements by name, with the total.
	FindWidgets(ctx context.Context, tenantID string, page Page) ([]Widget, int, error)
	// PutWidget stores w (creating or replacing its placement's) and returns it as
	// stored, with UpdatedAt set. Returns CodeNotFound if the tenant does not exist.
	PutWidget(ctx context.Context, w Widget) (Widget, error)
}
