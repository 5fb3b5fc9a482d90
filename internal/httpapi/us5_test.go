package httpapi

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/analytics"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/recommend"
)

// simEvent is one event of the generated stream, with what the truth needs.
type simEvent struct {
	typ                                  recom.EventType
	user, product, rec, placement, order string
	at                                   time.Time
	price                                *float64 // nil: the catalog price counts
	qty                                  int
}

func (e simEvent) body() map[string]any {
	m := map[string]any{"eventType": string(e.typ), "userId": e.user, "productId": e.product,
		"timestamp": e.at.Format(time.RFC3339Nano)}
	if e.rec != "" {
		m["recommendationId"], m["placement"] = e.rec, e.placement
	}
	if e.typ == recom.Purchase {
		m["orderId"], m["quantity"] = e.order, e.qty
		if e.price != nil {
			m["price"] = *e.price
		}
	}
	return m
}

// world is a generated event stream and the truth computed from it, independently of the
// analytics package: plain loops over every event, by the rules of DESIGN §6.
type world struct {
	now      time.Time
	events   []simEvent // each dedup key once, in time order
	sent     []simEvent // as sent: shuffled, with duplicates
	refs     map[string]recom.RecommendationRef
	catalog  map[string]float64
	window   time.Duration
	products []string
	exp      recom.Experiment // running; a third of the answers are its arms'
}

type truthRow struct {
	day time.Time
	recom.Dims
	product string
	recom.Counts
}

// generate makes ten days of answers up to now: impressions (some sent twice with a later
// time), clicks (some sent twice, identical), purchases inside, at and outside the
// 30-minute window, lines sent twice, lines without a price, purchases nobody clicked,
// clicks before midnight that earn purchases after it, two placements, an experiment with
// two arms, and recommendationIds not minted by us.
func generate(tenantID string, refs *recom.RefCodec, exp recom.Experiment, now time.Time) *world {
	r := rand.New(rand.NewPCG(5, 7))
	w := &world{now: now, refs: map[string]recom.RecommendationRef{}, catalog: map[string]float64{}, window: 30 * time.Minute, exp: exp}
	for i := range 12 {
		id := fmt.Sprintf("p%d", i)
		w.products = append(w.products, id)
		w.catalog[id] = float64(500+i*125) / 100
	}
	strategies := []string{"collaborative", "content_based", "trending", "trending_fallback"}
	placements := []string{"home", "product-page"}
	var evs []simEvent
	money := func() *float64 {
		if r.IntN(10) < 3 {
			return nil
		}
		p := float64(500+r.IntN(4500)) / 100
		return &p
	}
	orders := 0
	first := recom.Day(now).AddDate(0, 0, -9)
	for d := range 10 {
		day := first.AddDate(0, 0, d)
		for a := range 16 {
			at := day.Add(time.Duration(r.IntN(24*3600)) * time.Second)
			if a == 0 {
				at = day.Add(24*time.Hour - 10*time.Minute) // its clicks earn purchases after midnight
			}
			user, placement := fmt.Sprintf("u%d", r.IntN(12)), placements[r.IntN(2)]
			ref := recom.RecommendationRef{Strategy: strategies[r.IntN(len(strategies))], IssuedAt: at}
			if r.IntN(3) == 0 {
				ref.ExperimentID = exp.ID
				ref.Variant, ref.Strategy = exp.Arm(user)
				if r.IntN(4) == 0 { // another arm's answer replayed to this user: outside the experiment
					ref.Variant = map[string]string{recom.Control: recom.Variant, recom.Variant: recom.Control}[ref.Variant]
				}
			}
			rec := refs.Mint(tenantID, ref)
			if a == 15 {
				rec, ref = fmt.Sprintf("client-made-%d", d), recom.RecommendationRef{Strategy: recom.UnknownStrategy}
			}
			w.refs[rec] = ref
			for _, i := range r.Perm(12)[:4] {
				p := w.products[i]
				shown := simEvent{typ: recom.RecommendationImpressed, user: user, product: p, rec: rec, placement: placement, at: at.Add(time.Second)}
				evs = append(evs, shown)
				if r.IntN(5) == 0 { // the SDK sent it again later: still one impression
					shown.at = shown.at.Add(time.Second)
					evs = append(evs, shown)
				}
				if r.IntN(10) >= 4 && a != 0 {
					continue
				}
				click := simEvent{typ: recom.RecommendationClicked, user: user, product: p, rec: rec, placement: placement, at: at.Add(5 * time.Second)}
				evs = append(evs, click)
				if r.IntN(3) == 0 {
					continue
				}
				orders++
				delay := []time.Duration{2 * time.Minute, 10 * time.Minute, 30 * time.Minute, 31 * time.Minute, 3 * time.Hour}[r.IntN(5)]
				buyer := user
				if r.IntN(8) == 0 {
					buyer = "someone-else" // a click earns only its own user's purchase
				}
				line := simEvent{typ: recom.Purchase, user: buyer, product: p, order: fmt.Sprintf("o%d", orders),
					at: click.at.Add(delay), price: money(), qty: 1 + r.IntN(3)}
				evs = append(evs, line)
				if r.IntN(8) == 0 { // the same line again: credited once
					line.at = line.at.Add(time.Minute)
					evs = append(evs, line)
				}
			}
		}
		for range 3 { // purchases no recommendation earned
			orders++
			evs = append(evs, simEvent{typ: recom.Purchase, user: fmt.Sprintf("u%d", r.IntN(12)), product: w.products[r.IntN(12)],
				order: fmt.Sprintf("o%d", orders), at: day.Add(time.Duration(r.IntN(24*3600)) * time.Second), price: money(), qty: 1})
		}
	}
	// Only what may be sent: nothing in the future.
	evs = slices.DeleteFunc(evs, func(e simEvent) bool { return e.at.After(now.Add(-time.Minute)) })
	type key struct {
		typ           recom.EventType
		user, product string
		at            int64
	}
	seen := map[key]bool{}
	for _, e := range evs {
		k := key{e.typ, e.user, e.product, e.at.UnixMicro()}
		if !seen[k] {
			seen[k] = true
			w.events = append(w.events, e)
		}
	}
	slices.SortStableFunc(w.events, func(a, b simEvent) int { return a.at.Compare(b.at) })
	// Sent shuffled, so purchases often arrive before the clicks that earned them, and
	// with every tenth event sent twice.
	w.sent = slices.Clone(evs)
	for i := 0; i < len(evs); i += 10 {
		w.sent = append(w.sent, evs[i])
	}
	r.Shuffle(len(w.sent), func(i, j int) { w.sent[i], w.sent[j] = w.sent[j], w.sent[i] })
	return w
}

