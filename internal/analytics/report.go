package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Query is the range and filters every report takes: whole UTC days from From to To,
// both included.
type Query struct {
	From, To time.Time // midnights UTC
	recom.AnalyticsFilter
}

// Report limits.
const (
	MaxRangeDays   = 400
	DefaultDays    = 30
	DefaultTop     = 10
	minCTRShowings = 10 // impressions a product needs to rank by CTR
)

// TopMetrics are the orders of the top-products report.
var TopMetrics = []string{"revenue", "impressions", "clicks", "ctr"}

// ParseQuery reads the query strings of a report: from and to as YYYY-MM-DD (default:
// the 30 days ending today), placement and strategy. Errors name the parameter.
func ParseQuery(from, to, placement, strategy string, now time.Time) (Query, error) {
	var fs []recom.FieldError
	q := Query{To: recom.Day(now), AnalyticsFilter: recom.AnalyticsFilter{Placement: placement, Strategy: strategy}}
	if to != "" {
		d, err := time.Parse(time.DateOnly, to)
		if err != nil {
			fs = append(fs, recom.FieldError{Field: "to", Message: "must be a date such as 2026-11-25"})
		}
		q.To = d
	}
	q.From = q.To.AddDate(0, 0, -(DefaultDays - 1))
	if from != "" {
		d, err := time.Parse(time.DateOnly, from)
		if err != nil {
			fs = append(fs, recom.FieldError{Field: "from", Message: "must be a date such as 2026-11-01"})
		}
		q.From = d
	}
	if len(fs) == 0 {
		// Each date out of range is named; a default from (counted back from to) is not.
		if from != "" && (q.From.Year() < 2000 || q.From.Year() > 2200) {
			fs = append(fs, recom.FieldError{Field: "from", Message: "must be a date between 2000 and 2200"})
		}
		if q.To.Year() < 2000 || q.To.Year() > 2200 {
			fs = append(fs, recom.FieldError{Field: "to", Message: "must be a date between 2000 and 2200"})
		}
	}
	if len(fs) == 0 {
		switch {
		case q.From.Year() < 2000:
			earliest := time.Date(2000, 1, DefaultDays, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			fs = append(fs, recom.FieldError{Field: "to", Message: fmt.Sprintf("must be %s or later when from is not given (the range is then the %d days up to to)", earliest, DefaultDays)})
		case q.From.After(q.To):
			fs = append(fs, recom.FieldError{Field: "from", Message: "must not be after to"})
		case q.days() > MaxRangeDays:
			fs = append(fs, recom.FieldError{Field: "to", Message: "must be at most 400 days after from"})
		}
	}
	if strategy != "" && strategy != recom.UnknownStrategy && !slices.Contains(recom.ServedStrategies, strategy) {
		fs = append(fs, recom.FieldError{Field: "strategy", Message: "must be one of the served strategies or unknown"})
	}
	if len(fs) > 0 {
		return Query{}, recom.Invalid(fs...)
	}
	return q, nil
}

// days is the number of days in the range.
func (q Query) days() int { return int(q.To.Sub(q.From).Hours()/24) + 1 }

// previous is the range of equal length just before q.
func (q Query) previous() Query {
	n := q.days()
	p := q
	p.To = q.From.AddDate(0, 0, -1)
	p.From = q.From.AddDate(0, 0, -n)
	return p
}

// KPIs are the cards of the overview.
type KPIs struct {
	Impressions    int64   `json:"impressions"`
	Clicks         int64   `json:"clicks"`
	CTR            float64 `json:"ctr"` // clicks / impressions; 0 without impressions
	Conversions    int64   `json:"conversions"`
	ConversionRate float64 `json:"conversionRate"` // conversions / clicks; 0 without clicks
	Revenue        float64 `json:"revenue"`        // rounded to cents
}

func kpis(c recom.Counts) KPIs {
	return KPIs{Impressions: c.Impressions, Clicks: c.Clicks, CTR: ratio(c.Clicks, c.Impressions),
		Conversions: c.Conversions, ConversionRate: ratio(c.Conversions, c.Clicks), Revenue: cents(c.Revenue)}
}

// Relative are changes as fractions of the previous value (0.25 = +25 %), nil where the
// previous value is 0.
type Relative struct {
	Impressions    *float64 `json:"impressions"`
	Clicks         *float64 `json:"clicks"`
	CTR            *float64 `json:"ctr"`
	Conversions    *float64 `json:"conversions"`
	ConversionRate *float64 `json:"conversionRate"`
	Revenue        *float64 `json:"revenue"`
}

// Change is current minus previous, and the same relative to previous.
type Change struct {
	KPIs
	Relative Relative `json:"relative"`
}

// Overview is the KPI cards of a range and of the range of equal length before it.
type Overview struct {
	From         string `json:"from"`
	To           string `json:"to"`
	PreviousFrom string `json:"previousFrom"`
	PreviousTo   string `json:"previousTo"`
	Current      KPIs   `json:"current"`
	Previous     KPIs   `json:"previous"`
	Change       Change `json:"change"`
}

// Overview returns the KPI cards of the tenant for q.
func (s *Service) Overview(ctx context.Context, tenantID string, q Query) (Overview, error) {
	rows, err := s.withPrevious(ctx, tenantID, q)
	if err != nil {
		return Overview{}, err
	}
	return overviewOf(rows, q), nil
}

// withPrevious reads the rows of q and of the equal-length range before it: what every
// report of q is computed from.
func (s *Service) withPrevious(ctx context.Context, tenantID string, q Query) ([]recom.DailyRow, error) {
	return s.stores.Analytics.Daily(ctx, tenantID, q.previous().From, q.To, q.AnalyticsFilter)
}

// overviewOf computes the overview of q from rows of q and the range before it.
func overviewOf(rows []recom.DailyRow, q Query) Overview {
	p := q.previous()
	var cur, prev recom.Counts
	for _, r := range rows {
		if r.Day.Before(q.From) {
			prev.Add(r.Counts)
		} else {
			cur.Add(r.Counts)
		}
	}
	o := Overview{From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly),
		PreviousFrom: p.From.Format(time.DateOnly), PreviousTo: p.To.Format(time.DateOnly),
		Current: kpis(cur), Previous: kpis(prev)}
	c, v := o.Current, o.Previous
	o.Change.KPIs = KPIs{Impressions: c.Impressions - v.Impressions, Clicks: c.Clicks - v.Clicks,
		CTR: c.CTR - v.CTR, Conversions: c.Conversions - v.Conversions,
		ConversionRate: c.ConversionRate - v.ConversionRate, Revenue: cents(c.Revenue - v.Revenue)}
	o.Change.Relative = Relative{Impressions: relative(float64(c.Impressions), float64(v.Impressions)),
		Clicks: relative(float64(c.Clicks), float64(v.Clicks)), CTR: relative(c.CTR, v.CTR),
		Conversions:    relative(float64(c.Conversions), float64(v.Conversions)),
		ConversionRate: relative(c.ConversionRate, v.ConversionRate), Revenue: relative(c.Revenue, v.Revenue)}
	return o
}

