package experiment

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/stats"
)

// Analysis parameters (DESIGN §5, STATS.md).
const (
	alpha = 0.05
	power = 0.8
	// expectedDays is the horizon whose expected sample tunes the mSPRT (N*, STATS b5).
	expectedDays = 7
)

// Result statuses.
const (
	StatusOK               = "ok"
	StatusInsufficientData = "insufficient_data"
	StatusSRMWarning       = "srm_warning"
	StatusDegenerate       = "degenerate"
)

// Arms is a pair of per-arm numbers.
type Arms struct {
	Control int64 `json:"control"`
	Variant int64 `json:"variant"`
}

// SRM is the sample ratio mismatch check (STATS b6).
type SRM struct {
	ChiSquare float64 `json:"chiSquare"`
	PValue    float64 `json:"pValue"`
	Flagged   bool    `json:"flagged"` // p < 0.001: the split is broken, the results are not to be trusted
}

// Metric is one metric's comparison.
type Metric struct {
	ControlMetric      float64         `json:"controlMetric"`
	VariantMetric      float64         `json:"variantMetric"`
	Lift               *float64        `json:"lift"` // relative; null when the control is 0
	AbsoluteLift       float64         `json:"absoluteLift"`
	AbsoluteInterval   *stats.Interval `json:"absoluteConfidenceInterval"` // 95 %; leaves 0 out exactly when PValue < α
	PValue             float64         `json:"pValue"`
	ConfidenceInterval *stats.Interval `json:"confidenceInterval"` // 95 % for the relative lift
	IsSignificant      bool            `json:"isSignificant"`
}

// Results are an experiment's results (FR-018, DESIGN §5): the primary metric at the top
// level, every metric under Metrics.
type Results struct {
	ExperimentID     string                 `json:"experimentId"`
	ExperimentStatus recom.ExperimentStatus `json:"experimentStatus"`
	PrimaryMetric    string                 `json:"primaryMetric"`
	Method           string                 `json:"method"`
	Metric
	SampleSize Arms `json:"sampleSize"` // exposed users
	SRM        SRM  `json:"srm"`
	// MDE is the smallest relative lift of the primary metric the test detects with 80 %
	// power at the current sample, by its method (sequential needs more than fixed).
	MDE       *float64 `json:"mde"`
	TargetMDE *float64 `json:"targetMde"`
	// DaysToTargetMDE is how many more days, at the traffic so far, until MDE reaches
	// TargetMDE; 0 when it has; null without a target or traffic.
	DaysToTargetMDE *int64 `json:"daysToTargetMde"`
	// NStar is the sample the sequential test is tuned for (STATS b5): the placement's
	// users of the 7 days before the start, or 5000 without that history.
	NStar      float64           `json:"nStar"`
	Status     string            `json:"status"`
	Looks      int               `json:"looks"` // days analysed; sequential p-values are their running minimum
	Metrics    map[string]Metric `json:"metrics"`
	ComputedAt time.Time         `json:"computedAt"`
}

// Results computes the experiment's results now.
func (s *Service) Results(ctx context.Context, tenantID, id string) (Results, error) {
	e, err := s.store.FindExperiment(ctx, tenantID, id)
	if err != nil {
		return Results{}, err
	}
	// This node's queued exposures of the tenant count too. If they cannot be stored now
	// (they are queued again as their users come back), the results are of what is stored:
	// no other tenant's exposures are written, nor can they fail this tenant's results.
	if err := s.flush(ctx, tenantID); err != nil {
		s.logger.WarnContext(ctx, "flush exposures before results", "tenant", tenantID, "err", err)
	}
	exposures, err := s.store.ExposureDays(ctx, tenantID, id)
	if err != nil {
		return Results{}, err
	}
	activity, err := s.store.ExperimentUserDays(ctx, tenantID, id)
	if err != nil {
		return Results{}, err
	}
	return analyse(e, exposures, activity, s.now().UTC(), s.expectedSample(ctx, e)), nil
}

// expectedSample is N*, the total sample the sequential test is tuned for (STATS b5: the
// sample at which decisions are usually made, by default the expected 7-day sample): the
// daily unique users of the placement's recommendations in the 7 days before the start,
// from the rollups. Those days are past when the experiment starts, so N* does not move
// afterwards. Without such history (under 100 users), GrowthBook's default 5000.
func (s *Service) expectedSample(ctx context.Context, e recom.Experiment) float64 {
	if s.history == nil || e.StartedAt == nil {
		return stats.DefaultNStar
	}
	start := recom.Day(*e.StartedAt)
	rows, err := s.history.Daily(ctx, e.TenantID, start.AddDate(0, 0, -expectedDays), start.AddDate(0, 0, -1),
		recom.AnalyticsFilter{Placement: e.Placement})
	if err != nil {
		s.logger.ErrorContext(ctx, "expected sample", "experiment", e.ID, "err", err)
		return stats.DefaultNStar
	}
	var users int64
	for _, r := range rows {
		users += r.Users
	}
	if users < 100 {
		return stats.DefaultNStar
	}
	return float64(users)
}

