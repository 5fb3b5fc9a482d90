package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/recomengine/recomengine/internal/recom"
)

// day0 is the first day of the analytics tests; dayN(n) is n days later.
var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func dayN(n int) time.Time { return day0.AddDate(0, 0, n) }

// testAnalyticsMarks: AppendEvents marks stale, in its own transaction, the day of each
// new impression, click and purchase, and for a click also the days its attribution
// window reaches (30 minutes by default, the tenant's own otherwise); other types and
// duplicates mark nothing; a day changed again gets a newer version.
func testAnalyticsMarks(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	a, b := newTenant(t, s, owner.ID, t0), newTenantWindow(t, s, owner.ID, 1440)
	impression := analyticEvent(a.ID, "u1", "p1", recom.RecommendationImpressed, dayN(0).Add(10*time.Hour))
	events := []recom.Event{
		impression,
		analyticEvent(a.ID, "u1", "p2", recom.RecommendationImpressed, dayN(0).Add(11*time.Hour)), // same day
		analyticEvent(a.ID, "u1", "p1", recom.Purchase, dayN(1).Add(12*time.Hour)),
		analyticEvent(a.ID, "u1", "p1", recom.RecommendationClicked, dayN(2).Add(23*time.Hour+50*time.Minute)), // window ends on day 3
		analyticEvent(a.ID, "u1", "p1", recom.RecommendationClicked, dayN(5).Add(10*time.Hour)),                // window ends on day 5
		analyticEvent(a.ID, "u1", "p1", recom.RecommendationClicked, dayN(7).Add(23*time.Hour+29*time.Minute)), // ends 23:59, day 7
		analyticEvent(a.ID, "u1", "p1", recom.ProductViewed, dayN(10)),
		analyticEvent(a.ID, "u1", "p1", recom.AddToCart, dayN(11)),
		analyticEvent(b.ID, "u1", "p1", recom.RecommendationClicked, dayN(0).Add(12*time.Hour)), // 1440 minutes: day 1
		analyticEvent(b.ID, "u1", "p1", recom.ProductClicked, dayN(4)),
	}
	appendEvents(t, s, events, slices.Repeat([]bool{true}, len(events))...)
	want := []string{a.ID + " 0", a.ID + " 1", a.ID + " 2", a.ID + " 3", a.ID + " 5", a.ID + " 7",
		b.ID + " 0", b.ID + " 1"}
	slices.Sort(want)
	if diff := cmp.Diff(want, staleKeysSorted(t, s)); diff != "" {
		t.Fatalf("stale marks (tenant, day) (-want +got):\n%s", diff)
	}

	// Duplicates, and events of other types, mark nothing.
	appendEvents(t, s, []recom.Event{impression, events[2], events[8]}, false, false, false)
	appendEvents(t, s, []recom.Event{analyticEvent(a.ID, "u2", "p1", recom.ProductViewed, dayN(0))}, true)
	if diff := cmp.Diff(want, staleKeysSorted(t, s)); diff != "" {
		t.Errorf("marks after duplicates and a view (-before +after):\n%s", diff)
	}

	// A new event of a marked day keeps it stale through a rollup read before the event;
	// a day without one is cleared by such a rollup.
	read := map[string]recom.StaleDay{}
	days, err := s.Analytics.StaleDays(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		read[markKey(d)] = d
	}
	appendEvents(t, s, []recom.Event{
		analyticEvent(a.ID, "u2", "p1", recom.RecommendationImpressed, dayN(0).Add(time.Hour)),
		analyticEvent(b.ID, "u2", "p1", recom.RecommendationClicked, dayN(1).Add(time.Hour)), // days 1 and 2
	}, true, true)
	for _, k := range []string{a.ID + " 0", b.ID + " 1", a.ID + " 1", a.ID + " 2"} {
		replaceDay(t, s, read[k], recom.DayRollup{})
	}
	got := staleKeysSorted(t, s)
	for _, k := range []string{a.ID + " 0", b.ID + " 1", b.ID + " 2"} {
		if !slices.Contains(got, k) {
			t.Errorf("day %s, changed after the rollup's read, is not stale: %v", k, got)
		}
	}
	for _, k := range []string{a.ID + " 1", a.ID + " 2"} {
		if slices.Contains(got, k) {
			t.Errorf("day %s, rolled up and unchanged since, is still stale: %v", k, got)
		}
	}
}

