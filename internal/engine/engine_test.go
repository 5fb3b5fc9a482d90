package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

var strategies = []string{"", Blended, Collaborative, ContentBased, FrequentlyBought, Trending}

func ids(r Result) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.ProductID)
	}
	return out
}

func TestFixtureGatePasses(t *testing.T) {
	g := fixtureModel().Gate()
	if !g.Collaborative || !g.Blended || g.Users < gateMinUsers {
		t.Fatalf("gate on a shop with strong co-purchase structure = %+v, want both strategies served", g)
	}
}

func TestReasons(t *testing.T) {
	m := fixtureModel()
	tests := []struct {
		name string
		req  Request
		want string // a reason some item must carry
	}{
		{"collaborative names the bought product", Request{Strategy: Collaborative, Limit: 20,
			UserEvents: history("p20", "p21", "p13", "p14", "p00")}, "Because you bought Blue Mug"},
		{"a cart add is phrased as such", Request{Strategy: Collaborative, UserEvents: append([]recom.Event{
			{Type: recom.AddToCart, ProductID: "p00", Timestamp: t0}}, history("p20", "p21", "p13", "p14")...)},
			"Because you added Blue Mug to your cart"},
		{"bought together quotes the orders", Request{Strategy: FrequentlyBought, ProductID: "p00"},
			fmt.Sprintf("Frequently bought with Blue Mug (%d orders)", fixtureModel().fbtCount(0, 2))},
		{"similar says what is shared", Request{Strategy: ContentBased, ProductID: "p00"},
			"Similar to Blue Mug: same category, close price"},
		{"similar without a close price", Request{Strategy: ContentBased, ProductID: "p00"},
			"Similar to Blue Mug: same category"},
		{"trending names the category", Request{Strategy: Trending}, "Trending in Toys this week"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Now = t0
			res := m.Recommend(tt.req)
			var reasons []string
			for _, it := range res.Items {
				reasons = append(reasons, it.Reason)
			}
			if !slices.Contains(reasons, tt.want) {
				t.Errorf("reasons = %q, want one to be %q", reasons, tt.want)
			}
		})
	}
}

func TestNeverSeedExcludedOrUnknown(t *testing.T) {
	m := fixtureModel()
	excluded := map[string]bool{"p01": true, "p02": true, "p59": true, "p03": true}
	evs := append(history("p00", "p01", "p04", "p05", "p13"),
		recom.Event{Type: recom.ProductViewed, ProductID: "not-in-catalog", Timestamp: t0})
	for _, s := range strategies {
		for _, seed := range []string{"", "p00", "not-in-catalog"} {
			res := m.Recommend(Request{Strategy: s, UserEvents: evs, ProductID: seed, Limit: 30, Now: t0,
				Exclude: func(id string) bool { return excluded[id] }})
			if len(res.Items) == 0 {
				t.Errorf("%q seed %q: no items", s, seed)
			}
			seen := map[string]bool{}
			for _, it := range res.Items {
				if it.ProductID == seed || excluded[it.ProductID] || !m.Has(it.ProductID) || seen[it.ProductID] {
					t.Errorf("%q seed %q returned %s (seed, excluded, unknown or repeated)", s, seed, it.ProductID)
				}
				seen[it.ProductID] = true
			}
		}
	}
}

func TestScoresNormalised(t *testing.T) {
	m := fixtureModel()
	for _, s := range strategies {
		for _, evs := range [][]recom.Event{nil, history("p04"), history("p00", "p01", "p04", "p05", "p13")} {
			res := m.Recommend(Request{Strategy: s, UserEvents: evs, Limit: 20, Now: t0})
			for k, it := range res.Items {
				if it.Score <= 0 || it.Score > 1 || k == 0 && it.Score != 1 || k > 0 && it.Score > res.Items[k-1].Score {
					t.Fatalf("%q with %d events: scores %v not in (0, 1], best first, top 1", s, len(evs), res.Items)
				}
				if it.Reason == "" || it.Source == "" {
					t.Fatalf("%q: item %s has no reason or source", s, it.ProductID)
				}
			}
		}
	}
}