// truth returns the rows the analytics must show, per day, dims and product.
func (w *world) truth() []truthRow {
	var rows []truthRow
	dims := func(e simEvent) recom.Dims {
		ref := w.refs[e.rec]
		d := recom.Dims{Placement: e.placement, Strategy: ref.Strategy, ExperimentID: ref.ExperimentID, Variant: ref.Variant}
		if arm, _ := w.exp.Arm(e.user); d.ExperimentID != "" && arm != d.Variant {
			d.ExperimentID, d.Variant = "", "" // an answer of the other arm: not in the experiment
		}
		return d
	}
	type shown struct {
		typ          recom.EventType
		rec, product string
		day          time.Time
	}
	counted := map[shown]bool{}
	credited := map[[2]string]bool{}
	for _, e := range w.events {
		day := recom.Day(e.at)
		switch e.typ {
		case recom.RecommendationImpressed, recom.RecommendationClicked:
			k := shown{e.typ, e.rec, e.product, day}
			if counted[k] {
				continue
			}
			counted[k] = true
			c := recom.Counts{Impressions: 1}
			if e.typ == recom.RecommendationClicked {
				c = recom.Counts{Clicks: 1}
			}
			rows = append(rows, truthRow{day: day, Dims: dims(e), product: e.product, Counts: c})
		case recom.Purchase:
			line := [2]string{e.order, e.product}
			if credited[line] {
				continue
			}
			var click *simEvent
			for i := range w.events {
				c := &w.events[i]
				if c.typ == recom.RecommendationClicked && c.user == e.user && c.product == e.product &&
					!c.at.After(e.at) && e.at.Sub(c.at) <= w.window && (click == nil || !c.at.Before(click.at)) {
					click = c
				}
			}
			if click == nil {
				continue
			}
			credited[line] = true
			price := w.catalog[e.product]
			if e.price != nil {
				price = *e.price
			}
			rows = append(rows, truthRow{day: day, Dims: dims(*click), product: e.product,
				Counts: recom.Counts{Conversions: 1, Revenue: price * float64(e.qty)}})
		}
	}
	return rows
}