// staleKeysSorted returns the markKeys of every stale day, sorted.
func staleKeysSorted(t *testing.T, s recom.Stores) []string {
	t.Helper()
	return slices.Sorted(slices.Values(staleKeys(t, s)))
}

// testAnalyticsStaleDays: oldest day first, then by tenant id; at most limit (0: all).
func testAnalyticsStaleDays(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	a, b := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	if a.ID > b.ID {
		a, b = b, a
	}
	appendEvents(t, s, []recom.Event{
		analyticEvent(b.ID, "u1", "p1", recom.RecommendationImpressed, dayN(2)),
		analyticEvent(a.ID, "u1", "p1", recom.RecommendationImpressed, dayN(3)),
		analyticEvent(a.ID, "u1", "p1", recom.Purchase, dayN(1)),
		analyticEvent(b.ID, "u1", "p1", recom.Purchase, dayN(1)),
	}, true, true, true, true)
	all := []string{a.ID + " 1", b.ID + " 1", b.ID + " 2", a.ID + " 3"}
	for _, tt := range []struct {
		limit int
		want  []string
	}{{0, all}, {10, all}, {3, all[:3]}, {1, all[:1]}} {
		days, err := s.Analytics.StaleDays(t.Context(), tt.limit)
		if err != nil {
			t.Fatalf("StaleDays(%d): %v", tt.limit, err)
		}
		var got []string
		for _, d := range days {
			got = append(got, markKey(d))
			wantUTC(t, "stale Day", d.Day)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("StaleDays(%d) (-want +got):\n%s", tt.limit, diff)
		}
	}
}

