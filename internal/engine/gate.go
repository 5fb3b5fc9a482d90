package engine

import (
	"hash/fnv"
	"math"
	"slices"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Gate is the per-tenant check that a personal strategy beats trending before it is served
// (DESIGN §4). Build holds out the tenant's recent data, each user's last interactions: the
// products users first touched in the last Config.GateWindow (doubled up to three times
// until gateMinUsers users qualify). It builds collaborative, bought-together and trending
// signals as of the start of that window, and asks each strategy for each user's top
// GateK given their earlier recent events, as Recommend would have answered then. A
// strategy is served only if it beats trending_fallback on the tenant's own data, in
// NDCG and hit rate. Neighbour methods on sparse data rank long-tail items with a single
// buyer and fall far below popularity; this notices. The product-page strategies (bought
// together, similar) are not gated: they answer for a product, not for a user.
type Gate struct {
	Users             int           // users checked
	Window            time.Duration // how much recent data was held out
	CollaborativeHR   float64       // hit rate @GateK: some held-out product in the list
	CollaborativeNDCG float64
	BlendedHR         float64
	BlendedNDCG       float64
	TrendingHR        float64 // of trending_fallback, what serves instead
	TrendingNDCG      float64
	Collaborative     bool // collaborative beat trending: it is served
	Blended           bool // the blend beat trending: it is served
	Note              string
}

// GateK is the list length the gate checks.
const GateK = 10

const (
	gateMinUsers = 20   // below this the check cannot tell, so trending serves
	gateMaxUsers = 1000 // a deterministic sample beyond this keeps Build fast
)

// gateUser is a checked user: the user's events raw[lo:at] are the history, held the
// products first touched after it.
type gateUser struct {
	lo, at  int
	held    []int32
	hashKey uint32
}

// checkGate runs the gate on raw (sorted by user, time).
func (m *Model) checkGate(raw []rawEvent, users int, now time.Time, cfg Config) Gate {
	var us []gateUser
	window := cfg.GateWindow
	for range 4 {
		if us = gateUsers(raw, now.Add(-window).Unix(), cfg.ColdStartMinEvents, len(m.d.IDs)); len(us) >= gateMinUsers {
			break
		}
		window *= 2
	}
	if len(us) < gateMinUsers {
		return Gate{Users: len(us), Note: "too few users with enough history to check; trending serves"}
	}
	if len(us) > gateMaxUsers {
		slices.SortFunc(us, func(a, b gateUser) int { return int(int64(a.hashKey) - int64(b.hashKey)) })
		us = us[:gateMaxUsers]
	}
	cut := now.Add(-window)
	train := make([]rawEvent, 0, len(raw))
	for _, e := range raw {
		if e.t < cut.Unix() {
			train = append(train, e)
		}
	}
	d := &m.d
	gm := &Model{index: m.index, d: snapshot{Config: cfg, BuiltAt: cut, IDs: d.IDs, Names: d.Names,
		Brands: d.Brands, Categories: d.Categories, CatNames: d.CatNames, Prices: d.Prices, Content: d.Content}}
	gm.buildSignals(train, users, cut, cfg)
	gm.derive()
	gm.d.Gate = Gate{Collaborative: true, Blended: true}

	var hits [3]int
	var ndcg [3]float64
	var evs []recom.Event
	seen := map[string]bool{}
	relevant := map[string]bool{}
	exclude := func(id string) bool { return seen[id] }
	for _, u := range us {
		clear(seen)
		clear(relevant)
		evs = evs[:0]
		for k := u.at - 1; k >= u.lo; k-- { // newest first
			e := raw[k]
			seen[d.IDs[e.item]] = true
			if len(evs) < recom.MaxRecentEvents {
				evs = append(evs, recom.Event{Type: e.typ, ProductID: d.IDs[e.item], Timestamp: time.Unix(e.t, 0)})
			}
		}
		for _, i := range u.held {
			relevant[d.IDs[i]] = true
		}
		for s, req := range [3]Request{
			{Strategy: Collaborative},
			{Strategy: Blended},
			{Strategy: Collaborative, ColdStartMinEvents: math.MaxInt}, // forces the fallback
		} {
			req.UserEvents, req.Exclude, req.Limit, req.Now = evs, exclude, GateK, cut
			var list []string
			for _, it := range gm.Recommend(req).Items {
				list = append(list, it.ProductID)
			}
			_, _, n, hit, _ := metrics(list, relevant, GateK)
			hits[s] += int(hit)
			ndcg[s] += n
		}
	}
	n := float64(len(us))
	g := Gate{Users: len(us), Window: window,
		CollaborativeHR: float64(hits[0]) / n, CollaborativeNDCG: ndcg[0] / n,
		BlendedHR: float64(hits[1]) / n, BlendedNDCG: ndcg[1] / n,
		TrendingHR: float64(hits[2]) / n, TrendingNDCG: ndcg[2] / n}
	g.Collaborative = ndcg[0] > ndcg[2] && hits[0] >= hits[2]
	g.Blended = ndcg[1] > ndcg[2] && hits[1] >= hits[2]
	switch {
	case g.Collaborative && g.Blended:
		g.Note = "collaborative and blended beat trending"
	case g.Blended:
		g.Note = "blended beats trending, collaborative does not; collaborative requests get trending"
	case g.Collaborative:
		g.Note = "collaborative beats trending, blended does not; blended requests get trending"
	default:
		g.Note = "trending beats the personal strategies on this tenant's data; trending serves"
	}
	return g
}

// gateUsers finds the users with at least minItems distinct products before cut and a
// product first touched at or after it.
func gateUsers(raw []rawEvent, cut int64, minItems, n int) []gateUser {
	var us []gateUser
	stamp := make([]int32, n)
	for lo := 0; lo < len(raw); {
		u := raw[lo].user
		hi, at := lo, lo
		for hi < len(raw) && raw[hi].user == u {
			if raw[hi].t < cut {
				at = hi + 1
			}
			hi++
		}
		before := 0
		for _, e := range raw[lo:at] {
			if e.w > 0 && stamp[e.item] != u+1 {
				stamp[e.item] = u + 1
				before++
			}
		}
		var held []int32
		for _, e := range raw[at:hi] {
			if e.w > 0 && stamp[e.item] != u+1 {
				stamp[e.item] = u + 1
				held = append(held, e.item)
			}
		}
		if before >= minItems && len(held) > 0 {
			f := fnv.New32a()
			f.Write([]byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)})
			us = append(us, gateUser{lo: lo, at: at, held: held, hashKey: f.Sum32()})
		}
		lo = hi
	}
	return us
}