// sum adds the truth rows of days [from, to] matching the filter.
func sum(rows []truthRow, from, to time.Time, f recom.AnalyticsFilter, match func(truthRow) bool) recom.Counts {
	var c recom.Counts
	for _, r := range rows {
		if r.day.Before(from) || r.day.After(to) || (f.Placement != "" && r.Placement != f.Placement) ||
			(f.Strategy != "" && r.Strategy != f.Strategy) || (match != nil && !match(r)) {
			continue
		}
		c.Add(r.Counts)
	}
	return c
}

func wantKPIs(c recom.Counts) analytics.KPIs {
	k := analytics.KPIs{Impressions: c.Impressions, Clicks: c.Clicks, Conversions: c.Conversions, Revenue: math.Round(c.Revenue*100) / 100}
	if c.Impressions > 0 {
		k.CTR = float64(c.Clicks) / float64(c.Impressions)
	}
	if c.Clicks > 0 {
		k.ConversionRate = float64(c.Conversions) / float64(c.Clicks)
	}
	return k
}

func sameKPIs(got, want analytics.KPIs) bool {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	return got.Impressions == want.Impressions && got.Clicks == want.Clicks && got.Conversions == want.Conversions &&
		near(got.CTR, want.CTR) && near(got.ConversionRate, want.ConversionRate) && near(got.Revenue, want.Revenue)
}

// TestAnalyticsReconcile sends a generated stream with a known truth and checks every
// KPI, series point, top-product row and CSV cell against the truth, on both backends.
func TestAnalyticsReconcile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		now := time.Now().UTC()
		exp := k.experimentCall("POST", "", experimentBody("Reconcile", "home"), http.StatusCreated)
		exp = k.experimentCall("POST", "/"+exp.ID+"/start", nil, http.StatusOK)
		w := generate(k.tenant.ID, recom.NewRefCodec(k.pepper), exp, now)
		var items []map[string]any
		for _, p := range w.products {
			items = append(items, map[string]any{"productId": p, "name": "=HYPERLINK(\"evil\") " + p, "category": "Kitchen", "price": w.catalog[p]})
		}
		if res := k.do("POST", "/api/v1/catalog/batch", map[string]any{"items": items}, "X-API-Key", k.rw.Key); res.Status != 200 {
			t.Fatalf("catalog: %d %s", res.Status, res.Body)
		}
		for i := 0; i < len(w.sent); i += 100 {
			var batch []map[string]any
			for _, e := range w.sent[i:min(i+100, len(w.sent))] {
				batch = append(batch, e.body())
			}
			if res := k.do("POST", "/api/v1/events/batch", map[string]any{"events": batch}, "X-API-Key", k.rw.Key); res.Status != 202 {
				t.Fatalf("events: %d %s", res.Status, res.Body)
			}
		}
		refresh(t, k.testEnv)
		truth := w.truth()
		t.Logf("%d events sent, %d distinct, %d truth rows", len(w.sent), len(w.events), len(truth))

		today := recom.Day(now)
		from, to := today.AddDate(0, 0, -4), today
		prevFrom, prevTo := from.AddDate(0, 0, -5), from.AddDate(0, 0, -1)
		for _, f := range []recom.AnalyticsFilter{{}, {Placement: "home"}, {Strategy: "collaborative"},
			{Placement: "product-page", Strategy: "trending_fallback"}, {Strategy: "unknown"}} {
			query := fmt.Sprintf("?from=%s&to=%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
			if f.Placement != "" {
				query += "&placement=" + f.Placement
			}
			if f.Strategy != "" {
				query += "&strategy=" + f.Strategy
			}
			var o struct{ Data analytics.Overview }
			k.admin("/analytics/overview"+query).decode(t, &o)
			cur, prev := wantKPIs(sum(truth, from, to, f, nil)), wantKPIs(sum(truth, prevFrom, prevTo, f, nil))
			if !sameKPIs(o.Data.Current, cur) || !sameKPIs(o.Data.Previous, prev) {
				t.Errorf("overview %+v:\n got current %+v previous %+v\nwant current %+v previous %+v", f, o.Data.Current, o.Data.Previous, cur, prev)
			}
			if cur.Clicks > 0 && prev.Clicks > 0 {
				want := (float64(cur.Clicks) - float64(prev.Clicks)) / float64(prev.Clicks)
				if got := o.Data.Change.Relative.Clicks; got == nil || math.Abs(*got-want) > 1e-9 || o.Data.Change.Clicks != cur.Clicks-prev.Clicks {
					t.Errorf("overview %+v: change of clicks %d / %v, want %d / %v", f, o.Data.Change.Clicks, got, cur.Clicks-prev.Clicks, want)
				}
			}

			var ts struct{ Data []analytics.Point }
			k.admin("/analytics/timeseries"+query).decode(t, &ts)
			if len(ts.Data) != 5 {
				t.Fatalf("timeseries %+v: %d points, want 5 (one a day, zero-filled)", f, len(ts.Data))
			}
			for i, p := range ts.Data {
				day := from.AddDate(0, 0, i)
				if want := wantKPIs(sum(truth, day, day, f, nil)); p.Date != day.Format(time.DateOnly) || !sameKPIs(p.KPIs, want) {
					t.Errorf("timeseries %+v day %s: got %s %+v, want %+v", f, day.Format(time.DateOnly), p.Date, p.KPIs, want)
				}
			}

			for _, by := range analytics.TopMetrics {
				var top struct{ Data []analytics.TopProduct }
				k.admin("/analytics/top-products"+query+"&by="+by+"&limit=5").decode(t, &top)
				want := topTruth(w, truth, from, to, f, by, 5)
				if len(top.Data) != len(want) {
					t.Fatalf("top by %s %+v: %d products, want %d", by, f, len(top.Data), len(want))
				}
				for i, p := range top.Data {
					if p.ProductID != want[i].product || !sameKPIs(p.KPIs, wantKPIs(want[i].Counts)) {
						t.Errorf("top by %s %+v #%d: got %s %+v, want %s %+v", by, f, i, p.ProductID, p.KPIs, want[i].product, wantKPIs(want[i].Counts))
					}
				}
			}

			checkCSV(t, k, w, truth, query+"&by=clicks&limit=5", from, to, f)
		}
	})
}