// testAnalyticsReplaceDay: ReplaceDay replaces the day's rows whole, and clears its mark
// only if the day did not change since StaleDays listed it.
func testAnalyticsReplaceDay(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	appendEvents(t, s, []recom.Event{
		analyticEvent(tenant.ID, "u1", "p1", recom.RecommendationImpressed, dayN(1).Add(time.Hour)),
		analyticEvent(tenant.ID, "u1", "p1", recom.RecommendationImpressed, dayN(2).Add(time.Hour)),
	}, true, true)
	d := staleDay(t, s, tenant.ID, dayN(1))
	first := recom.DayRollup{
		Daily: []recom.DailyRow{
			dailyRow(dayN(1), "home", "trending", "", "", 10, 2, 1, 20.5, 7),
			dailyRow(dayN(1), "home", "collaborative", "e1", "b", 8, 1, 0, 0, 5),
		},
		Products: []recom.ProductDailyRow{
			productRow(dayN(1), "home", "trending", "p1", 6, 2, 1, 20.5),
			productRow(dayN(1), "home", "trending", "p2", 4, 0, 0, 0),
		},
		Attributions: []recom.Attribution{attribution(tenant.ID, "o1", "p1", dayN(1).Add(2*time.Hour), 20.5)},
	}
	replaceDay(t, s, d, first)
	if got := daily(t, s, tenant.ID, dayN(1), dayN(1), recom.AnalyticsFilter{}); len(got) != 2 {
		t.Errorf("Daily after ReplaceDay = %d rows, want 2", len(got))
	}
	if keys := staleKeys(t, s); slices.Contains(keys, markKey(d)) || !slices.Contains(keys, tenant.ID+" 2") {
		t.Errorf("stale days after ReplaceDay of day 1 = %v; want day 2 only", keys)
	}

	// Day 1 changes again: a second rollup with fewer rows leaves only those.
	appendEvents(t, s, []recom.Event{analyticEvent(tenant.ID, "u2", "p1", recom.RecommendationImpressed, dayN(1).Add(3*time.Hour))}, true)
	d = staleDay(t, s, tenant.ID, dayN(1))
	second := recom.DayRollup{
		Daily:    []recom.DailyRow{dailyRow(dayN(1), "home", "trending", "", "", 11, 2, 0, 0, 8)},
		Products: []recom.ProductDailyRow{productRow(time.Time{}, "home", "trending", "p1", 11, 2, 0, 0)}, // zero Day: d's
	}
	replaceDay(t, s, d, second)
	if diff := cmp.Diff(second.Daily, daily(t, s, tenant.ID, dayN(1), dayN(1), recom.AnalyticsFilter{})); diff != "" {
		t.Errorf("Daily after the second ReplaceDay (-want +got):\n%s", diff)
	}
	wantTotals := []recom.ProductTotal{{ProductID: "p1", Counts: recom.Counts{Impressions: 11, Clicks: 2}}}
	if diff := cmp.Diff(wantTotals, productTotals(t, s, tenant.ID, dayN(1), dayN(1), recom.AnalyticsFilter{}, "impressions", 0, 0)); diff != "" {
		t.Errorf("ProductTotals after the second ReplaceDay (-want +got):\n%s", diff)
	}
	if got := attributions(t, s, tenant.ID, dayN(0), dayN(3)); len(got) != 0 {
		t.Errorf("Attributions after a ReplaceDay without any = %v, want none", got)
	}

	// A mark upserted between StaleDays and ReplaceDay survives: the day is rolled up again.
	appendEvents(t, s, []recom.Event{analyticEvent(tenant.ID, "u3", "p1", recom.RecommendationImpressed, dayN(1).Add(4*time.Hour))}, true)
	d = staleDay(t, s, tenant.ID, dayN(1))
	appendEvents(t, s, []recom.Event{analyticEvent(tenant.ID, "u4", "p1", recom.RecommendationImpressed, dayN(1).Add(5*time.Hour))}, true)
	replaceDay(t, s, d, first)
	again := staleDay(t, s, tenant.ID, dayN(1))
	if again.Version == d.Version {
		t.Errorf("mark re-upserted during the rollup kept its version %q", d.Version)
	}
	if got := daily(t, s, tenant.ID, dayN(1), dayN(1), recom.AnalyticsFilter{}); len(got) != 2 {
		t.Errorf("Daily after ReplaceDay of a changed day = %d rows, want 2 (rows are replaced anyway)", len(got))
	}
	replaceDay(t, s, again, second)
	if keys := staleKeys(t, s); slices.Contains(keys, markKey(again)) {
		t.Errorf("stale days after the rollup of the latest version = %v, want day 1 cleared", keys)
	}

	// Rows of another day are refused, and change nothing.
	bad := []recom.DayRollup{
		{Daily: []recom.DailyRow{dailyRow(dayN(2), "home", "trending", "", "", 1, 0, 0, 0, 1)}},
		{Products: []recom.ProductDailyRow{productRow(dayN(0), "home", "trending", "p1", 1, 0, 0, 0)}},
		{Attributions: []recom.Attribution{attribution(tenant.ID, "o9", "p1", dayN(2), 1)}},
	}
	for i, r := range bad {
		if err := s.Analytics.ReplaceDay(ctx, again, r); err == nil {
			t.Errorf("ReplaceDay #%d with a row of another day succeeded; want an error", i)
		}
	}
	if diff := cmp.Diff(second.Daily, daily(t, s, tenant.ID, dayN(0), dayN(3), recom.AnalyticsFilter{})); diff != "" {
		t.Errorf("Daily after refused ReplaceDays (-want +got):\n%s", diff)
	}
}