func TestColdStart(t *testing.T) {
	m := fixtureModel()
	trending := m.Recommend(Request{Strategy: Trending, Now: t0})
	for _, s := range []string{"", Collaborative} {
		res := m.Recommend(Request{Strategy: s, Now: t0})
		if res.Strategy != TrendingFallback || !res.IsFallback || !slices.Equal(ids(res), ids(trending)) {
			t.Errorf("%q with no events = %s %v %v, want trending_fallback, fallback, plain trending %v",
				s, res.Strategy, res.IsFallback, ids(res), ids(trending))
		}
		// Two Garden products (p04, p07): the fallback leans to Garden (FR-015).
		res = m.Recommend(Request{Strategy: s, UserEvents: history("p04", "p07"), Now: t0})
		if res.Strategy != TrendingFallback || !res.IsFallback {
			t.Fatalf("%q with 2 events = %s fallback %v, want trending_fallback", s, res.Strategy, res.IsFallback)
		}
		garden := func(r Result) (n int) {
			for _, it := range r.Items {
				if it.Reason == "Popular in Garden" || it.Reason == "Trending in Garden this week" {
					n++
				}
			}
			return n
		}
		if garden(res) <= garden(trending) || garden(res) < len(res.Items)/2 {
			t.Errorf("cold start after Garden products: %d of %d Garden items (plain trending %d), want most",
				garden(res), len(res.Items), garden(trending))
		}
		// The threshold is a tenant setting that applies per request.
		res = m.Recommend(Request{Strategy: s, UserEvents: history("p04", "p07"), Now: t0, ColdStartMinEvents: 2})
		if res.Strategy == TrendingFallback {
			t.Errorf("%q with ColdStartMinEvents 2 and 2 products still served the fallback", s)
		}
	}
}

func TestOneNewEventChangesResult(t *testing.T) {
	m := fixtureModel()
	base := history("p00", "p01", "p02", "p05", "p03")
	bought := func(id string) bool {
		return slices.ContainsFunc(base, func(e recom.Event) bool { return e.ProductID == id })
	}
	before := m.Recommend(Request{UserEvents: base, Now: t0, Exclude: bought})
	// A view of Product 40 (cluster 6), just now.
	after := m.Recommend(Request{UserEvents: append([]recom.Event{{Type: recom.ProductViewed, ProductID: "p40",
		Timestamp: t0}}, base...), Now: t0, Exclude: bought})
	if slices.Equal(ids(before), ids(after)) {
		t.Fatalf("a new view changed nothing: %v", ids(after))
	}
	var related int
	for _, it := range after.Items {
		if it.Because == "p40" && it.ProductID >= "p36" && it.ProductID <= "p41" {
			related++
		}
	}
	if related == 0 {
		t.Errorf("after viewing p40 no item of its cluster came because of it: %v", after.Items)
	}
}

func TestFillsAndFallback(t *testing.T) {
	m := fixtureModel()
	// Blue Mug has two bought-together partners: the other slots are filled and marked.
	res := m.Recommend(Request{Strategy: FrequentlyBought, ProductID: "p00", Limit: 8, Now: t0})
	if len(res.Items) != 8 || res.Strategy != FrequentlyBought || !res.IsFallback {
		t.Fatalf("FBT for Blue Mug = %d items, %s, fallback %v; want 8 filled, FBT, fallback", len(res.Items),
			res.Strategy, res.IsFallback)
	}
	order := map[string]int{FrequentlyBought: 0, Collaborative: 1, ContentBased: 2, Trending: 3}
	for k := 1; k < len(res.Items); k++ {
		if order[res.Items[k].Source] < order[res.Items[k-1].Source] {
			t.Errorf("fills out of order collaborative → content → trending: %v", res.Items)
		}
	}
	// A product nobody bought: nothing bought-together, the fillers serve all.
	res = m.Recommend(Request{Strategy: FrequentlyBought, ProductID: "p60", Now: t0})
	if res.Strategy == FrequentlyBought || !res.IsFallback || len(res.Items) == 0 {
		t.Errorf("FBT for a product never bought = %s fallback %v, want a filler strategy and fallback",
			res.Strategy, res.IsFallback)
	}
}

