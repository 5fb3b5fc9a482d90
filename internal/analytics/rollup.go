package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// dayInput is what a tenant-day's rollup is computed from.
type dayInput struct {
	tenantID string
	day      time.Time     // midnight UTC
	window   time.Duration // the tenant's attribution window
	// events holds the day's impressions and purchases, and the clicks from window before
	// the day to its end (they can earn the day's purchases), oldest first.
	events []recom.Event
	refs   *recom.RefCodec
	// price is the catalog price of a product, for purchase lines without one.
	price func(productID string) (float64, bool)
	// elsewhere is the time of the purchase that holds the line's credit on another day.
	elsewhere func(recom.OrderLine) (time.Time, bool)
	// arm is the user's arm of the tenant's experiment (false: no such experiment).
	arm func(experimentID, userID string) (string, bool)
}

// dayResult is a day's rollup and the other days whose credits it took.
type dayResult struct {
	recom.DayRollup
	// took are days holding a credit that an earlier purchase of the same line on this
	// day takes over: their rollups are stale.
	took []time.Time
}

// rollupDay computes a tenant-day: impressions and clicks counted once per
// (recommendationId, product) and credited to the placement of the event and the strategy
// and arm its recommendationId names; each purchase line credited to the latest click of
// the same user on the same product at most window before it (FR-024). A line (order,
// product) is credited once: at its earliest purchase that a click earned, whichever day
// that falls on.
func rollupDay(in dayInput) dayResult {
	end := in.day.AddDate(0, 0, 1)
	inDay := func(e *recom.Event) bool { return !e.Timestamp.Before(in.day) && e.Timestamp.Before(end) }
	refDims := memoDims(in.tenantID, in.refs)
	// An event counts in an experiment arm only for a user of that arm: an answer replayed
	// for other users (a shared page cache, a script) is outside the experiment.
	dimsOf := func(e *recom.Event) recom.Dims {
		d := refDims(e)
		if d.ExperimentID != "" {
			if v, ok := in.arm(d.ExperimentID, e.UserID); !ok || v != d.Variant {
				d.ExperimentID, d.Variant = "", ""
			}
		}
		return d
	}

	type seenKey struct{ rec, product string }
	type productKey struct{ placement, strategy, product string }
	rows := map[recom.Dims]*recom.DailyRow{}
	users := map[recom.Dims]map[string]bool{}
	type armUser struct{ experiment, variant, user string }
	expUsers := map[armUser]*recom.Counts{}
	products := map[productKey]*recom.ProductDailyRow{}
	add := func(d recom.Dims, user, product string, c recom.Counts) {
		r := rows[d]
		if r == nil {
			r = &recom.DailyRow{Day: in.day, Dims: d}
			rows[d], users[d] = r, map[string]bool{}
		}
		r.Add(c)
		users[d][user] = true
		if d.ExperimentID != "" {
			k := armUser{d.ExperimentID, d.Variant, user}
			if expUsers[k] == nil {
				expUsers[k] = &recom.Counts{}
			}
			expUsers[k].Add(c)
		}
		pk := productKey{d.Placement, d.Strategy, product}
		p := products[pk]
		if p == nil {
			p = &recom.ProductDailyRow{Day: in.day, Placement: d.Placement, Strategy: d.Strategy, ProductID: product}
			products[pk] = p
		}
		p.Add(c)
	}

	impressed, clicked := map[seenKey]bool{}, map[seenKey]bool{}
	type userProduct struct{ user, product string }
	clicks := map[userProduct][]*recom.Event{} // oldest first, as the input is
	var purchases []*recom.Event
	for i := range in.events {
		e := &in.events[i]
		switch e.Type {
		case recom.RecommendationImpressed:
			if k := (seenKey{e.RecommendationID, e.ProductID}); inDay(e) && !impressed[k] {
				impressed[k] = true
				add(dimsOf(e), e.UserID, e.ProductID, recom.Counts{Impressions: 1})
			}
		case recom.RecommendationClicked:
			up := userProduct{e.UserID, e.ProductID}
			clicks[up] = append(clicks[up], e)
			if k := (seenKey{e.RecommendationID, e.ProductID}); inDay(e) && !clicked[k] {
				clicked[k] = true
				add(dimsOf(e), e.UserID, e.ProductID, recom.Counts{Clicks: 1})
			}
		case recom.Purchase:
			if inDay(e) {
				purchases = append(purchases, e)
			}
		}
	}

	// Lines in time order, so a line sent twice is credited at its first purchase.
	slices.SortStableFunc(purchases, func(a, b *recom.Event) int {
		return cmp.Or(a.Timestamp.Compare(b.Timestamp), cmp.Compare(a.OrderID, b.OrderID), cmp.Compare(a.ProductID, b.ProductID))
	})
	var out dayResult
	credited := map[recom.OrderLine]bool{}
	for _, p := range purchases {
		l := recom.OrderLine{OrderID: p.OrderID, ProductID: p.ProductID}
		if credited[l] {
			continue
		}
		click := latestClick(clicks[userProduct{p.UserID, p.ProductID}], p.Timestamp, in.window)
		if click == nil {
			continue
		}
		credited[l] = true
		if at, ok := in.elsewhere(l); ok {
			if at.Before(p.Timestamp) {
				continue // an earlier day's purchase of the line holds the credit
			}
			out.took = append(out.took, recom.Day(at))
		}
		qty := 1
		if p.Quantity != nil {
			qty = *p.Quantity
		}
		var price float64
		if p.Price != nil {
			price = *p.Price
		} else if cp, ok := in.price(p.ProductID); ok {
			price = cp
		}
		d := dimsOf(click)
		a := recom.Attribution{TenantID: in.tenantID, OrderID: p.OrderID, ProductID: p.ProductID, UserID: p.UserID,
			PurchasedAt: p.Timestamp, ClickedAt: click.Timestamp, RecommendationID: click.RecommendationID,
			Dims: d, Quantity: qty, Revenue: price * float64(qty)}
		out.Attributions = append(out.Attributions, a)
		add(d, p.UserID, p.ProductID, recom.Counts{Conversions: 1, Revenue: a.Revenue})
	}

	for d, r := range rows {
		r.Users = int64(len(users[d]))
		out.Daily = append(out.Daily, *r)
	}
	for _, p := range products {
		out.Products = append(out.Products, *p)
	}
	for k, c := range expUsers {
		out.Users = append(out.Users, recom.ExperimentUserDay{ExperimentID: k.experiment, Variant: k.variant,
			UserID: k.user, Day: in.day, Counts: *c})
	}
	slices.SortFunc(out.Users, func(a, b recom.ExperimentUserDay) int {
		return cmp.Or(cmp.Compare(a.ExperimentID, b.ExperimentID), cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Variant, b.Variant))
	})
	slices.SortFunc(out.Daily, func(a, b recom.DailyRow) int { return compareDims(a.Dims, b.Dims) })
	slices.SortFunc(out.Products, func(a, b recom.ProductDailyRow) int {
		return cmp.Or(cmp.Compare(a.Placement, b.Placement), cmp.Compare(a.Strategy, b.Strategy), cmp.Compare(a.ProductID, b.ProductID))
	})
	return out
}

