package stats

import "math"

// MinUsersPerArm is the sample below which nothing is declared significant (DESIGN §5):
// the normal approximations behind every test here are anti-conservative on small
// samples (STATS b1).
const MinUsersPerArm = 100

// MinConversionsPerArm is, for rates, the number of conversions (and of non-conversions,
// the same approximation failing symmetrically near 100 %) each arm needs before
// anything is declared significant (DESIGN §5).
const MinConversionsPerArm = 10

// Method names how a Result's p-value and intervals were computed.
type Method string

// The two methods of DESIGN §5.
const (
	// MethodFixed is the fixed-horizon test: valid only when read once, at the planned sample.
	MethodFixed Method = "fixed"
	// MethodSequential is the mSPRT always-valid test (b5): valid at every look.
	MethodSequential Method = "sequential"
)

// Interval is a confidence interval [Lower, Upper].
type Interval struct {
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// Result compares a variant with the control (FR-018). Every float is finite; what cannot
// be computed is nil (Lift, the intervals) or flagged (Degenerate, InsufficientData).
type Result struct {
	// ControlMetric and VariantMetric are the arms' point estimates (rate, mean or ratio).
	ControlMetric float64 `json:"controlMetric"`
	VariantMetric float64 `json:"variantMetric"`
	// AbsoluteLift is VariantMetric − ControlMetric, the quantity PValue tests.
	AbsoluteLift float64 `json:"absoluteLift"`
	// Lift is the relative lift VariantMetric/ControlMetric − 1; nil when the control
	// metric is 0 (or the division overflows).
	Lift *float64 `json:"lift"`
	// PValue is two-sided, for AbsoluteLift = 0: fixed-horizon, or for MethodSequential
	// the running minimum of the mSPRT p-value over the looks so far. A degenerate look
	// gives 1 (sequential: leaves the running minimum as it was).
	PValue float64 `json:"pValue"`
	// ConfidenceInterval is the interval for the relative lift (delta method, b4): nil
	// when Lift is nil, when either arm has zero variance (as GrowthBook does), or when
	// Degenerate. For MethodSequential it is a confidence sequence.
	ConfidenceInterval *Interval `json:"confidenceInterval"`
	// AbsoluteInterval is the interval for AbsoluteLift; nil when Degenerate. For
	// MethodSequential it is the confidence sequence of b5.
	AbsoluteInterval *Interval `json:"absoluteConfidenceInterval"`
	// Statistic is z = AbsoluteLift/StdErr, or Welch's t for means.
	Statistic float64 `json:"statistic"`
	// DF is Welch's degrees of freedom for means; 0 when the test is a z-test.
	DF float64 `json:"df"`
	// StdErr is the standard error of AbsoluteLift, sqrt(V_A + V_B).
	StdErr float64 `json:"stdErr"`
	// Alpha is the significance level used.
	Alpha float64 `json:"alpha"`
	// Method says whether the p-value and intervals are fixed-horizon or sequential.
	Method Method `json:"method"`
	// IsSignificant reports PValue < Alpha on a sample that is neither degenerate nor
	// below the minimum.
	IsSignificant bool `json:"isSignificant"`
	// InsufficientData reports a sample below MinUsersPerArm, or an arm whose Estimate
	// is Sparse; the numbers are shown but never declared significant.
	InsufficientData bool `json:"insufficientData"`
	// Degenerate reports that no test is possible: an Undefined arm, a zero standard
	// error (both arms at 0 % or 100 %), or inputs too large to represent.
	Degenerate bool `json:"degenerate"`
}

// comparison is what a Result is computed from, kept for the sequential variant.
type comparison struct {
	diff, varDiff float64
	lift          *float64
	varLift       float64 // delta-method Var(L̂); only meaningful when relativeOK
	relativeOK    bool
	crit          float64
}

// Compare tests variant against control on the absolute difference, fixed-horizon
// (b1–b4): a z-test for rates and ratios, Welch's t-test (Welch–Satterthwaite df, t
// distribution for both the p-value and the intervals) when both estimates are means.
// The relative-lift interval is the delta-method one of b4 with the test's critical value:
// b4's normal one for rates and ratios, and for means the t one, which is wider on small
// samples, as the absolute interval is, and the same beyond. nControl and nVariant
// are the users per arm: they give Welch's df and the minimum-sample guard. An alpha
// outside (0, 1) means DefaultAlpha.
func Compare(control, variant Estimate, nControl, nVariant int64, alpha float64) Result {
	r, c, ok := compare(control, variant, nControl, nVariant, alpha)
	if !ok {
		return r
	}
	se := math.Sqrt(c.varDiff)
	r.PValue = twoSidedP(r.Statistic, r.DF)
	r.AbsoluteInterval = interval(c.diff, c.crit*se)
	if c.relativeOK {
		r.ConfidenceInterval = interval(*c.lift, c.crit*math.Sqrt(c.varLift))
	}
	r.IsSignificant = !r.InsufficientData && r.PValue < r.Alpha
	return r
}

// compare fills the parts of a Result that the fixed and sequential methods share. It
// reports false, with a finished degenerate Result, when no test is possible.
func compare(control, variant Estimate, nControl, nVariant int64, alpha float64) (Result, comparison, bool) {
	r := Result{
		ControlMetric:    finiteOrZero(control.Value),
		VariantMetric:    finiteOrZero(variant.Value),
		PValue:           1,
		Alpha:            validAlpha(alpha),
		Method:           MethodFixed,
		InsufficientData: !MinimumSampleMet(nControl, nVariant) || control.Sparse || variant.Sparse,
	}
	var c comparison
	c.diff = variant.Value - control.Value
	if !finite(control.Value, variant.Value, c.diff) {
		r.Degenerate = true
		return r, c, false
	}
	r.AbsoluteLift = c.diff
	c.lift = relativeLift(control.Value, variant.Value)
	r.Lift = c.lift
	c.varDiff = control.Variance + variant.Variance
	welch := control.StudentT && variant.StudentT
	statistic := c.diff / math.Sqrt(c.varDiff)
	// A non-finite statistic needs an absurdly small standard error: refuse rather than
	// claim p = 0.
	if !testable(control, variant, nControl, nVariant) || !finite(statistic) {
		r.Degenerate = true
		return r, c, false
	}
	r.StdErr = math.Sqrt(c.varDiff)
	r.Statistic = statistic
	if welch {
		r.DF = welchDF(control.Variance, variant.Variance, nControl, nVariant)
	}
	c.crit = critical(r.Alpha, r.DF)
	c.varLift, c.relativeOK = relativeVariance(control, variant, c.lift)
	return r, c, true
}

// testable reports whether two arms allow a test: defined estimates whose variances are
// non-negative with a positive, finite sum (SE = 0, both arms at 0 % or 100 %, leaves
// nothing to test: b1), and two users per arm for Welch's df.
func testable(control, variant Estimate, nControl, nVariant int64) bool {
	varDiff := control.Variance + variant.Variance
	if control.Undefined || variant.Undefined || control.Variance < 0 || variant.Variance < 0 ||
		!(varDiff > 0) || !finite(varDiff) {
		return false
	}
	return !(control.StudentT && variant.StudentT) || (nControl >= 2 && nVariant >= 2)
}

// welchDF returns the Welch–Satterthwaite degrees of freedom (b2),
//
//	(V_A + V_B)² / (V_A²/(n_A−1) + V_B²/(n_B−1)),
//
// written with the shares V_A/(V_A+V_B) so that huge variances cannot overflow when squared.
// It lies between min(n_A, n_B) − 1 and n_A + n_B − 2.
func welchDF(varA, varB float64, nA, nB int64) float64 {
	total := varA + varB
	a, b := varA/total, varB/total
	return 1 / (a*a/float64(nA-1) + b*b/float64(nB-1))
}

// relativeLift returns variant/control − 1, or nil when it is undefined (control 0) or
// not representable.
func relativeLift(control, variant float64) *float64 {
	if control == 0 {
		return nil
	}
	lift := variant/control - 1
	if !finite(lift) {
		return nil
	}
	return &lift
}

// relativeVariance returns the delta-method variance of the relative lift (b4, primary):
//
//	Var(L̂) ≈ V_B/μ_A² + V_A·μ_B²/μ_A⁴ = (V_B + V_A·(μ_B/μ_A)²)/μ_A²,
//
// and reports false when there is no relative interval: no lift, or zero variance in an
// arm (GrowthBook's _has_zero_variance; STATS b1).
func relativeVariance(control, variant Estimate, lift *float64) (float64, bool) {
	if lift == nil || control.Variance == 0 || variant.Variance == 0 {
		return 0, false
	}
	ratio := variant.Value / control.Value
	v := (variant.Variance + control.Variance*ratio*ratio) / (control.Value * control.Value)
	return v, finite(v)
}

// interval returns center ± halfWidth, or nil when either end is not finite.
func interval(center, halfWidth float64) *Interval {
	iv := Interval{Lower: center - halfWidth, Upper: center + halfWidth}
	if !finite(iv.Lower, iv.Upper) {
		return nil
	}
	return &iv
}

// MinimumSampleMet reports whether both arms have MinUsersPerArm users (DESIGN §5).
func MinimumSampleMet(nControl, nVariant int64) bool {
	return nControl >= MinUsersPerArm && nVariant >= MinUsersPerArm
}

// CompareProportions compares per-user conversion rates with the unpooled z-test (b1).
func CompareProportions(control, variant Proportion, alpha float64) Result {
	return Compare(control.Estimate(), variant.Estimate(), control.N, variant.N, alpha)
}

// CompareMeans compares per-user means (e.g. revenue per exposed user) with Welch's t-test (b2).
func CompareMeans(control, variant Mean, alpha float64) Result {
	return Compare(control.Estimate(), variant.Estimate(), control.N, variant.N, alpha)
}

// CompareRatios compares per-user ratio metrics (e.g. CTR) with the delta-method z-test (b3).
func CompareRatios(control, variant Ratio, alpha float64) Result {
	return Compare(control.Estimate(), variant.Estimate(), control.N, variant.N, alpha)
}