// testAnalyticsAttributionOnce: a line (order, product) holds one credit. Replacing
// another day with a credit of the same line moves it there (the caller decided that
// day's purchase came first, and passes that day in Stale to be marked in the same
// transaction); FindAttributions finds lines by key.
func testAnalyticsAttributionOnce(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	day1 := recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}
	day2 := recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}
	retried := attribution(tenant.ID, "o1", "p1", dayN(2).Add(time.Minute), 10)
	first := attribution(tenant.ID, "o1", "p1", dayN(1).Add(23*time.Hour+59*time.Minute), 10) // the same line, earlier
	other2 := attribution(tenant.ID, "o2", "p1", dayN(2).Add(2*time.Minute), 5)
	theirs := attribution(other.ID, "o1", "p1", dayN(2).Add(time.Minute), 7)
	replaceDay(t, s, day2, recom.DayRollup{Attributions: []recom.Attribution{retried, other2}})
	replaceDay(t, s, recom.StaleDay{TenantID: other.ID, Day: dayN(2)}, recom.DayRollup{Attributions: []recom.Attribution{theirs}})
	replaceDay(t, s, day1, recom.DayRollup{Attributions: []recom.Attribution{first}})
	if diff := cmp.Diff([]recom.Attribution{first, other2}, attributions(t, s, tenant.ID, dayN(0), dayN(3))); diff != "" {
		t.Errorf("Attributions after the earlier day took the line (-want +got):\n%s", diff)
	}
	found, err := s.Analytics.FindAttributions(ctx, tenant.ID, []recom.OrderLine{{OrderID: "o1", ProductID: "p1"}, {OrderID: "o9", ProductID: "p1"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]recom.Attribution{first}, found); diff != "" {
		t.Errorf("FindAttributions (-want +got):\n%s", diff)
	}
	// Day 1 rolled up without the line frees it; day 2 takes it again.
	replaceDay(t, s, day1, recom.DayRollup{})
	replaceDay(t, s, day2, recom.DayRollup{Attributions: []recom.Attribution{retried, other2}})
	if diff := cmp.Diff([]recom.Attribution{retried, other2}, attributions(t, s, tenant.ID, dayN(0), dayN(3))); diff != "" {
		t.Errorf("Attributions after day 2 rolled up again (-want +got):\n%s", diff)
	}
	// A rollup that moves a credit here marks the day it came from, with its own writes.
	if days, err := s.Analytics.StaleDays(ctx, 0); err != nil || len(days) != 0 {
		t.Fatalf("StaleDays before = %v, %v; want none", days, err)
	}
	replaceDay(t, s, day1, recom.DayRollup{Attributions: []recom.Attribution{first}, Stale: []time.Time{dayN(2)}})
	days, err := s.Analytics.StaleDays(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || days[0].TenantID != tenant.ID || !days[0].Day.Equal(dayN(2)) {
		t.Errorf("StaleDays after a rollup that took day 2's credit = %+v, want day 2 of the tenant", days)
	}
}

// testAnalyticsAttributions: credits of purchases in [from, to), oldest first (then by
// order and product), every field as written; none of another tenant's.
func testAnalyticsAttributions(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	at := dayN(1).Add(9*time.Hour + 123456*time.Microsecond)
	a1 := attribution(tenant.ID, "o2", "p1", at, 19.99)
	a1.Dims = recom.Dims{Placement: "cart", Strategy: "fbt", ExperimentID: "exp-1", Variant: "b"}
	a1.Quantity, a1.UserID, a1.RecommendationID = 3, "user-ü", "rec-9"
	a2 := attribution(tenant.ID, "o1", "p2", at, 5) // same time: order o1 first
	a3 := attribution(tenant.ID, "o1", "p1", at, 5) // then product p1
	a4 := attribution(tenant.ID, "o3", "p1", dayN(1).Add(10*time.Hour), 1)
	a5 := attribution(tenant.ID, "o4", "p1", dayN(2), 1)
	theirs := attribution(other.ID, "o1", "p1", at, 7)
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}, recom.DayRollup{Attributions: []recom.Attribution{a4, a1, a2, a3}})
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}, recom.DayRollup{Attributions: []recom.Attribution{a5}})
	replaceDay(t, s, recom.StaleDay{TenantID: other.ID, Day: dayN(1)}, recom.DayRollup{Attributions: []recom.Attribution{theirs}})
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     []recom.Attribution
	}{
		{"days", dayN(0), dayN(3), []recom.Attribution{a3, a2, a1, a4, a5}},
		{"from inclusive, to exclusive", at, a4.PurchasedAt, []recom.Attribution{a3, a2, a1}},
		{"a day", dayN(1), dayN(2), []recom.Attribution{a3, a2, a1, a4}},
		{"within a day", at.Add(time.Microsecond), dayN(3), []recom.Attribution{a4, a5}},
		{"in another zone", dayN(2).In(time.FixedZone("EST", -5*3600)), dayN(3), []recom.Attribution{a5}},
		{"none", dayN(3), dayN(9), []recom.Attribution{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := attributions(t, s, tenant.ID, tt.from, tt.to)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Attributions (-want +got):\n%s", diff)
			}
			if got == nil {
				t.Error("Attributions returned a nil slice; want an empty one (JSON [])")
			}
			for _, a := range got {
				wantUTC(t, "attribution PurchasedAt", a.PurchasedAt)
				wantUTC(t, "attribution ClickedAt", a.ClickedAt)
			}
		})
	}
}