func TestLiveTrending(t *testing.T) {
	m := fixtureModel()
	live := []recom.Scored{{ProductID: "p10", Score: 5000}, {ProductID: "unknown", Score: 4000}, {ProductID: "p59", Score: 10}}
	res := m.Recommend(Request{Strategy: Trending, Trending: live, Now: t0})
	if len(res.Items) == 0 || res.Items[0].ProductID != "p10" || res.Items[0].Reason != "Trending in Garden this week" {
		t.Fatalf("live trending led by p10 = %v", res.Items)
	}
	// Without it the model's own trending serves.
	if res := m.Recommend(Request{Strategy: Trending, Now: t0}); res.Items[0].ProductID != "p59" {
		t.Errorf("model trending = %v, want p59 first", ids(res))
	}
}

func TestGateFailsOnNoise(t *testing.T) {
	// Users buy at random: co-occurrence is noise and trending (popularity) should win.
	items, _ := fixture()
	var events []recom.Event
	for u := range 200 {
		for k := range 7 {
			p := (u*7919 + k*104729 + k*k*31) % 60
			if k%2 == 0 {
				p = k % 4 // a few bestsellers
			}
			events = append(events, recom.Event{Type: recom.Purchase, UserID: fmt.Sprint("u", u),
				ProductID: fmt.Sprintf("p%02d", p), OrderID: fmt.Sprint(u, "-", k), Timestamp: t0.Add(-time.Duration(200-u+k*300) * time.Minute)})
		}
	}
	m := Build(items, events, t0, Config{})
	g := m.Gate()
	if g.Collaborative {
		t.Fatalf("gate on random purchases = %+v, want collaborative not served", g)
	}
	res := m.Recommend(Request{Strategy: Collaborative, UserEvents: history("p10", "p20", "p30", "p40", "p50"), Now: t0})
	if res.Strategy != TrendingFallback || !res.IsFallback {
		t.Errorf("collaborative below its gate served %s fallback %v, want trending_fallback", res.Strategy, res.IsFallback)
	}
	// Too few users to tell: trending serves.
	small := Build(items, events[:50], t0, Config{})
	if g := small.Gate(); g.Collaborative || g.Blended || !strings.Contains(g.Note, "too few") {
		t.Errorf("gate with 7 users = %+v", g)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	m := fixtureModel()
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var loaded Model
	if err := loaded.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if got, want := loaded.Stats(), m.Stats(); got != want {
		t.Errorf("stats after round trip = %+v, want %+v", got, want)
	}
	for _, s := range strategies {
		for _, seed := range []string{"", "p00"} {
			req := Request{Strategy: s, ProductID: seed, UserEvents: history("p00", "p01", "p04", "p05", "p13"), Now: t0}
			a, b := m.Recommend(req), loaded.Recommend(req)
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%q seed %q: loaded model answers %v, built one %v", s, seed, b, a)
			}
		}
	}
	if err := new(Model).UnmarshalBinary(append([]byte{snapshotVersion + 1}, data[1:]...)); err == nil {
		t.Error("a snapshot of another version loaded")
	}
	if err := new(Model).UnmarshalBinary(data[:len(data)/2]); err == nil {
		t.Error("a truncated snapshot loaded")
	}
}

func TestBuildIgnoresUnknownAndImpressions(t *testing.T) {
	items, _ := fixture()
	var events []recom.Event
	for u := range 30 {
		for _, p := range []string{"p00", "p01", "nope"} {
			events = append(events, recom.Event{Type: recom.RecommendationImpressed, UserID: fmt.Sprint(u),
				ProductID: p, Timestamp: t0.Add(-time.Hour)})
		}
	}
	m := Build(items, events, t0, Config{})
	if s := m.Stats(); s.Events != 0 || s.CollaborativeNeighbors != 0 || s.FBTNeighbors != 0 {
		t.Errorf("impressions and unknown products built %+v", s)
	}
	if res := m.Recommend(Request{Strategy: Trending, Now: t0}); len(res.Items) != 0 {
		t.Errorf("trending without interest = %v", res.Items)
	}
	empty := Build(nil, nil, t0, Config{})
	if res := empty.Recommend(Request{UserEvents: history("p00"), ProductID: "p00"}); len(res.Items) != 0 {
		t.Errorf("an empty model recommended %v", res.Items)
	}
}

