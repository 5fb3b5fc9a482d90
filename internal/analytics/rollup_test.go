package analytics

import (
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

var (
	day  = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	refs = recom.NewRefCodec([]byte("test"))
)

func ev(typ recom.EventType, user, product string, at time.Time, rec string) recom.Event {
	return recom.Event{Type: typ, UserID: user, ProductID: product, Timestamp: at, RecommendationID: rec, Placement: "home"}
}

func buy(user, product, order string, at time.Time, price *float64, qty int) recom.Event {
	return recom.Event{Type: recom.Purchase, UserID: user, ProductID: product, Timestamp: at, OrderID: order, Price: price, Quantity: &qty}
}

func roll(events []recom.Event, elsewhere map[recom.OrderLine]time.Time) dayResult {
	sortByTime(events)
	return rollupDay(dayInput{tenantID: "t1", day: day, window: 30 * time.Minute, events: events, refs: refs,
		price: func(id string) (float64, bool) {
			return map[string]float64{"p1": 10, "p2": 20}[id], id == "p1" || id == "p2"
		},
		elsewhere: func(l recom.OrderLine) (time.Time, bool) { at, ok := elsewhere[l]; return at, ok },
		arm: func(experimentID, userID string) (string, bool) {
			// Experiment e1: users named "c…" are in control, every other in the variant.
			if experimentID != "e1" {
				return "", false
			}
			if userID[0] == 'c' {
				return recom.Control, true
			}
			return recom.Variant, true
		}})
}

func credits(r dayResult) map[string]recom.Attribution {
	out := map[string]recom.Attribution{}
	for _, a := range r.Attributions {
		out[a.OrderID+"/"+a.ProductID] = a
	}
	return out
}

func TestRollupAttribution(t *testing.T) {
	collab := refs.Mint("t1", recom.RecommendationRef{Strategy: "collaborative"})
	trend := refs.Mint("t1", recom.RecommendationRef{Strategy: "trending", ExperimentID: "e1", Variant: recom.Variant})
	at := day.Add(10 * time.Hour)
	nine := 9.5
	events := []recom.Event{
		ev(recom.RecommendationClicked, "u1", "p1", at, collab),
		ev(recom.RecommendationClicked, "u1", "p1", at.Add(5*time.Minute), trend),         // the latest click wins
		buy("u1", "p1", "o1", at.Add(35*time.Minute), &nine, 2),                           // exactly 30 min after the latest
		buy("u1", "p1", "o1", at.Add(36*time.Minute), &nine, 2),                           // the same line again
		buy("u1", "p1", "o2", at.Add(35*time.Minute+time.Microsecond), nil, 1),            // just outside
		buy("u2", "p1", "o3", at.Add(time.Minute), nil, 1),                                // not u2's click
		buy("u1", "p2", "o4", at.Add(time.Minute), nil, 1),                                // not a click on p2
		ev(recom.RecommendationClicked, "u3", "p2", at.Add(time.Hour), collab),            // after the purchase below
		buy("u3", "p2", "o5", at.Add(time.Hour-time.Second), nil, 1),                      // bought before clicking
		ev(recom.RecommendationClicked, "u4", "p2", day.Add(-10*time.Minute), "forged-1"), // yesterday's click
		buy("u4", "p2", "o6", day.Add(5*time.Minute), nil, 3),                             // catalog price 20 × 3
	}
	r := roll(events, nil)
	got := credits(r)
	if len(got) != 2 {
		t.Fatalf("credited %v, want o1/p1 and o6/p2", got)
	}
	if a := got["o1/p1"]; a.Strategy != "trending" || a.ExperimentID != "e1" || a.Variant != recom.Variant || a.Revenue != 19 || a.Quantity != 2 {
		t.Errorf("o1/p1 credited %+v; want the later trending click (variant of e1), revenue 9.5 × 2", a)
	}
	if a := got["o6/p2"]; a.Strategy != recom.UnknownStrategy || a.Revenue != 60 {
		t.Errorf("o6/p2 credited %+v; want yesterday's click (strategy unknown: a forged id), catalog price 20 × 3", a)
	}
	var clicks, conversions int64
	var revenue float64
	for _, row := range r.Daily {
		clicks += row.Clicks
		conversions += row.Conversions
		revenue += row.Revenue
	}
	if clicks != 3 || conversions != 2 || revenue != 79 {
		t.Errorf("day totals: %d clicks, %d conversions, %.2f revenue; want 3 (yesterday's is not today's), 2, 79", clicks, conversions, revenue)
	}
}

func TestRollupCountsEachShowingOnce(t *testing.T) {
	rec := refs.Mint("t1", recom.RecommendationRef{Strategy: "content_based"})
	at := day.Add(time.Hour)
	r := roll([]recom.Event{
		ev(recom.RecommendationImpressed, "u1", "p1", at, rec),
		ev(recom.RecommendationImpressed, "u1", "p1", at.Add(time.Second), rec), // sent again
		ev(recom.RecommendationImpressed, "u1", "p2", at, rec),
		ev(recom.RecommendationClicked, "u1", "p1", at.Add(2*time.Second), rec),
		ev(recom.RecommendationClicked, "u1", "p1", at.Add(3*time.Second), rec),  // double click
		ev(recom.RecommendationImpressed, "u2", "p1", day.AddDate(0, 0, 1), rec), // tomorrow
	}, nil)
	if len(r.Daily) != 1 {
		t.Fatalf("rows %+v, want one", r.Daily)
	}
	row := r.Daily[0]
	if row.Impressions != 2 || row.Clicks != 1 || row.Users != 1 || row.Strategy != "content_based" || row.Placement != "home" {
		t.Errorf("row %+v; want 2 impressions, 1 click, 1 user of content_based on home", row)
	}
	if len(r.Products) != 2 || r.Products[0].ProductID != "p1" || r.Products[0].Impressions != 1 || r.Products[0].Clicks != 1 {
		t.Errorf("product rows %+v", r.Products)
	}
}

func TestRollupLineCreditedOnItsEarliestDay(t *testing.T) {
	rec := refs.Mint("t1", recom.RecommendationRef{Strategy: "collaborative"})
	at := day.Add(time.Hour)
	events := []recom.Event{ev(recom.RecommendationClicked, "u1", "p1", at, rec), buy("u1", "p1", "o1", at.Add(time.Minute), nil, 1)}

	earlier := roll(events, map[recom.OrderLine]time.Time{{OrderID: "o1", ProductID: "p1"}: at.Add(-24 * time.Hour)})
	if len(earlier.Attributions) != 0 || len(earlier.took) != 0 {
		t.Errorf("a line credited on an earlier day was credited again: %+v", earlier.Attributions)
	}
	later := roll(events, map[recom.OrderLine]time.Time{{OrderID: "o1", ProductID: "p1"}: at.Add(24 * time.Hour)})
	if len(later.Attributions) != 1 || len(later.took) != 1 || !later.took[0].Equal(day.AddDate(0, 0, 1)) {
		t.Errorf("an earlier purchase must take the credit from the later day: %+v, took %v", later.Attributions, later.took)
	}
}

// TestRollupArmOnlyForItsUsers: an experiment answer's id counts in its arm only for
// users of that arm; replayed for others (a cached page, a script), it counts outside.
func TestRollupArmOnlyForItsUsers(t *testing.T) {
	variant := refs.Mint("t1", recom.RecommendationRef{Strategy: "trending", ExperimentID: "e1", Variant: recom.Variant})
	gone := refs.Mint("t1", recom.RecommendationRef{Strategy: "trending", ExperimentID: "e9", Variant: recom.Variant})
	at := day.Add(time.Hour)
	r := roll([]recom.Event{
		ev(recom.RecommendationImpressed, "v1", "p1", at, variant),
		ev(recom.RecommendationImpressed, "c1", "p2", at, variant), // a control user shown a variant answer
		ev(recom.RecommendationImpressed, "v2", "p1", at, gone),    // an experiment that does not exist
	}, nil)
	if len(r.Users) != 1 || r.Users[0].UserID != "v1" || r.Users[0].Variant != recom.Variant {
		t.Errorf("experiment users %+v, want only v1 in the variant", r.Users)
	}
	var outside int64
	for _, row := range r.Daily {
		if row.ExperimentID == "" {
			outside += row.Impressions
		}
	}
	if outside != 2 {
		t.Errorf("impressions outside the experiment: %d, want 2 (c1's and v2's)", outside)
	}
}