// arm accumulates one arm's users day by day: exposed users, and each user's running
// totals with the sums the tests need (per-user values and squares; STATS b1–b3).
type arm struct {
	n                                int64
	users                            map[string]recom.Counts
	clicks, clicks2, imps, imps2, ci float64
	converted                        int64
	revenue, revenue2                float64
}

// add adds a user's activity of a day, updating the sums by the change of the user's
// totals.
func (a *arm) add(user string, d recom.Counts) {
	old := a.users[user]
	cur := old
	cur.Add(d)
	a.users[user] = cur
	oc, oi, nc, ni := float64(old.Clicks), float64(old.Impressions), float64(cur.Clicks), float64(cur.Impressions)
	a.clicks += nc - oc
	a.clicks2 += nc*nc - oc*oc
	a.imps += ni - oi
	a.imps2 += ni*ni - oi*oi
	a.ci += nc*ni - oc*oi
	a.revenue += cur.Revenue - old.Revenue
	a.revenue2 += cur.Revenue*cur.Revenue - old.Revenue*old.Revenue
	if old.Conversions == 0 && cur.Conversions > 0 {
		a.converted++
	}
}

// size is the arm's users: those exposed, or more if activity arrived for users whose
// exposure was not recorded.
func (a *arm) size() int64 { return max(a.n, int64(len(a.users))) }

// estimate returns the arm's estimate of a metric over its users (users without activity
// count as zeros).
func (a *arm) estimate(metric string) stats.Estimate {
	n := a.size()
	switch metric {
	case recom.MetricCTR:
		return stats.Ratio{N: n, SumNum: a.clicks, SumNum2: a.clicks2, SumDen: a.imps, SumDen2: a.imps2, SumNumDen: a.ci}.Estimate()
	case recom.MetricRevenuePerUser:
		return stats.MeanFromSums(n, a.revenue, a.revenue2).Estimate()
	}
	return stats.Proportion{Successes: a.converted, N: n}.Estimate()
}

var metrics = []string{recom.MetricConversionRate, recom.MetricCTR, recom.MetricRevenuePerUser}