// latestClick returns the latest of clicks (oldest first) at or before t and at most
// window before it, or nil.
func latestClick(clicks []*recom.Event, t time.Time, window time.Duration) *recom.Event {
	for i := len(clicks) - 1; i >= 0; i-- {
		c := clicks[i]
		if c.Timestamp.After(t) {
			continue
		}
		if t.Sub(c.Timestamp) <= window {
			return c
		}
		return nil // older ones are further away
	}
	return nil
}

// memoDims returns the dims of an impression or click: its placement, and the strategy
// and arm its recommendationId names (UnknownStrategy when the id is not one of ours).
// An answer's id comes back once per product shown, so ids are read once.
func memoDims(tenantID string, refs *recom.RefCodec) func(e *recom.Event) recom.Dims {
	memo := map[string]recom.RecommendationRef{}
	return func(e *recom.Event) recom.Dims {
		r, ok := memo[e.RecommendationID]
		if !ok {
			if r, ok = refs.Parse(tenantID, e.RecommendationID); !ok {
				r = recom.RecommendationRef{Strategy: recom.UnknownStrategy}
			}
			memo[e.RecommendationID] = r
		}
		return recom.Dims{Placement: e.Placement, Strategy: r.Strategy, ExperimentID: r.ExperimentID, Variant: r.Variant}
	}
}

func compareDims(a, b recom.Dims) int {
	return cmp.Or(cmp.Compare(a.Placement, b.Placement), cmp.Compare(a.Strategy, b.Strategy),
		cmp.Compare(a.ExperimentID, b.ExperimentID), cmp.Compare(a.Variant, b.Variant))
}

// sortByTime orders events oldest first, keeping the stored order of equal times.
func sortByTime(events []recom.Event) {
	slices.SortStableFunc(events, func(a, b recom.Event) int { return a.Timestamp.Compare(b.Timestamp) })
}