// testAnalyticsDaily: rows of days from..to inclusive, by day then dims, filtered by
// placement and strategy; none of another tenant's.
func testAnalyticsDaily(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	r1a := dailyRow(dayN(1), "home", "trending", "", "", 10, 1, 0, 0, 4)
	r1b := dailyRow(dayN(1), "cart", "trending", "", "", 5, 1, 1, 12.25, 3)
	r1c := dailyRow(dayN(1), "home", "collaborative", "e1", "b", 7, 2, 1, 3.5, 2)
	r1d := dailyRow(dayN(1), "home", "collaborative", "e1", "a", 7, 0, 0, 0, 2)
	r2 := dailyRow(dayN(2), "home", "trending", "", "", 4, 0, 0, 0, 1)
	r3 := dailyRow(dayN(3), "cart", "collaborative", "", "", 1, 1, 0, 0, 1)
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}, recom.DayRollup{Daily: []recom.DailyRow{r1a, r1b, r1c, r1d}})
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(3)}, recom.DayRollup{Daily: []recom.DailyRow{r3}})
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}, recom.DayRollup{Daily: []recom.DailyRow{r2}})
	replaceDay(t, s, recom.StaleDay{TenantID: other.ID, Day: dayN(2)}, recom.DayRollup{
		Daily: []recom.DailyRow{dailyRow(dayN(2), "home", "trending", "", "", 99, 9, 9, 99, 9)}})
	for _, tt := range []struct {
		name     string
		from, to time.Time
		f        recom.AnalyticsFilter
		want     []recom.DailyRow
	}{
		{"all", dayN(0), dayN(9), recom.AnalyticsFilter{}, []recom.DailyRow{r1b, r1d, r1c, r1a, r2, r3}},
		{"inclusive", dayN(2), dayN(3), recom.AnalyticsFilter{}, []recom.DailyRow{r2, r3}},
		{"one day", dayN(2), dayN(2), recom.AnalyticsFilter{}, []recom.DailyRow{r2}},
		{"placement", dayN(0), dayN(9), recom.AnalyticsFilter{Placement: "cart"}, []recom.DailyRow{r1b, r3}},
		{"strategy", dayN(0), dayN(9), recom.AnalyticsFilter{Strategy: "collaborative"}, []recom.DailyRow{r1d, r1c, r3}},
		{"both", dayN(0), dayN(9), recom.AnalyticsFilter{Placement: "home", Strategy: "trending"}, []recom.DailyRow{r1a, r2}},
		{"no match", dayN(0), dayN(9), recom.AnalyticsFilter{Placement: "search"}, []recom.DailyRow{}},
		{"no days", dayN(4), dayN(9), recom.AnalyticsFilter{}, []recom.DailyRow{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := daily(t, s, tenant.ID, tt.from, tt.to, tt.f)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Daily (-want +got):\n%s", diff)
			}
			if got == nil {
				t.Error("Daily returned a nil slice; want an empty one (JSON [])")
			}
			for _, r := range got {
				wantUTC(t, "daily Day", r.Day)
			}
		})
	}
	if got := daily(t, s, recom.NewID(), dayN(0), dayN(9), recom.AnalyticsFilter{}); len(got) != 0 {
		t.Errorf("Daily of an unknown tenant = %v, want none", got)
	}
}