func TestBaskets(t *testing.T) {
	items, _ := fixture()
	at := t0.Add(-24 * time.Hour)
	var events []recom.Event
	buy := func(user, p, order string, at time.Time) {
		events = append(events, recom.Event{Type: recom.Purchase, UserID: user, ProductID: p, OrderID: order, Timestamp: at})
	}
	// Orders without an orderId are one user's purchases no more than 30 minutes apart.
	for u := range 3 {
		user := fmt.Sprint("u", u)
		buy(user, "p00", "", at)
		buy(user, "p01", "", at.Add(20*time.Minute))
		buy(user, "p02", "", at.Add(2*time.Hour)) // a later, separate basket
	}
	// An orderId joins lines regardless of time.
	buy("v", "p10", "o1", at)
	buy("v", "p11", "o1", at.Add(3*time.Hour))
	buy("w", "p10", "o2", at)
	buy("w", "p11", "o2", at.Add(3*time.Hour))
	m := Build(items, events, t0, Config{})
	if n := m.fbtCount(0, 1); n != 3 {
		t.Errorf("p00 and p01 within 20 minutes: together in %d baskets, want 3", n)
	}
	if n := m.fbtCount(1, 2); n != 0 {
		t.Errorf("p01 and p02 two hours apart: together in %d baskets, want 0", n)
	}
	if n := m.fbtCount(10, 11); n != 2 {
		t.Errorf("p10 and p11 of one order: together in %d baskets, want 2", n)
	}
	if s := m.Stats(); s.Baskets != 8 {
		t.Errorf("baskets = %d, want 8", s.Baskets)
	}
}

func TestMetrics(t *testing.T) {
	rel := map[string]bool{"a": true, "b": true, "c": true}
	p, r, ndcg, hr, ap := metrics([]string{"a", "x", "b", "y"}, rel, 4)
	wantNDCG := (1 + 1/math.Log2(4)) / (1 + 1/math.Log2(3) + 1/math.Log2(4))
	if p != 0.5 || r != 2.0/3 || math.Abs(ndcg-wantNDCG) > 1e-12 || hr != 1 || math.Abs(ap-(1+2.0/3)/3) > 1e-12 {
		t.Errorf("metrics = %v %v %v %v %v", p, r, ndcg, hr, ap)
	}
	if _, _, _, hr, _ := metrics(nil, rel, 10); hr != 0 {
		t.Error("an empty list hit")
	}
}

func TestReadJSONL(t *testing.T) {
	items, err := ReadCatalog(strings.NewReader(`{"productId":"a","name":"A"}` + "\n" + `{"productId":"b","name":"B","available":false}`))
	if err != nil || len(items) != 2 || !items[0].Available || items[1].Available {
		t.Errorf("ReadCatalog = %+v, %v", items, err)
	}
	if _, err := ReadEvents(strings.NewReader(`{"eventType":"purchase"}` + "\n{oops")); err == nil ||
		!strings.Contains(err.Error(), "record 2") {
		t.Errorf("ReadEvents of a bad line: %v, want an error naming record 2", err)
	}
}

func TestConcurrentRecommend(t *testing.T) {
	m := fixtureModel()
	var reqs []Request
	for k := range 40 {
		p := fmt.Sprintf("p%02d", k)
		reqs = append(reqs, Request{Strategy: strategies[k%len(strategies)], ProductID: p, Now: t0,
			UserEvents: history(p, fmt.Sprintf("p%02d", (k*7)%60), fmt.Sprintf("p%02d", (k*13)%60), "p01", "p30")})
	}
	want := make([]string, len(reqs))
	for k, req := range reqs {
		want[k] = fmt.Sprint(m.Recommend(req))
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 200 {
				k := (g*31 + i) % len(reqs)
				if got := fmt.Sprint(m.Recommend(reqs[k])); got != want[k] {
					done <- fmt.Errorf("request %d answered %s concurrently, %s alone", k, got, want[k])
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
