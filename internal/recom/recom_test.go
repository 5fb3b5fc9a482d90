package recom

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestNewIDIsAUUIDv4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID()
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("NewID() = %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

func TestErrors(t *testing.T) {
	e := Errorf(CodeConflict, "Already %d keys.", 10)
	if e.Error() != "conflict: Already 10 keys." || ErrorCode(fmt.Errorf("wrapped: %w", e)) != CodeConflict {
		t.Errorf("Errorf/ErrorCode: %v", e)
	}
	if ErrorCode(errors.New("plain")) != CodeInternal || IsNotFound(errors.New("x")) || !IsNotFound(ErrTenantNotFound) {
		t.Error("ErrorCode of foreign errors")
	}
	one := Invalid(FieldError{Field: "name", Message: "is required"})
	two := Invalid(FieldError{Field: "a", Message: "x"}, FieldError{Field: "b", Message: "y"})
	if one.Message != "name: is required" || two.Message != "The request is invalid." || !strings.Contains(two.Error(), "b") {
		t.Errorf("Invalid: %q %q", one.Message, two.Error())
	}
}

func TestTenantRules(t *testing.T) {
	if _, err := NewTenant("o", " \t "); ErrorCode(err) != CodeInvalid {
		t.Error("a blank name was accepted")
	}
	tn, err := NewTenant("owner", "  Acme Store ")
	if err != nil || tn.Name != "Acme Store" || tn.Status != TenantActive || tn.Config.Validate() != nil {
		t.Fatalf("NewTenant = %+v, %v", tn, err)
	}
	if !tn.VisibleTo(Admin{ID: "owner"}) || tn.VisibleTo(Admin{ID: "other"}) || !tn.VisibleTo(Admin{ID: "x", Role: RoleSuperAdmin}) {
		t.Error("VisibleTo")
	}
	steps := []struct {
		to   TenantStatus
		want Code
	}{{TenantSuspended, ""}, {TenantActive, ""}, {"paused", CodeInvalid}, {TenantDeleted, ""}, {TenantActive, CodeConflict}, {TenantDeleted, ""}}
	for _, s := range steps {
		err := tn.MoveTo(s.to)
		if (s.want == "" && err != nil) || (s.want != "" && ErrorCode(err) != s.want) {
			t.Errorf("MoveTo(%s) from %s = %v, want %q", s.to, tn.Status, err, s.want)
		}
	}
}

func TestTenantConfigValidate(t *testing.T) {
	bad := DefaultTenantConfig()
	bad.DefaultStrategy = "random"
	bad.AllowedOrigins = []string{"https://shop.example.com", "https://shop.example.com/path", "ftp://x.y", "https://user@x.y", "http://localhost:5173"}
	bad.ColdStartMinEvents = -1
	bad.AttributionWindowMinutes = 0
	bad.RateLimits = RateLimits{}
	bad.Currency = "usd"
	err := bad.Validate()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate = %v", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"config.defaultStrategy", "config.allowedOrigins[1]", "config.allowedOrigins[2]", "config.allowedOrigins[3]",
		"config.coldStartMinEvents", "config.attributionWindowMinutes", "config.rateLimits.readsPerMinute",
		"config.rateLimits.writesPerMinute", "config.currency"} {
		if !got[want] {
			t.Errorf("no error for %s", want)
		}
	}
	if got["config.allowedOrigins[0]"] || got["config.allowedOrigins[4]"] {
		t.Errorf("a valid origin was refused: %v", e.Fields)
	}
}

func TestNewAPIKey(t *testing.T) {
	k, err := NewAPIKey(" SDK ", PermRead, "")
	if err != nil || k.Name != "SDK" || k.Type != KeySecret || k.ID == "" {
		t.Fatalf("NewAPIKey = %+v, %v", k, err)
	}
	_, err = NewAPIKey("", "admin", "browser")
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) != 3 {
		t.Errorf("NewAPIKey with three bad fields = %v", err)
	}
}

func TestPrincipalInContext(t *testing.T) {
	if _, ok := PrincipalFrom(context.Background()); ok {
		t.Error("a principal in an empty context")
	}
	p := Principal{AdminID: "a", TenantID: "t"}
	if got, ok := PrincipalFrom(WithPrincipal(context.Background(), p)); !ok || got.AdminID != p.AdminID || got.TenantID != p.TenantID {
		t.Errorf("PrincipalFrom = %+v, %v", got, ok)
	}
	if PerMinute(5) != (Limit{Rate: 5, Period: 60e9, Burst: 5}) {
		t.Error("PerMinute")
	}
}

func TestCatalogTextMustBeClean(t *testing.T) {
	for _, it := range []CatalogItem{
		{ProductID: "p", Name: "Mug\x00"},
		{ProductID: "p", Name: "Mug", Brand: "A\x1bB"},
		{ProductID: "p", Name: "Mug", Description: "bad \xff utf8"},
		{ProductID: "p", Name: "Mug", Attributes: map[string]any{"color": "blue\x07"}},
	} {
		if fs := it.Validate(""); len(fs) == 0 {
			t.Errorf("accepted %+v", it)
		}
	}
	ok := CatalogItem{ProductID: "p", Name: "Mug ☕", Description: "line one\nline two\ttabbed"}
	if fs := ok.Validate(""); len(fs) != 0 {
		t.Errorf("refused a clean item: %v", fs)
	}
}

// TestIDsInURLs: a product id or a placement names a resource in a URL path, where "."
// and ".." cannot stand (clients resolve them before sending): both are refused, while a
// dot inside an id is fine.
func TestIDsInURLs(t *testing.T) {
	for _, id := range []string{".", "..", " .. "} {
		it := CatalogItem{ProductID: id, Name: "Mug"}
		if fs := it.Validate("items[2]."); len(fs) != 1 || fs[0].Field != "items[2].productId" {
			t.Errorf("productId %q: %v", id, fs)
		}
		if id = strings.TrimSpace(id); ValidPlacement(id) {
			t.Errorf("placement %q accepted", id)
		}
	}
	for _, id := range []string{"...", ".mug", "mug.v2", "%2E"} {
		it := CatalogItem{ProductID: id, Name: "Mug"}
		if fs := it.Validate(""); len(fs) != 0 || !ValidPlacement(id) {
			t.Errorf("%q refused: %v", id, fs)
		}
	}
}

// BenchmarkNormalize: the validation of an event, run on every event the API takes.
func BenchmarkNormalize(b *testing.B) {
	now := time.Now()
	position := 2
	in := Event{Type: RecommendationImpressed, UserID: "1126T1147-510448e1-6882", ProductID: "p85",
		SessionID: "s12345", RecommendationID: "lt-12345", Placement: "home", Position: &position}
	b.ReportAllocs()
	for b.Loop() {
		e := in
		if fs := e.Normalize("events[3].", now); len(fs) > 0 {
			b.Fatal(fs)
		}
	}
}
