package loadtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestCountsReadTheAnswers: what the run counts as acknowledged is what the server says
// it accepted, so a duplicate is neither acknowledged nor reported missing, and an
// answer it cannot read is told apart from one that accepted nothing.
func TestCountsReadTheAnswers(t *testing.T) {
	for _, c := range []struct {
		code            uint16
		body            string
		accepted, dupes int64
		ok              bool
	}{
		{202, `{"data":{"accepted":1}}`, 1, 0, true},
		{200, `{"data":{"accepted":0},"meta":{"duplicate":true}}`, 0, 1, true},
		{202, `{"data":{"accepted":97,"duplicates":2,"rejected":1},"errors":[]}`, 97, 2, true},
		{503, `{"title":"Service Unavailable"}`, 0, 0, true},
		{202, `{"data":{"accepted":97,"dupl`, 0, 0, false}, // cut short
		{202, `{"title":"not an answer of ours"}`, 0, 0, false},
	} {
		a, d, ok := counts(&vegeta.Result{Code: c.code, Body: []byte(c.body)})
		if a != c.accepted || d != c.dupes || ok != c.ok {
			t.Errorf("%d %s: counted %d accepted, %d duplicates, ok %v; want %d, %d, %v", c.code, c.body, a, d, ok, c.accepted, c.dupes, c.ok)
		}
	}
}

// TestBodiesAreEventsTheAPITakes: a body is one event or {"events": […]} of the batch
// size, from the run's shoppers, with the fields each type requires.
func TestBodiesAreEventsTheAPITakes(t *testing.T) {
	type event struct {
		EventType, UserID, ProductID, SessionID, RecommendationID, Placement, OrderID string
		Price                                                                         *float64
		Quantity                                                                      *int
	}
	check := func(e event, shoppers int) {
		t.Helper()
		user, ok := strings.CutPrefix(e.UserID, "run-")
		if n, err := strconv.Atoi(user); !ok || err != nil || n < 0 || n >= shoppers {
			t.Errorf("userId %q is not one of the run's %d shoppers", e.UserID, shoppers)
		}
		if !strings.HasPrefix(e.ProductID, "p") || e.SessionID != "s42" {
			t.Errorf("event %+v: want a product p<n> and session s42", e)
		}
		switch e.EventType {
		case "recommendation_impressed", "recommendation_clicked":
			if e.RecommendationID != "lt-42" || e.Placement != "home" {
				t.Errorf("%s without its recommendation: %+v", e.EventType, e)
			}
		case "purchase":
			if e.OrderID != "o-42" || e.Price == nil || e.Quantity == nil {
				t.Errorf("purchase without its order line: %+v", e)
			}
		case "product_viewed", "add_to_cart":
		default:
			t.Errorf("unknown event type %q", e.EventType)
		}
	}
	var batch struct{ Events []event }
	cfg := EventsConfig{Batch: 100, Shoppers: 1000, Products: 200}
	if err := json.Unmarshal(appendBody(nil, "run", 42, cfg), &batch); err != nil || len(batch.Events) != 100 {
		t.Fatalf("batch body: %d events, %v; want 100", len(batch.Events), err)
	}
	for _, e := range batch.Events {
		check(e, cfg.Shoppers)
	}
	var one event
	cfg.Batch = 1
	if err := json.Unmarshal(appendBody(nil, "run", 42, cfg), &one); err != nil {
		t.Fatalf("single body: %v", err)
	}
	check(one, cfg.Shoppers)
}

func BenchmarkAppendBody(b *testing.B) {
	cfg := EventsConfig{Batch: 100, Shoppers: 10_000, Products: 200}
	var buf []byte
	for b.Loop() {
		buf = appendBody(buf[:0], "1126T1002-415fca60", 42, cfg)
	}
}