// testAnalyticsProductTotals: products summed over days from..to inclusive and the
// filters, ranked by the metric (ties by product id), ctr only over products with enough
// impressions, at most limit; none of another tenant's.
func testAnalyticsProductTotals(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}, recom.DayRollup{Products: []recom.ProductDailyRow{
		productRow(dayN(1), "home", "trending", "p1", 100, 5, 1, 10),
		productRow(dayN(1), "cart", "trending", "p1", 50, 5, 0, 0),
		productRow(dayN(1), "home", "trending", "p2", 10, 4, 2, 40.5),
		productRow(dayN(1), "home", "collaborative", "p3", 20, 2, 0, 0),
		productRow(dayN(1), "home", "trending", "p5", 0, 0, 0, 0), // no count at all
	}})
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}, recom.DayRollup{Products: []recom.ProductDailyRow{
		productRow(dayN(2), "home", "trending", "p2", 10, 0, 0, 0),
		productRow(dayN(2), "home", "trending", "p4", 0, 3, 1, 2.25), // clicks without impressions
	}})
	replaceDay(t, s, recom.StaleDay{TenantID: other.ID, Day: dayN(1)}, recom.DayRollup{Products: []recom.ProductDailyRow{
		productRow(dayN(1), "home", "trending", "p9", 1000, 900, 90, 900),
	}})
	total := func(id string, impressions, clicks, conversions int64, revenue float64) recom.ProductTotal {
		return recom.ProductTotal{ProductID: id, Counts: recom.Counts{Impressions: impressions, Clicks: clicks,
			Conversions: conversions, Revenue: revenue}}
	}
	p1, p2, p3, p4 := total("p1", 150, 10, 1, 10), total("p2", 20, 4, 2, 40.5), total("p3", 20, 2, 0, 0), total("p4", 0, 3, 1, 2.25)
	p1home, p2day1 := total("p1", 100, 5, 1, 10), total("p2", 10, 4, 2, 40.5)
	all := recom.AnalyticsFilter{}
	for _, tt := range []struct {
		name           string
		from, to       time.Time
		f              recom.AnalyticsFilter
		by             string
		minImpressions int64
		limit          int
		want           []recom.ProductTotal
	}{
		{"impressions", dayN(1), dayN(2), all, "impressions", 0, 0, []recom.ProductTotal{p1, p2, p3, p4}}, // p2, p3 tie
		{"clicks", dayN(1), dayN(2), all, "clicks", 0, 0, []recom.ProductTotal{p1, p2, p4, p3}},
		{"revenue", dayN(1), dayN(2), all, "revenue", 0, 0, []recom.ProductTotal{p2, p1, p4, p3}},
		{"ctr", dayN(1), dayN(2), all, "ctr", 0, 0, []recom.ProductTotal{p2, p3, p1, p4}}, // p4: no impressions, last
		{"ctr with min impressions", dayN(1), dayN(2), all, "ctr", 21, 0, []recom.ProductTotal{p1}},
		{"min impressions inclusive", dayN(1), dayN(2), all, "ctr", 20, 0, []recom.ProductTotal{p2, p3, p1}},
		{"min impressions only for ctr", dayN(1), dayN(2), all, "clicks", 1000, 0, []recom.ProductTotal{p1, p2, p4, p3}},
		{"limit", dayN(1), dayN(2), all, "clicks", 0, 2, []recom.ProductTotal{p1, p2}},
		{"one day", dayN(1), dayN(1), all, "clicks", 0, 0, []recom.ProductTotal{p1, p2day1, p3}},
		{"placement", dayN(1), dayN(2), recom.AnalyticsFilter{Placement: "home"}, "impressions", 0, 0,
			[]recom.ProductTotal{p1home, p2, p3, p4}},
		{"strategy", dayN(1), dayN(2), recom.AnalyticsFilter{Strategy: "collaborative"}, "revenue", 0, 0, []recom.ProductTotal{p3}},
		{"no days", dayN(3), dayN(9), all, "clicks", 0, 0, []recom.ProductTotal{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := productTotals(t, s, tenant.ID, tt.from, tt.to, tt.f, tt.by, tt.minImpressions, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ProductTotals (-want +got):\n%s", diff)
			}
			if got == nil {
				t.Error("ProductTotals returned a nil slice; want an empty one (JSON [])")
			}
		})
	}
	_, err := s.Analytics.ProductTotals(t.Context(), tenant.ID, dayN(1), dayN(2), all, "views", 0, 0)
	if err == nil {
		t.Error("ProductTotals by an unknown metric succeeded; want an error")
	}
}

