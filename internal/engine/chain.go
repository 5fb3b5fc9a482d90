package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Request asks a Model for recommendations.
type Request struct {
	// Strategy is one of Collaborative, ContentBased, Trending, FrequentlyBought, or ""
	// (or Blended, or anything else) for the blend of all of them.
	Strategy string
	// UserEvents are the user's recent events, newest first (recom.MaxRecentEvents).
	UserEvents []recom.Event
	// ProductID is the product being viewed, if any: FrequentlyBought and ContentBased are
	// then "for this product"; the others take it as the strongest recent signal. It is
	// never recommended.
	ProductID string
	// Limit is how many items to return (default 8).
	Limit int
	// Exclude reports whether a product must not be recommended: unavailable, deleted,
	// already purchased… the caller decides, so a change needs no rebuild.
	Exclude func(productID string) bool
	// Trending is the tenant's live trending list from recom.Activity, highest first;
	// empty means the model's own.
	Trending []recom.Scored
	// Now is the request time (default: the model's BuiltAt).
	Now time.Time
	// ColdStartMinEvents overrides the model's Config.ColdStartMinEvents when positive, so
	// a tenant's setting applies without a rebuild.
	ColdStartMinEvents int
}

// Item is one recommended product.
type Item struct {
	ProductID string  `json:"productId"`
	Score     float64 `json:"score"`             // 0–1 within the response, best first
	Reason    string  `json:"reason"`            // the top contributing source, in words (DESIGN §2)
	Source    string  `json:"source"`            // the strategy of that source: collaborative, content_based, …
	Because   string  `json:"because,omitempty"` // the product whose signal contributed most; empty for trending
}

// Result is a recommendation list.
type Result struct {
	Items []Item
	// Strategy is what actually served: the requested strategy, or TrendingFallback for
	// a cold-start user or a strategy below its gate, or the filler that served all slots
	// when the strategy had nothing.
	Strategy string
	// IsFallback is true when the requested strategy filled less than half of the items.
	IsFallback bool
}

const (
	defaultLimit    = 8
	sessionHalfLife = 30 * time.Minute
)

// Blend and fallback tuning, chosen on the Online Retail temporal split (README.md).
const (
	// collabTrendWeight shrinks collaborative scores towards trending popularity: score =
	// collaborative/max + collabTrendWeight × trending/max, over the candidates. Among candidates of similar evidence the one more people buy now wins,
	// and a long-tail item with one weak co-buyer does not outrank a bestseller
	// (collaborative NDCG@10 on Online Retail: 0.083 at 0.1, 0.107 at 0.5, 0.120 at 1).
	collabTrendWeight = 1
	// categoryBoost re-ranks a fallback trending list towards the categories the user
	// touched: value × (1 + categoryBoost × the category's share of the user's weight).
	categoryBoost = 1
	// sessionBoost lifts what the user does right now: an event's recency factor is
	// decay(age, RecentHalfLife) + sessionBoost × decay(age, sessionHalfLife), so a view this
	// minute weighs like a purchase last week and the very next response follows it.
	sessionBoost = 4
	// seedWeight is the weight of the viewed product, relative to the user's strongest
	// recent product, when a personal strategy gets a productId.
	seedWeight = 2
)

// blendWeight weighs each source's normalised score in the blended default. Bought
// together and content add little on purchase-only data (they overlap collaborative) and
// mostly diversify the reasons; trending carries the season.
var blendWeight = [nSources]float32{srcCollab: 1, srcFBT: 0.1, srcContent: 0.05, srcTrend: 1}

// source is where a score comes from.
type source uint8

const (
	srcCollab source = iota
	srcFBT
	srcContent
	srcTrend
	nSources
)

var sourceStrategy = [nSources]string{srcCollab: Collaborative, srcFBT: FrequentlyBought,
	srcContent: ContentBased, srcTrend: Trending}

// cand is a candidate with its per-source scores and each source's top contributor.
type cand struct {
	item int32
	s    [nSources]float32
	best [nSources]float32
	from [nSources]int32
}

// profItem is a product of the user's recent events, with its summed decayed weight and
// the strongest event type on it (for the reason's verb).
type profItem struct {
	item int32
	w    float32
	verb recom.EventType
}