// topTruth ranks products as the top-products report must.
func topTruth(w *world, truth []truthRow, from, to time.Time, f recom.AnalyticsFilter, by string, limit int) []truthRow {
	var out []truthRow
	for _, p := range w.products {
		c := sum(truth, from, to, f, func(r truthRow) bool { return r.product == p })
		if c != (recom.Counts{}) && (by != "ctr" || c.Impressions >= 10) {
			out = append(out, truthRow{product: p, Counts: c})
		}
	}
	metric := func(r truthRow) float64 {
		switch by {
		case "impressions":
			return float64(r.Impressions)
		case "clicks":
			return float64(r.Clicks)
		case "ctr":
			return float64(r.Clicks) / float64(r.Impressions)
		}
		return math.Round(r.Revenue*100) / 100
	}
	slices.SortFunc(out, func(a, b truthRow) int {
		return cmp.Or(cmp.Compare(metric(b), metric(a)), cmp.Compare(a.product, b.product))
	})
	return out[:min(limit, len(out))]
}

// checkCSV reads the export of the query and checks each cell against the truth.
func checkCSV(t *testing.T, k *keyEnv, w *world, truth []truthRow, query string, from, to time.Time, f recom.AnalyticsFilter) {
	t.Helper()
	res := k.admin("/analytics/export.csv" + query)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment; filename=") {
		t.Fatalf("export headers: %q, %q", ct, res.Header.Get("Content-Disposition"))
	}
	if !strings.Contains(string(res.Body), "\r\n") {
		t.Error("export lines do not end in CRLF (RFC 4180)")
	}
	records, err := csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if !slices.Equal(records[0], analytics.CSVColumns) {
		t.Fatalf("header %v", records[0])
	}
	col := map[string]int{}
	for i, c := range records[0] {
		col[c] = i
	}
	kpisOf := func(rec []string) analytics.KPIs {
		n := func(c string) int64 { v, _ := strconv.ParseInt(rec[col[c]], 10, 64); return v }
		x := func(c string) float64 { v, _ := strconv.ParseFloat(rec[col[c]], 64); return v }
		return analytics.KPIs{Impressions: n("impressions"), Clicks: n("clicks"), CTR: x("ctr"), Conversions: n("conversions"),
			ConversionRate: x("conversionRate"), Revenue: x("revenue")}
	}
	var days, products, breakdowns int
	var productIDs []string
	top := topTruth(w, truth, from, to, f, "clicks", 5)
	for _, rec := range records[1:] {
		var want recom.Counts
		switch rec[col["section"]] {
		case "current":
			want = sum(truth, from, to, f, nil)
		case "previous":
			want = sum(truth, from.AddDate(0, 0, -5), from.AddDate(0, 0, -1), f, nil)
		case "daily":
			day, err := time.Parse(time.DateOnly, rec[col["date"]])
			if err != nil {
				t.Fatalf("daily row without a date: %v", rec)
			}
			want = sum(truth, day, day, f, nil)
			days++
		case "breakdown":
			d := recom.Dims{Placement: rec[col["placement"]], Strategy: rec[col["strategy"]], ExperimentID: rec[col["experimentId"]], Variant: rec[col["variant"]]}
			want = sum(truth, from, to, f, func(r truthRow) bool { return r.Dims == d })
			breakdowns++
		case "product":
			if name := rec[col["productName"]]; !strings.HasPrefix(name, "'=HYPERLINK") {
				t.Errorf("product name %q: a formula must be neutralised with a leading '", name)
			}
			want = top[products].Counts
			productIDs = append(productIDs, rec[col["productId"]])
			products++
		default:
			t.Fatalf("unknown section in %v", rec)
		}
		if got := kpisOf(rec); !sameKPIs(got, wantKPIs(want)) {
			t.Errorf("CSV row %v: got %+v, want %+v", rec, got, wantKPIs(want))
		}
	}
	var wantIDs []string
	for _, r := range top {
		wantIDs = append(wantIDs, r.product)
	}
	if days != 5 || !slices.Equal(productIDs, wantIDs) {
		t.Errorf("CSV has %d daily rows (want 5) and products %v (want %v)", days, productIDs, wantIDs)
	}
	var dims []recom.Dims
	for _, r := range truth {
		if !r.day.Before(from) && !r.day.After(to) && (f.Placement == "" || r.Placement == f.Placement) &&
			(f.Strategy == "" || r.Strategy == f.Strategy) && !slices.Contains(dims, r.Dims) {
			dims = append(dims, r.Dims)
		}
	}
	if breakdowns != len(dims) {
		t.Errorf("CSV has %d breakdown rows, want one per placement, strategy and arm seen: %d", breakdowns, len(dims))
	}
}

