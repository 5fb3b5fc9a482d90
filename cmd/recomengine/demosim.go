package main

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"sync"
)

// demoExperiment is the experiment the demo runs on its home page's personal picks.
var demoExperiment = map[string]any{"name": "Personal picks: collaborative vs trending", "placement": "home",
	"controlStrategy": "collaborative", "variantStrategy": "trending", "targetMde": 0.2}

// The simulated shoppers' behaviour, the same in both arms of the experiment.
const (
	demoClickRate = 0.12 // visits with a click on one of the picks
	demoBuyRate   = 0.35 // clicks followed by a purchase of the clicked product
	demoPicks     = 8    // picks on the home page
)

// simulateVisits starts the demo's experiment, then has each shopper open the home page
// once, as the SDK would: the picks are asked for on the experiment's placement (which
// assigns the shopper an arm), each pick shown is an impression, and the shopper clicks and
// buys as one simple model says in both arms: a click on demoClickRate of visits, on a pick
// chosen with weight 1/(position+1), and a purchase after demoBuyRate of clicks. So the arms
// differ by chance alone, and the experiment page shows what chance does (now and then even
// a "winner" on one of its three metrics, at α = 0.05): a demo that made up a winner would
// teach the wrong lesson. The analytics pages get their impressions, clicks,
// attributed purchases and revenue from the same visits. It returns the experiment's id.
func simulateVisits(ctx context.Context, admin, keyed *demoClient, tenantID string, shoppers []string, products map[string]demoProduct) (string, error) {
	var exp struct{ ID string }
	experiments := "/api/v1/tenants/" + tenantID + "/experiments"
	if err := admin.call(ctx, "POST", experiments, demoExperiment, &exp); err != nil {
		return "", err
	}
	if err := admin.call(ctx, "POST", experiments+"/"+exp.ID+"/start", nil, nil); err != nil {
		return "", err
	}
	visits := make(chan string)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for shopper := range visits {
				if err := visit(ctx, keyed, shopper, products); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for _, s := range shoppers {
		select {
		case visits <- s:
		case err = <-errs:
			break feed
		}
	}
	close(visits)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return exp.ID, err
}

// visit is one shopper's visit to the home page: its picks, their impressions, and maybe a
// click and a purchase, drawn from a generator seeded by the shopper. (Runs still differ: the
// arms a new experiment assigns, and the picks a model built meanwhile answers.)
func visit(ctx context.Context, c *demoClient, shopper string, products map[string]demoProduct) error {
	q := url.Values{"userId": {shopper}, "placement": {"home"}, "limit": {"8"}}
	answer, err := c.send(ctx, "GET", "/api/v1/recommendations?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	var recs struct {
		Data []struct {
			ProductID string `json:"productId"`
		}
		Meta struct {
			RecommendationID string `json:"recommendationId"`
		}
	}
	if err := json.Unmarshal(answer, &recs); err != nil || len(recs.Data) == 0 {
		return err
	}
	seed := fnv.New64a()
	seed.Write([]byte(shopper))
	rng := rand.New(rand.NewPCG(seed.Sum64(), demoPicks))
	event := func(kind string, position int) map[string]any {
		return map[string]any{"eventType": kind, "userId": shopper, "productId": recs.Data[position].ProductID,
			"recommendationId": recs.Meta.RecommendationID, "placement": "home", "position": position + 1} // 1-based, as the SDK sends
	}
	var events []map[string]any
	for i := range recs.Data {
		events = append(events, event("recommendation_impressed", i))
	}
	clicked := -1
	if rng.Float64() < demoClickRate {
		clicked = pickByPosition(rng, len(recs.Data))
		events = append(events, event("recommendation_clicked", clicked))
	}
	if err := c.call(ctx, "POST", "/api/v1/events/batch", map[string]any{"events": events}, nil); err != nil {
		return err
	}
	if clicked < 0 || rng.Float64() >= demoBuyRate {
		return nil
	}
	// Sent after the click, so its time follows the click's: the purchase is credited to it.
	p := recs.Data[clicked].ProductID
	price, _ := products[p]["price"].(float64)
	return c.call(ctx, "POST", "/api/v1/events", map[string]any{"eventType": "purchase", "userId": shopper, "productId": p,
		"orderId": "demo-visit-" + shopper, "price": price, "quantity": 1 + rng.IntN(3)}, nil)
}

// pickByPosition draws a position below n with weight 1/(position+1): shoppers click the
// first picks most.
func pickByPosition(rng *rand.Rand, n int) int {
	total := 0.0
	for i := range n {
		total += 1 / float64(i+1)
	}
	x := rng.Float64() * total
	for i := range n {
		if x -= 1 / float64(i+1); x < 0 {
			return i
		}
	}
	return n - 1
}