// Point is one day of the time series.
type Point struct {
	Date string `json:"date"`
	KPIs
}

// TimeSeries returns one point per day of q, days without data as zeros.
func (s *Service) TimeSeries(ctx context.Context, tenantID string, q Query) ([]Point, error) {
	rows, err := s.stores.Analytics.Daily(ctx, tenantID, q.From, q.To, q.AnalyticsFilter)
	if err != nil {
		return nil, err
	}
	return seriesOf(rows, q), nil
}

// seriesOf computes the points of q from rows (rows before q are left out).
func seriesOf(rows []recom.DailyRow, q Query) []Point {
	byDay := map[time.Time]*recom.Counts{}
	for _, r := range rows {
		if r.Day.Before(q.From) {
			continue
		}
		c := byDay[r.Day]
		if c == nil {
			c = &recom.Counts{}
			byDay[r.Day] = c
		}
		c.Add(r.Counts)
	}
	points := make([]Point, 0, q.days())
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		var c recom.Counts
		if byDay[d] != nil {
			c = *byDay[d]
		}
		points = append(points, Point{Date: d.Format(time.DateOnly), KPIs: kpis(c)})
	}
	return points
}

// Breakdown is a range's counts for one placement, strategy and experiment arm.
type Breakdown struct {
	recom.Dims
	KPIs
}

// Breakdown returns the range's counts per placement, strategy and arm.
func (s *Service) Breakdown(ctx context.Context, tenantID string, q Query) ([]Breakdown, error) {
	rows, err := s.stores.Analytics.Daily(ctx, tenantID, q.From, q.To, q.AnalyticsFilter)
	if err != nil {
		return nil, err
	}
	return breakdownOf(rows, q), nil
}

// breakdownOf sums rows of q per dims (rows before q are left out).
func breakdownOf(rows []recom.DailyRow, q Query) []Breakdown {
	sums := map[recom.Dims]*recom.Counts{}
	var dims []recom.Dims
	for _, r := range rows {
		if r.Day.Before(q.From) {
			continue
		}
		c := sums[r.Dims]
		if c == nil {
			c = &recom.Counts{}
			sums[r.Dims] = c
			dims = append(dims, r.Dims)
		}
		c.Add(r.Counts)
	}
	slices.SortFunc(dims, compareDims)
	out := make([]Breakdown, len(dims))
	for i, d := range dims {
		out[i] = Breakdown{Dims: d, KPIs: kpis(*sums[d])}
	}
	return out
}

// TopProduct is a product's performance over a range.
type TopProduct struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"` // "" when the product left the catalog
	Category  string `json:"category"`
	KPIs
}

// TopProducts returns up to limit products of the range ordered by "revenue",
// "impressions", "clicks" or "ctr" (products with at least 10 impressions).
func (s *Service) TopProducts(ctx context.Context, tenantID string, q Query, by string, limit int) ([]TopProduct, error) {
	if !slices.Contains(TopMetrics, by) {
		return nil, recom.Invalid(recom.FieldError{Field: "by", Message: "must be one of revenue, impressions, clicks, ctr"})
	}
	totals, err := s.stores.Analytics.ProductTotals(ctx, tenantID, q.From, q.To, q.AnalyticsFilter, by, minCTRShowings, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(totals))
	for i, t := range totals {
		ids[i] = t.ProductID
	}
	items, err := s.stores.Catalog.FindItemsByIDs(ctx, tenantID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]recom.CatalogItem, len(items))
	for _, it := range items {
		byID[it.ProductID] = it
	}
	out := make([]TopProduct, len(totals))
	for i, t := range totals {
		it := byID[t.ProductID]
		out[i] = TopProduct{ProductID: t.ProductID, Name: it.Name, Category: it.Category, KPIs: kpis(t.Counts)}
	}
	return out, nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// cents rounds money to two decimals: sums of float prices carry binary noise that a
// merchant would see as 12.299999999.
func cents(x float64) float64 { return math.Round(x*100) / 100 }

func relative(cur, prev float64) *float64 {
	if prev == 0 {
		return nil
	}
	r := (cur - prev) / prev
	return &r
}
