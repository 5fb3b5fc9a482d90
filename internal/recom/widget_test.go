package recom

import (
	"slices"
	"strings"
	"testing"
)

// TestWidgetValidate: what the SDK writes into CSS and buttons passes only in its closed
// forms; the defaults pass.
func TestWidgetValidate(t *testing.T) {
	if fs := DefaultWidget("t", "home").Validate(); len(fs) != 0 {
		t.Fatalf("the defaults fail: %v", fs)
	}
	cases := []struct {
		field string
		edit  func(w *Widget)
	}{
		{"layout", func(w *Widget) { w.Layout = "list" }},
		{"columns", func(w *Widget) { w.Columns = 0 }},
		{"columns", func(w *Widget) { w.Columns = 7 }},
		{"itemCount", func(w *Widget) { w.ItemCount = 0 }},
		{"itemCount", func(w *Widget) { w.ItemCount = 21 }},
		{"ctaText", func(w *Widget) { w.CTAText = "" }},
		{"ctaText", func(w *Widget) { w.CTAText = strings.Repeat("é", 41) }},
		{"ctaText", func(w *Widget) { w.CTAText = "Buy\x1bnow" }},
		{"ctaText", func(w *Widget) { w.CTAText = "Buy\u0085now" }},          // C1 next line
		{"ctaText", func(w *Widget) { w.CTAText = "\u202eyuB" }},             // right-to-left override
		{"title", func(w *Widget) { w.Title = "Picks \u2066for\u2069 you" }}, // isolates
		{"title", func(w *Widget) { w.Title = strings.Repeat("t", 81) }},
		{"strategy", func(w *Widget) { w.Strategy = "trending_fallback" }},
		{"theme.primaryColor", func(w *Widget) { w.Theme.PrimaryColor = "red" }},
		{"theme.primaryColor", func(w *Widget) { w.Theme.PrimaryColor = "#ff660" }},
		{"theme.textColor", func(w *Widget) { w.Theme.TextColor = "#fff;}body{display:none" }},
		{"theme.backgroundColor", func(w *Widget) { w.Theme.BackgroundColor = "#fff\n" }},
		{"theme.backgroundColor", func(w *Widget) { w.Theme.BackgroundColor = "var(--x)" }},
		{"theme.borderRadius", func(w *Widget) { w.Theme.BorderRadius = -1 }},
		{"theme.borderRadius", func(w *Widget) { w.Theme.BorderRadius = 33 }},
	}
	for _, c := range cases {
		w := DefaultWidget("t", "home")
		c.edit(&w)
		fs := w.Validate()
		if len(fs) != 1 || fs[0].Field != c.field {
			t.Errorf("%+v: %v, want one problem with %s", w, fs, c.field)
		}
	}
	ok := DefaultWidget("t", "home")
	ok.CTAText, ok.Title, ok.Strategy = strings.Repeat("é", 40), "Für Sie ausgewählt — 人気", "content_based"
	ok.Theme = WidgetTheme{PrimaryColor: "#F60", TextColor: "#000000", BackgroundColor: "#AbCdEf", BorderRadius: 32}
	if fs := ok.Validate(); len(fs) != 0 {
		t.Errorf("a valid widget fails: %v", fs)
	}
	many := DefaultWidget("t", "home")
	many.Layout, many.Columns, many.Theme.TextColor = "", 9, ""
	got := []string{}
	for _, f := range many.Validate() {
		got = append(got, f.Field)
	}
	if want := []string{"columns", "layout", "theme.textColor"}; !slices.Equal(got, want) {
		t.Errorf("several faults: %v, want %v (each, sorted)", got, want)
	}
}