// scratch is per-request memory, pooled per model.
type scratch struct {
	slot     []int32 // item → 1 + index in cands
	cands    []cand
	chosen   []bool
	prof     []profItem
	profSlot []int32 // item → 1 + index in prof
	live     []float32
	liveSet  []int32
	unknown  []string
	top      topK
	picks    []pick
}

// pick is a chosen item with its raw score in its segment.
type pick struct {
	item  int32
	score float32
	src   source
	from  int32 // contributing product, -1 for trending
	seg   int
}

// run is one Recommend call.
type run struct {
	m        *Model
	sc       *scratch
	req      *Request
	limit    int
	seed     int32
	now      time.Time
	distinct int       // distinct products the user interacted with
	live     []float32 // nil: the model's trending
	maxT     float32
	seg      int
}

func (m *Model) getScratch() *scratch {
	if sc, ok := m.pool.Get().(*scratch); ok {
		return sc
	}
	n := len(m.d.IDs)
	return &scratch{slot: make([]int32, n), chosen: make([]bool, n), profSlot: make([]int32, n)}
}

// Recommend answers a request from the model, re-scoring the user's recent events live.
// It never returns the seed product, an excluded product or one unknown to the catalog.
func (m *Model) Recommend(req Request) Result {
	r := &run{m: m, sc: m.getScratch(), req: &req, limit: req.Limit, seed: -1, now: req.Now}
	defer r.release()
	if r.limit <= 0 {
		r.limit = defaultLimit
	}
	if r.now.IsZero() {
		r.now = m.d.BuiltAt
	}
	if i, ok := m.index[req.ProductID]; ok && req.ProductID != "" {
		r.seed = i
	}
	r.profile()
	r.setLive()
	coldMin := m.d.Config.ColdStartMinEvents
	if req.ColdStartMinEvents > 0 {
		coldMin = req.ColdStartMinEvents
	}
	strategy := req.Strategy
	switch strategy {
	case Trending:
		n := r.trendingSegment(false)
		return r.resultOf(Trending, n)
	case FrequentlyBought, ContentBased:
		src := srcFBT
		if strategy == ContentBased {
			src = srcContent
		}
		seeds := r.sc.prof
		if r.seed >= 0 { // for this product: no history needed
			seeds = []profItem{{item: r.seed, w: 1, verb: recom.ProductViewed}}
		} else if r.distinct < coldMin { // for this user: cold start, as for the others (FR-015)
			return r.fallback()
		}
		if len(seeds) == 0 {
			return r.fallback()
		}
		return r.personal(strategy, src, seeds)
	}
	if strategy != Collaborative {
		strategy = Blended
	}
	gate := m.d.Gate
	passed := strategy == Collaborative && gate.Collaborative || strategy == Blended && gate.Blended
	if r.distinct == 0 || r.distinct < coldMin || !passed || len(r.sc.prof) == 0 && r.seed < 0 {
		return r.fallback()
	}
	seeds := r.sc.prof
	if r.seed >= 0 {
		var top float32 = 1
		for _, p := range seeds {
			top = max(top, p.w)
		}
		seeds = append(seeds, profItem{item: r.seed, w: seedWeight * top, verb: recom.ProductViewed})
	}
	src := srcCollab
	if strategy == Blended {
		src = nSources // every source
	}
	return r.personal(strategy, src, seeds)
}

// release resets the scratch and returns it to the pool.
func (r *run) release() {
	sc := r.sc
	for _, c := range sc.cands {
		sc.slot[c.item] = 0
	}
	for _, p := range sc.prof {
		sc.profSlot[p.item] = 0
	}
	for _, p := range sc.picks {
		sc.chosen[p.item] = false
	}
	for _, i := range sc.liveSet {
		sc.live[i] = 0
	}
	sc.cands, sc.prof, sc.picks, sc.liveSet, sc.unknown = sc.cands[:0], sc.prof[:0], sc.picks[:0], sc.liveSet[:0], sc.unknown[:0]
	r.m.pool.Put(sc)
}