// testEventScanBetween: events in [from, to) of the types given (all when none), oldest
// first; none of another tenant's.
func testEventScanBetween(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := analyticEvent(tenant.ID, "u1", "p1", recom.RecommendationClicked, dayN(0).Add(23*time.Hour+50*time.Minute))
	e2 := analyticEvent(tenant.ID, "u1", "p1", recom.RecommendationImpressed, dayN(1))
	e3 := analyticEvent(tenant.ID, "u1", "p1", recom.Purchase, dayN(1).Add(time.Hour))
	e4 := analyticEvent(tenant.ID, "u1", "p1", recom.ProductViewed, dayN(1).Add(2*time.Hour))
	e5 := analyticEvent(tenant.ID, "u2", "p1", recom.RecommendationClicked, dayN(2))
	theirs := analyticEvent(other.ID, "u1", "p1", recom.Purchase, dayN(1).Add(time.Hour))
	appendEvents(t, s, []recom.Event{e5, theirs, e3, e1, e4, e2}, true, true, true, true, true, true)
	clicks := []recom.EventType{recom.RecommendationClicked}
	for _, tt := range []struct {
		name     string
		from, to time.Time
		types    []recom.EventType
		want     []recom.Event
	}{
		{"a day", dayN(1), dayN(2), nil, []recom.Event{e2, e3, e4}},
		{"from inclusive, to exclusive", e1.Timestamp, e4.Timestamp, nil, []recom.Event{e1, e2, e3}},
		{"empty types: all", dayN(0), dayN(3), []recom.EventType{}, []recom.Event{e1, e2, e3, e4, e5}},
		{"one type", dayN(0), dayN(3), clicks, []recom.Event{e1, e5}},
		{"one type, to exclusive", dayN(0), dayN(2), clicks, []recom.Event{e1}},
		{"two types", dayN(1), dayN(3), []recom.EventType{recom.Purchase, recom.RecommendationImpressed}, []recom.Event{e2, e3}},
		{"window before a day", dayN(1).Add(-30 * time.Minute), dayN(2), clicks, []recom.Event{e1}},
		{"none", dayN(3), dayN(9), nil, nil},
		{"empty range", dayN(1), dayN(1), nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []recom.Event
			err := s.Events.ScanEventsBetween(t.Context(), tenant.ID, tt.from, tt.to, tt.types, func(chunk []recom.Event) error {
				got = append(got, chunk...)
				return nil
			})
			if err != nil {
				t.Fatalf("ScanEventsBetween: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpEvents); diff != "" {
				t.Errorf("ScanEventsBetween (-want +got):\n%s", diff)
			}
		})
	}
	stop := errors.New("stop")
	err := s.Events.ScanEventsBetween(t.Context(), tenant.ID, dayN(0), dayN(3), nil, func([]recom.Event) error { return stop })
	if err != stop {
		t.Errorf("ScanEventsBetween with fn failing = %v; want fn's error", err)
	}
}

// testAnalyticsExclusive: a run under a name refuses another under the same name until it
// ends; other names are independent; fn's error is returned as is.
func testAnalyticsExclusive(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	inner, other := 0, 0
	ran, err := s.Analytics.Exclusive(ctx, "rollup", func(ctx context.Context) error {
		ran, err := s.Analytics.Exclusive(ctx, "rollup", func(context.Context) error { inner++; return nil })
		if ran || err != nil {
			t.Errorf("Exclusive during a run of the same name = %v, %v; want false, nil", ran, err)
		}
		ran, err = s.Analytics.Exclusive(ctx, "other", func(context.Context) error { other++; return nil })
		if !ran || err != nil {
			t.Errorf("Exclusive of another name during a run = %v, %v; want true, nil", ran, err)
		}
		return nil
	})
	if !ran || err != nil || inner != 0 || other != 1 {
		t.Errorf("Exclusive = %v, %v (inner runs %d, other %d); want true, nil, 0, 1", ran, err, inner, other)
	}
	fail := errors.New("fail")
	for i := range 2 { // the lock is free again after a run, also after one failing
		ran, err = s.Analytics.Exclusive(ctx, "rollup", func(context.Context) error { return fail })
		if !ran || err != fail {
			t.Errorf("Exclusive #%d after a run = %v, %v; want true and fn's error", i+2, ran, err)
		}
	}
}

// newTenantWindow stores an active tenant of the owner with the attribution window.
func newTenantWindow(t *testing.T, s recom.Stores, ownerID string, minutes int) recom.Tenant {
	t.Helper()
	config := recom.DefaultTenantConfig()
	config.AttributionWindowMinutes = minutes
	tenant, err := s.Tenants.CreateTenant(t.Context(), recom.Tenant{ID: recom.NewID(), OwnerID: ownerID,
		Name: "Shop", Status: recom.TenantActive, Config: config, CreatedAt: t0, UpdatedAt: t0})
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return tenant
}

// analyticEvent is newEvent with the fields its type requires.
func analyticEvent(tenantID, userID, productID string, typ recom.EventType, at time.Time) recom.Event {
	e := newEvent(tenantID, userID, productID, typ, at)
	switch typ {
	case recom.RecommendationImpressed, recom.RecommendationClicked:
		e.RecommendationID, e.Placement = "rec-"+userID, "home"
	case recom.Purchase:
		quantity := 1
		e.OrderID, e.Quantity = "order-"+userID, &quantity
	}
	return e
}

