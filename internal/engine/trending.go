package engine

import (
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Trending is an exponentially decayed sum of event weights per product (half-life
// recom.TrendingHalfLife), the same signal recom.Activity keeps live. On its own it is noisy
// for a small shop (ten sales a day make a top ten of whatever sold today), so a product's
// trending value is shrunk towards its popularity: value = decayed + trendingPrior × share
// of popularity. A busy shop's decayed mass dwarfs the prior; a sparse one falls back to
// what is popular over months (DESIGN §4: shrinkage towards popularity).
const (
	// trendingPrior is the prior's mass in decayed event weight (a purchase weighs 5):
	// about a hundred fresh purchases.
	trendingPrior = 500
	// popularityHalfLife decays each user's vote for a product by the age of their last
	// interaction with it: recent popularity predicts the next weeks better.
	popularityHalfLife = 60 * 24 * time.Hour
)

// trendAndPopularity returns the decayed trending sum and the popularity (users who
// interacted, each decayed by the age of their latest positive event) of every item.
func trendAndPopularity(raw []rawEvent, n int, now time.Time) (trend, pop []float32) {
	trend, pop = make([]float32, n), make([]float32, n)
	t0 := now.Unix()
	half := recom.TrendingHalfLife.Seconds()
	popHalf := popularityHalfLife.Seconds()
	last := make([]int64, n) // latest positive event of the current user per item
	seen := make([]int32, n) // user+1 that set last
	var touched []int32
	flush := func() {
		for _, i := range touched {
			pop[i] += float32(decay(float64(t0-last[i]), popHalf))
		}
		touched = touched[:0]
	}
	for k, e := range raw {
		if k > 0 && raw[k-1].user != e.user {
			flush()
		}
		trend[e.item] += e.w * float32(decay(float64(t0-e.t), half))
		if e.w <= 0 {
			continue
		}
		if seen[e.item] != e.user+1 {
			seen[e.item] = e.user + 1
			touched = append(touched, e.item)
			last[e.item] = e.t
		} else if e.t > last[e.item] {
			last[e.item] = e.t
		}
	}
	flush()
	for i, v := range trend {
		if v < 0 { // more removals from carts than anything else
			trend[i] = 0
		}
	}
	return trend, pop
}

// trendValue is item i's trending value: the live decayed sum when live is given (indexed
// by item, from recom.Activity), else the model's, plus the popularity prior.
func (m *Model) trendValue(i int32, live []float32) float32 {
	d := m.d.Trend[i]
	if live != nil {
		d = live[i]
	}
	if m.popTotal > 0 {
		d += trendingPrior * float32(float64(m.d.Pop[i])/m.popTotal)
	}
	return d
}

// trendMostlyPopular reports whether item i's trending value comes mostly from its
// long-run popularity rather than from recent events: the reason then says "Popular".
func (m *Model) trendMostlyPopular(i int32, live []float32) bool {
	d := m.d.Trend[i]
	if live != nil {
		d = live[i]
	}
	return d < m.trendValue(i, live)-d
}