// profile sums the user's recent events per product: weight × decay by age.
func (r *run) profile() {
	sc, m := r.sc, r.m
	half := m.d.Config.RecentHalfLife.Seconds()
	for k := range r.req.UserEvents {
		e := &r.req.UserEvents[k]
		w := float32(recom.EventWeight(e.Type))
		if w == 0 {
			continue
		}
		i, known := m.index[e.ProductID]
		if !known {
			if w > 0 && e.ProductID != "" && !contains(sc.unknown, e.ProductID) {
				sc.unknown = append(sc.unknown, e.ProductID)
			}
			continue
		}
		age := r.now.Sub(e.Timestamp).Seconds()
		w *= float32(decay(age, half)) + sessionBoost*float32(decay(age, sessionHalfLife.Seconds()))
		if sc.profSlot[i] == 0 {
			sc.prof = append(sc.prof, profItem{item: i})
			sc.profSlot[i] = int32(len(sc.prof))
		}
		p := &sc.prof[sc.profSlot[i]-1]
		p.w += w
		if w > 0 && recom.EventWeight(e.Type) > recom.EventWeight(p.verb) {
			p.verb = e.Type
		}
	}
	r.distinct = len(sc.unknown)
	kept := sc.prof[:0]
	for _, p := range sc.prof {
		if p.verb != "" { // had a positive event
			r.distinct++
		}
		if p.w > 0 {
			kept = append(kept, p)
			sc.profSlot[p.item] = int32(len(kept))
		} else {
			sc.profSlot[p.item] = 0
		}
	}
	sc.prof = kept
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// setLive loads the request's live trending list into a dense array.
func (r *run) setLive() {
	if len(r.req.Trending) == 0 {
		return
	}
	sc := r.sc
	if sc.live == nil {
		sc.live = make([]float32, len(r.m.d.IDs))
	}
	for _, t := range r.req.Trending {
		if i, ok := r.m.index[t.ProductID]; ok && t.Score > 0 && sc.live[i] == 0 {
			sc.live[i] = float32(t.Score)
			sc.liveSet = append(sc.liveSet, i)
		}
	}
	r.live = sc.live
}

// skip reports whether item i must not be recommended now.
func (r *run) skip(i int32) bool {
	return i == r.seed || r.sc.chosen[i] || r.req.Exclude != nil && r.req.Exclude(r.m.d.IDs[i])
}

func (r *run) cand(i int32) *cand {
	sc := r.sc
	if k := sc.slot[i]; k > 0 {
		return &sc.cands[k-1]
	}
	sc.cands = append(sc.cands, cand{item: i, from: [nSources]int32{-1, -1, -1, -1}})
	sc.slot[i] = int32(len(sc.cands))
	return &sc.cands[len(sc.cands)-1]
}

// spread adds each seed's weighted neighbours to the candidates under src.
func (r *run) spread(src source, nb *neighbours, seeds []profItem) {
	for _, p := range seeds {
		nbr, w := nb.of(p.item)
		for k, j := range nbr {
			c := r.cand(j)
			v := p.w * w[k]
			c.s[src] += v
			if v > c.best[src] {
				c.best[src], c.from[src] = v, p.item
			}
		}
	}
}

// personal serves a strategy driven by seeds; src is its source, nSources for the blend.
// Empty slots are filled collaborative → content → trending (DESIGN §4).
func (r *run) personal(strategy string, src source, seeds []profItem) Result {
	m := r.m
	// Collaborative fills other strategies only when it passed its gate.
	if src == srcCollab || src == nSources || m.d.Gate.Collaborative {
		r.spread(srcCollab, &m.d.Collab, seeds)
	}
	if src == srcFBT || src == nSources {
		r.spread(srcFBT, &m.d.FBT, seeds)
	}
	r.spread(srcContent, &m.d.Content, seeds)
	if src == nSources { // trending competes in the blend
		r.gatherTrending(false, r.limit)
	}
	var maxS [nSources]float32
	for k := range r.sc.cands {
		c := &r.sc.cands[k]
		c.s[srcTrend] = m.trendValue(c.item, r.live)
		c.best[srcTrend] = c.s[srcTrend]
		for s := range nSources {
			maxS[s] = max(maxS[s], c.s[s])
		}
	}
	r.maxT = maxS[srcTrend]
	// The primary segment.
	var score func(c *cand) (float32, source)
	switch src {
	case nSources:
		score = func(c *cand) (float32, source) {
			var total, bestTerm float32
			top := srcTrend
			for s := range nSources {
				if maxS[s] == 0 || c.s[s] == 0 {
					continue
				}
				total += blendWeight[s] * c.s[s] / maxS[s]
				if term := blendWeight[s] * c.best[s] / maxS[s]; term > bestTerm {
					bestTerm, top = term, s
				}
			}
			return total, top
		}
	case srcCollab:
		score = func(c *cand) (float32, source) {
			if c.s[srcCollab] == 0 {
				return 0, srcCollab
			}
			v := c.s[srcCollab] / maxS[srcCollab]
			t := collabTrendWeight * c.s[srcTrend] / max(r.maxT, 1e-9)
			if t > c.best[srcCollab]/maxS[srcCollab] {
				return v + t, srcTrend
			}
			return v + t, srcCollab
		}
	default:
		score = func(c *cand) (float32, source) { return c.s[src], src }
	}
	primary := r.segment(score)
	// Fills.
	if src != nSources {
		if src != srcCollab && m.d.Gate.Collaborative {
			r.segment(func(c *cand) (float32, source) { return c.s[srcCollab], srcCollab })
		}
		if src != srcContent {
			r.segment(func(c *cand) (float32, source) { return c.s[srcContent], srcContent })
		}
		r.trendingSegment(len(r.sc.prof) > 0)
	}
	return r.resultOf(strategy, primary)
}

// segment appends to the picks the best remaining candidates by score (zero scores are
// not candidates) and returns how many it added.
func (r *run) segment(score func(c *cand) (float32, source)) int {
	sc := r.sc
	need := r.limit - len(sc.picks)
	if need <= 0 {
		return 0
	}
	added := 0
	for k := 2*need + 8; ; k *= 4 {
		sc.top.reset(k)
		for ci := range sc.cands {
			c := &sc.cands[ci]
			if s, _ := score(c); s > 0 && !sc.chosen[c.item] && c.item != r.seed {
				sc.top.push(int32(ci), s)
			}
		}
		full := len(sc.top.h) == k
		for _, x := range sc.top.sorted() {
			c := &sc.cands[x.i]
			if r.skip(c.item) {
				continue
			}
			s, src := score(c)
			from := c.from[src]
			if src == srcTrend {
				from = -1
			}
			sc.picks = append(sc.picks, pick{item: c.item, score: s, src: src, from: from, seg: r.seg})
			sc.chosen[c.item] = true
			added++
			if added == need {
				break
			}
		}
		if added == need || !full {
			break
		}
	}
	r.seg++
	return added
}

// gatherTrending adds to the candidates enough unskipped trending items: from the live
// list (or the model's order), from the popularity order behind the prior, and with boost
// from each category the user touched.
func (r *run) gatherTrending(boost bool, need int) {
	m := r.m
	take := func(order func(yield func(int32) bool)) {
		got := 0
		for i := range order {
			if r.skip(i) {
				continue
			}
			c := r.cand(i)
			c.s[srcTrend] = m.trendValue(i, r.live)
			if got++; got >= need {
				return
			}
		}
	}
	if r.live != nil {
		take(func(yield func(int32) bool) {
			for _, t := range r.req.Trending {
				if i, ok := m.index[t.ProductID]; ok && !yield(i) {
					return
				}
			}
		})
		take(sliceSeq(m.popOrder))
	} else {
		take(sliceSeq(m.trendOrder))
	}
	if boost {
		for _, c := range r.categoryShares() {
			if c.share > 0 {
				take(sliceSeq(m.catOrder[c.cat]))
			}
		}
	}
}

func sliceSeq(s []int32) func(yield func(int32) bool) {
	return func(yield func(int32) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

type catShare struct {
	cat   int32
	share float32
}

// categoryShares is each touched category's share of the user's recent weight (the seed
// counts as a view).
func (r *run) categoryShares() []catShare {
	m := r.m
	var out []catShare
	var total float32
	add := func(i int32, w float32) {
		c := m.d.Categories[i]
		if c < 0 || w <= 0 {
			return
		}
		total += w
		for k := range out {
			if out[k].cat == c {
				out[k].share += w
				return
			}
		}
		out = append(out, catShare{c, w})
	}
	for _, p := range r.sc.prof {
		add(p.item, p.w)
	}
	if r.seed >= 0 {
		add(r.seed, 1)
	}
	for k := range out {
		out[k].share /= total
	}
	return out
}

// trendingSegment fills the remaining slots with trending items, re-ranked towards the
// user's categories when boost is set.
func (r *run) trendingSegment(boost bool) int {
	need := r.limit - len(r.sc.picks)
	if need <= 0 {
		return 0
	}
	r.gatherTrending(boost, need)
	shares := map[int32]float32{}
	if boost {
		for _, c := range r.categoryShares() {
			shares[c.cat] = c.share
		}
	}
	m := r.m
	return r.segment(func(c *cand) (float32, source) {
		v := m.trendValue(c.item, r.live)
		if boost {
			if cat := m.d.Categories[c.item]; cat >= 0 {
				v *= 1 + categoryBoost*shares[cat]
			}
		}
		return v, srcTrend
	})
}

// fallback serves trending re-ranked towards the user's categories (cold start, FR-015).
func (r *run) fallback() Result {
	r.trendingSegment(len(r.sc.prof) > 0 || r.seed >= 0)
	res := r.resultOf(TrendingFallback, len(r.sc.picks))
	res.IsFallback = true
	return res
}

// resultOf turns the picks into a Result: scores normalised per segment into 0–1, each
// segment below the previous one.
func (r *run) resultOf(strategy string, primary int) Result {
	picks := r.sc.picks
	res := Result{Items: make([]Item, len(picks)), Strategy: strategy}
	scale := float32(1)
	for k := 0; k < len(picks); {
		seg := picks[k].seg
		end := k
		for end < len(picks) && picks[end].seg == seg {
			end++
		}
		top := picks[k].score
		if k > 0 {
			scale = float32(res.Items[k-1].Score) * 0.95
		}
		for q := k; q < end; q++ {
			p := picks[q]
			it := Item{ProductID: r.m.d.IDs[p.item], Score: float64(scale * p.score / top),
				Source: sourceStrategy[p.src], Reason: r.reason(p)}
			if p.from >= 0 {
				it.Because = r.m.d.IDs[p.from]
			}
			res.Items[q] = it
		}
		k = end
	}
	switch {
	case len(picks) > 0 && primary == 0:
		res.Strategy = res.Items[0].Source // the filler that served
		if res.Strategy == Trending {
			res.Strategy = TrendingFallback
		}
		res.IsFallback = true
	case 2*primary < len(picks):
		res.IsFallback = true
	}
	return res
}

// reason phrases a pick's top contributing source (DESIGN §2).
func (r *run) reason(p pick) string {
	d := &r.m.d
	src := p.src
	if p.from < 0 {
		src = srcTrend
	}
	switch src {
	case srcCollab:
		name := d.Names[p.from]
		verb := recom.ProductViewed
		if k := r.sc.profSlot[p.from]; k > 0 && p.from != r.seed {
			verb = r.sc.prof[k-1].verb
		}
		switch verb {
		case recom.Purchase:
			return "Because you bought " + name
		case recom.AddToCart:
			return "Because you added " + name + " to your cart"
		}
		return "Because you viewed " + name
	case srcFBT:
		n := r.m.fbtCount(p.from, p.item)
		orders := strconv.Itoa(int(n)) + " orders"
		if n == 1 {
			orders = "1 order"
		}
		return fmt.Sprintf("Frequently bought with %s (%s)", d.Names[p.from], orders)
	case srcContent:
		return "Similar to " + d.Names[p.from] + similarity(d, p.from, p.item)
	}
	cat := ""
	if c := d.Categories[p.item]; c >= 0 {
		cat = " in " + d.CatNames[c]
	}
	if r.m.trendMostlyPopular(p.item, r.live) {
		if cat == "" {
			return "Popular right now"
		}
		return "Popular" + cat
	}
	return "Trending" + cat + " this week"
}

// similarity says what two similar products share: ": same category, close price".
func similarity(d *snapshot, a, b int32) string {
	var parts []string
	if d.Categories[a] >= 0 && d.Categories[a] == d.Categories[b] {
		parts = append(parts, "same category")
	}
	if d.Brands[a] != "" && d.Brands[a] == d.Brands[b] {
		parts = append(parts, "same brand")
	}
	if d.Prices[a] > 0 && d.Prices[b] > 0 && priceRatio(d.Prices[a], d.Prices[b]) >= closePrice {
		parts = append(parts, "close price")
	}
	if len(parts) == 0 {
		return ""
	}
	s := ": " + parts[0]
	for _, p := range parts[1:] {
		s += ", " + p
	}
	return s
}