// markKey is "<tenant> <day number>" of a stale day, day 0 being day0.
func markKey(d recom.StaleDay) string {
	return fmt.Sprint(d.TenantID, " ", int(d.Day.Sub(day0)/(24*time.Hour)))
}

// staleKeys returns the markKeys of every stale day, in StaleDays' order.
func staleKeys(t *testing.T, s recom.Stores) []string {
	t.Helper()
	days, err := s.Analytics.StaleDays(t.Context(), 0)
	if err != nil {
		t.Fatalf("StaleDays: %v", err)
	}
	keys := []string{}
	for _, d := range days {
		keys = append(keys, markKey(d))
	}
	return keys
}

// staleDay returns the mark of the tenant's day, failing the test if there is none.
func staleDay(t *testing.T, s recom.Stores, tenantID string, day time.Time) recom.StaleDay {
	t.Helper()
	days, err := s.Analytics.StaleDays(t.Context(), 0)
	if err != nil {
		t.Fatalf("StaleDays: %v", err)
	}
	for _, d := range days {
		if d.TenantID == tenantID && d.Day.Equal(day) {
			return d
		}
	}
	t.Fatalf("no stale mark of %s for tenant %s", day.Format(time.DateOnly), tenantID)
	return recom.StaleDay{}
}

func replaceDay(t *testing.T, s recom.Stores, d recom.StaleDay, r recom.DayRollup) {
	t.Helper()
	if err := s.Analytics.ReplaceDay(t.Context(), d, r); err != nil {
		t.Fatalf("ReplaceDay %s of %s: %v", d.Day.Format(time.DateOnly), d.TenantID, err)
	}
}

func daily(t *testing.T, s recom.Stores, tenantID string, from, to time.Time, f recom.AnalyticsFilter) []recom.DailyRow {
	t.Helper()
	rows, err := s.Analytics.Daily(t.Context(), tenantID, from, to, f)
	if err != nil {
		t.Fatalf("Daily: %v", err)
	}
	return rows
}

func productTotals(t *testing.T, s recom.Stores, tenantID string, from, to time.Time, f recom.AnalyticsFilter,
	by string, minImpressions int64, limit int) []recom.ProductTotal {
	t.Helper()
	got, err := s.Analytics.ProductTotals(t.Context(), tenantID, from, to, f, by, minImpressions, limit)
	if err != nil {
		t.Fatalf("ProductTotals: %v", err)
	}
	return got
}

func attributions(t *testing.T, s recom.Stores, tenantID string, from, to time.Time) []recom.Attribution {
	t.Helper()
	got, err := s.Analytics.Attributions(t.Context(), tenantID, from, to)
	if err != nil {
		t.Fatalf("Attributions: %v", err)
	}
	return got
}

func dailyRow(day time.Time, placement, strategy, experimentID, variant string,
	impressions, clicks, conversions int64, revenue float64, users int64) recom.DailyRow {
	return recom.DailyRow{Day: day,
		Dims:   recom.Dims{Placement: placement, Strategy: strategy, ExperimentID: experimentID, Variant: variant},
		Counts: recom.Counts{Impressions: impressions, Clicks: clicks, Conversions: conversions, Revenue: revenue},
		Users:  users}
}

func productRow(day time.Time, placement, strategy, productID string,
	impressions, clicks, conversions int64, revenue float64) recom.ProductDailyRow {
	return recom.ProductDailyRow{Day: day, Placement: placement, Strategy: strategy, ProductID: productID,
		Counts: recom.Counts{Impressions: impressions, Clicks: clicks, Conversions: conversions, Revenue: revenue}}
}

// attribution credits the line to a click 10 minutes before the purchase.
func attribution(tenantID, orderID, productID string, purchasedAt time.Time, revenue float64) recom.Attribution {
	return recom.Attribution{TenantID: tenantID, OrderID: orderID, ProductID: productID, UserID: "u1",
		PurchasedAt: purchasedAt, ClickedAt: purchasedAt.Add(-10 * time.Minute),
		RecommendationID: "rec-" + strings.ToLower(orderID),
		Dims:             recom.Dims{Placement: "home", Strategy: "trending"}, Quantity: 1, Revenue: revenue}
}