// admin GETs a path under the tenant as its admin, expecting 200.
func (k *keyEnv) admin(path string) response {
	k.t.Helper()
	res := k.do("GET", "/api/v1/tenants/"+k.tenant.ID+path, nil, "Authorization", "Bearer "+k.token)
	if res.Status != http.StatusOK {
		k.t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	return res
}

// refresh rolls up every stale day, as the background job would within seconds.
func refresh(t *testing.T, e *testEnv) {
	t.Helper()
	for {
		n, err := e.reports.Refresh(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// TestUS5 is User Story 5's backend scenarios on both backends: a shopper served by the
// real recommendation endpoint sees, clicks and buys through a publishable key; with the
// rollup job running, the KPI cards, the 30-day series and the CSV show it within seconds
// (today included), credited to the strategy that served it.
func TestUS5(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 30)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go k.reports.Run(ctx, 50*time.Millisecond)

		rec := k.recommend(t, "userId=shopper-5&placement=home&strategy=trending")
		if len(rec.Data) < 2 {
			t.Fatalf("recommendations: %+v", rec)
		}
		send := func(e map[string]any) {
			t.Helper()
			res := k.do("POST", "/api/v1/events", e, "X-API-Key", k.public.Key, "Origin", "https://shop.example")
			if res.Status != http.StatusAccepted {
				t.Fatalf("event %v: %d %s", e, res.Status, res.Body)
			}
		}
		shown := func(typ string, p recommend.Recommendation, pos int) map[string]any {
			return map[string]any{"eventType": typ, "userId": "shopper-5", "productId": p.ProductID,
				"recommendationId": rec.Meta.RecommendationID, "placement": "home", "position": pos}
		}
		for i, p := range rec.Data[:2] {
			send(shown("recommendation_impressed", p, i))
		}
		bought := rec.Data[1]
		send(shown("recommendation_clicked", bought, 1))
		send(map[string]any{"eventType": "purchase", "userId": "shopper-5", "productId": bought.ProductID, "orderId": "web-1", "quantity": 2})

		// 1 and 4: the KPI cards of the default range (the last 30 days) show it live.
		want := analytics.KPIs{Impressions: 2, Clicks: 1, CTR: 0.5, Conversions: 1, ConversionRate: 1, Revenue: 2 * bought.Price}
		var o struct{ Data analytics.Overview }
		deadline := time.Now().Add(10 * time.Second)
		for {
			k.admin("/analytics/overview").decode(t, &o)
			if o.Data.Current == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if o.Data.Current != want {
			t.Fatalf("US5-1: KPI cards %+v, want %+v", o.Data.Current, want)
		}
		if o.Data.To != time.Now().UTC().Format(time.DateOnly) || o.Data.Previous != (analytics.KPIs{}) || o.Data.Change.Relative.Clicks != nil {
			t.Errorf("US5-1: range %s..%s, previous %+v, relative change of clicks %v; want today, zeros, null", o.Data.From, o.Data.To, o.Data.Previous, o.Data.Change.Relative.Clicks)
		}
		var byStrategy struct{ Data analytics.Overview }
		k.admin("/analytics/overview?strategy=collaborative").decode(t, &byStrategy)
		if byStrategy.Data.Current.Impressions != 0 {
			t.Errorf("impressions served by trending were counted under collaborative: %+v", byStrategy.Data.Current)
		}

		// 2: "last 30 days" → 30 daily points, today's holding the numbers.
		var ts struct{ Data []analytics.Point }
		k.admin("/analytics/timeseries").decode(t, &ts)
		if len(ts.Data) != 30 || ts.Data[29].KPIs != want || ts.Data[0].Impressions != 0 {
			t.Errorf("US5-2: %d points, last %+v", len(ts.Data), ts.Data[len(ts.Data)-1])
		}

		// 3: the CSV holds every number shown.
		csvBody := string(k.admin("/analytics/export.csv").Body)
		for _, line := range []string{
			fmt.Sprintf("current,%s,%s,,,,,,,,2,1,0.5,1,1,%s\r\n", o.Data.From, o.Data.To, number(want.Revenue)),
			fmt.Sprintf("breakdown,%s,%s,,home,trending,,,,,2,1,0.5,1,1,%s\r\n", o.Data.From, o.Data.To, number(want.Revenue)),
			fmt.Sprintf("product,%s,%s,,,,,,%s,%s,1,1,1,1,1,%s\r\n", o.Data.From, o.Data.To, bought.ProductID, bought.Name, number(want.Revenue)),
		} {
			if !strings.Contains(csvBody, line) {
				t.Errorf("US5-3: the CSV lacks %q:\n%s", line, csvBody)
			}
		}
	})
}

func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// TestAnalyticsValidation: every bad query names its parameter in a 400 problem.
func TestAnalyticsValidation(t *testing.T) {
	k := newKeyEnv(t, embedded)
	base := "/api/v1/tenants/" + k.tenant.ID + "/analytics/"
	for _, tc := range []struct{ path, field string }{
		{"overview?from=2026-13-01", "from"},
		{"overview?to=yesterday", "to"},
		{"timeseries?from=2026-11-20&to=2026-11-01", "from"},
		{"timeseries?from=2024-01-01&to=2026-11-01", "to"},
		{"overview?from=1999-12-01&to=1999-12-31", "from"},
		{"overview?to=9999-12-31", "to"},
		{"overview?from=2026-11-01&to=9999-12-31", "to"},
		{"overview?to=2000-01-10", "to"}, // the default from, 30 days back, is before 2000
		{"overview?strategy=magic", "strategy"},
		{"top-products?by=profit", "by"},
		{"top-products?limit=101", "limit"},
		{"top-products?limit=0", "limit"},
		{"export.csv?by=profit", "by"},
		{"export.csv?from=2026-02-30", "from"},
	} {
		res := k.do("GET", base+tc.path, nil, "Authorization", "Bearer "+k.token)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", tc.path, res.Status, res.Body)
			continue
		}
		p := res.problem(t)
		if len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: problem %+v, want field %q", tc.path, p, tc.field)
		}
	}
}