// analyse computes the results from the exposures and activity by day: each day is a
// look, so a sequential p-value is the running minimum of the day-end values.
func analyse(e recom.Experiment, exposures []recom.ArmDay, activity []recom.ExperimentUserDay, now time.Time, nStar float64) Results {
	r := Results{ExperimentID: e.ID, ExperimentStatus: e.Status, PrimaryMetric: e.PrimaryMetric, Method: e.Method,
		TargetMDE: e.TargetMDE, Metrics: map[string]Metric{}, ComputedAt: now, NStar: nStar}
	control, variant := &arm{users: map[string]recom.Counts{}}, &arm{users: map[string]recom.Counts{}}
	pick := func(v string) *arm {
		if v == recom.Control {
			return control
		}
		return variant
	}
	// A completed experiment's results are final: activity after its last day (late
	// clicks on old answers) is left out, so no later look can change them.
	if e.EndedAt != nil {
		last := recom.Day(*e.EndedAt)
		exposures = slices.DeleteFunc(slices.Clone(exposures), func(x recom.ArmDay) bool { return x.Day.After(last) })
		activity = slices.DeleteFunc(slices.Clone(activity), func(u recom.ExperimentUserDay) bool { return u.Day.After(last) })
	}
	var days []time.Time
	for _, x := range exposures {
		days = append(days, x.Day)
	}
	for _, u := range activity {
		days = append(days, u.Day)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	days = slices.Compact(days)

	running := map[string]*stats.RunningMin{}
	results := map[string]stats.Result{}
	i, j := 0, 0
	for _, day := range days {
		for ; i < len(exposures) && !exposures[i].Day.After(day); i++ {
			pick(exposures[i].Variant).n += exposures[i].Users
		}
		for ; j < len(activity) && !activity[j].Day.After(day); j++ {
			pick(activity[j].Variant).add(activity[j].UserID, activity[j].Counts)
		}
		r.Looks++
		if e.Method == recom.MethodFixed {
			continue // read once, at the end
		}
		for _, m := range metrics {
			if running[m] == nil {
				running[m] = &stats.RunningMin{}
			}
			results[m] = stats.CompareSequential(control.estimate(m), variant.estimate(m), control.size(), variant.size(),
				alpha, nStar, running[m])
		}
	}
	if e.Method == recom.MethodFixed && len(days) > 0 {
		for _, m := range metrics {
			results[m] = stats.Compare(control.estimate(m), variant.estimate(m), control.size(), variant.size(), alpha)
		}
	}
	r.SampleSize = Arms{Control: control.size(), Variant: variant.size()}
	chi, p, flagged := stats.SRM([]int64{r.SampleSize.Control, r.SampleSize.Variant}, []float64{e.ControlShare, 1 - e.ControlShare})
	r.SRM = SRM{ChiSquare: chi, PValue: p, Flagged: flagged}

	for _, m := range metrics {
		res, ok := results[m]
		if !ok {
			res = stats.Result{PValue: 1}
		}
		r.Metrics[m] = Metric{ControlMetric: res.ControlMetric, VariantMetric: res.VariantMetric, Lift: res.Lift,
			AbsoluteLift: res.AbsoluteLift, AbsoluteInterval: res.AbsoluteInterval, PValue: res.PValue, ConfidenceInterval: res.ConfidenceInterval,
			IsSignificant: res.IsSignificant && !flagged}
	}
	primary := results[e.PrimaryMetric]
	r.Metric = r.Metrics[e.PrimaryMetric]
	switch {
	case flagged:
		r.Status = StatusSRMWarning
	case len(days) == 0 || primary.InsufficientData:
		r.Status = StatusInsufficientData
	case primary.Degenerate:
		r.Status = StatusDegenerate
	default:
		r.Status = StatusOK
	}

	// Planning: the per-user variance of the primary metric in the control arm.
	c := control.estimate(e.PrimaryMetric)
	perUser := c.Variance * float64(r.SampleSize.Control)
	total := float64(r.SampleSize.Control + r.SampleSize.Variant)
	r.MDE = relativeMDE(e, c.Value, perUser, total, nStar)
	if e.TargetMDE != nil && r.MDE != nil && e.StartedAt != nil && e.EndedAt == nil {
		r.DaysToTargetMDE = daysToTarget(e, c.Value, perUser, total, now, nStar)
	}
	return r
}

// relativeMDE is the relative lift detected with 80 % power on total users split as the
// experiment splits them, by its method: (z_crit + z_power)·SE / baseline, with z_crit
// the fixed 1.96 or the sequential test's critical value at that sample. For conversion
// the variant's variance is that of the lifted rate (STATS b7), found by iterating.
func relativeMDE(e recom.Experiment, baseline, perUserVariance, total, nStar float64) *float64 {
	if !(total > 0) || !(perUserVariance > 0) || baseline == 0 {
		return nil
	}
	z := stats.CriticalZ(alpha)
	if e.Method == recom.MethodSequential {
		z = stats.SequentialZ(total, alpha, nStar)
	}
	z += stats.PowerZ(power)
	varVariant := perUserVariance
	var m float64
	for range 8 {
		se := math.Sqrt(perUserVariance/(total*e.ControlShare) + varVariant/(total*(1-e.ControlShare)))
		m = z * se / math.Abs(baseline)
		if e.PrimaryMetric != recom.MetricConversionRate {
			break
		}
		p := math.Min(1, baseline*(1+m))
		varVariant = math.Max(perUserVariance, p*(1-p))
	}
	if math.IsNaN(m) || math.IsInf(m, 0) {
		return nil
	}
	return &m
}

// daysToTarget is how many more days of the traffic so far the MDE needs to reach the
// target: the smallest total sample whose MDE is at most the target, found by doubling
// and bisection (the sequential critical value grows with the sample).
func daysToTarget(e recom.Experiment, baseline, perUserVariance, total float64, now time.Time, nStar float64) *int64 {
	zero := int64(0)
	if m := relativeMDE(e, baseline, perUserVariance, total, nStar); m != nil && *m <= *e.TargetMDE {
		return &zero
	}
	elapsed := math.Max(1, now.Sub(*e.StartedAt).Hours()/24)
	perDay := total / elapsed
	if !(perDay > 0) {
		return nil
	}
	meets := func(n float64) bool {
		m := relativeMDE(e, baseline, perUserVariance, n, nStar)
		return m != nil && *m <= *e.TargetMDE
	}
	lo, hi := total, math.Max(total, 1)*2
	for !meets(hi) {
		if lo, hi = hi, hi*2; hi > 1e15 {
			return nil
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if meets(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	days := int64(math.Ceil((hi - total) / perDay))
	return &days
}
