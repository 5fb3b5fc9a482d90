package stats

import (
	"math"
	"testing"
)

// The reference values below were computed independently of gonum with mpmath 1.3.0 at
// 40 significant digits (mp.dps = 40), from the formulas of STATS.md written out:
//
//	z975 = sqrt(2)*erfinv(0.95)                                        # 1.959963984540054
//	p    = 2*ncdf(-abs(z))                                             # normal tail
//	tsf(t, df) = betainc(df/2, 0.5, 0, df/(df+t*t), regularized=True)/2 # Student t tail
//	tq(0.975, df) = findroot(lambda t: 1 - tsf(t, df) - 0.975, 2)
//
// For the Welch cases, tsf is additionally checked against tTailByIntegration below, a
// Simpson integration of the t density that shares no code with gonum or mpmath.

// propCase is one two-proportion comparison with its expected result.
type propCase struct {
	name                 string
	control, variant     Proportion
	z, p                 float64
	abs                  Interval
	lift                 *float64
	rel                  *Interval
	insufficient, signif bool
}

func ptr(x float64) *float64 { return &x }

func TestCompareProportions(t *testing.T) {
	tests := []propCase{
		{
			// The style guide's 10 % vs 15 % (pooled z = 3.3806 there); unpooled here:
			// SE = sqrt(0.1·0.9/1000 + 0.15·0.85/1000) = 0.0147478812.
			name: "10% vs 15%", control: Proportion{100, 1000}, variant: Proportion{150, 1000},
			z: 3.390317518104052, p: 6.981171463178027e-4,
			abs:  Interval{0.02109468399236963, 0.07890531600763037},
			lift: ptr(0.5), rel: &Interval{0.1439548608913384, 0.8560451391086616},
			signif: true,
		},
		{
			// Unequal split 80/20: 3 % of 16,000 vs 3.75 % of 4,000.
			name: "unequal split", control: Proportion{480, 16000}, variant: Proportion{150, 4000},
			z: 2.277732961713639, p: 0.02274249261107655,
			abs:  Interval{0.001046333072779895, 0.01395366692722011},
			lift: ptr(0.25), rel: &Interval{0.02495726517084483, 0.4750427348291552},
			signif: true,
		},
		{
			// Tiny sample: numbers are reported, nothing is significant (DESIGN §5).
			name: "tiny sample", control: Proportion{3, 20}, variant: Proportion{7, 25},
			z: 1.081869292606900, p: 0.2793106112669024,
			abs:  Interval{-0.1055139569367440, 0.3655139569367440},
			lift: ptr(0.8666666666666667), rel: &Interval{-1.406941617785650, 3.140274951118983},
			insufficient: true,
		},
		{
			// Zero conversions in the control: SE from the variant alone, p = 0.00045 but
			// the lift is undefined and 0 conversions is below the guard.
			name: "zero conversions in control", control: Proportion{0, 500}, variant: Proportion{12, 500},
			z: 3.506434366591383, p: 4.541534245630921e-4,
			abs:          Interval{0.01058490913814303, 0.03741509086185697},
			insufficient: true,
		},
		{
			// Zero conversions in the variant: lift −100 %, no relative CI (zero variance).
			name: "zero conversions in variant", control: Proportion{12, 500}, variant: Proportion{0, 500},
			z: -3.506434366591383, p: 4.541534245630921e-4,
			abs:          Interval{-0.03741509086185697, -0.01058490913814303},
			lift:         ptr(-1),
			insufficient: true,
		},
		{
			// 100 % conversions in one arm: SE = sqrt(0.96·0.04/500) = 0.00876356092; the
			// variant has 0 non-conversions, below the guard.
			name: "100% in variant", control: Proportion{480, 500}, variant: Proportion{500, 500},
			z: 4.564354645876384, p: 5.010331956390448e-6,
			abs:          Interval{0.02282373622031529, 0.05717626377968471},
			lift:         ptr(1.0/0.96 - 1),
			insufficient: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CompareProportions(tt.control, tt.variant, 0.05)
			checkNear(t, "Statistic", r.Statistic, tt.z, 1e-12)
			checkNear(t, "PValue", r.PValue, tt.p, 1e-13)
			checkNear(t, "PValue relative", r.PValue/tt.p, 1, 1e-10)
			checkInterval(t, "AbsoluteInterval", r.AbsoluteInterval, tt.abs, 1e-12)
			checkLift(t, r.Lift, tt.lift)
			if tt.rel == nil && r.ConfidenceInterval != nil {
				t.Errorf("ConfidenceInterval = %+v, want nil", *r.ConfidenceInterval)
			} else if tt.rel != nil {
				checkInterval(t, "ConfidenceInterval", r.ConfidenceInterval, *tt.rel, 1e-12)
			}
			if r.Degenerate || r.InsufficientData != tt.insufficient || r.IsSignificant != tt.signif || r.DF != 0 {
				t.Errorf("flags: degenerate %v, insufficient %v, significant %v, df %g; want false, %v, %v, 0",
					r.Degenerate, r.InsufficientData, r.IsSignificant, r.DF, tt.insufficient, tt.signif)
			}
		})
	}
}

// checkLift fails the test when got and want differ in definedness or value.
func checkLift(t *testing.T, got, want *float64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("Lift = %g, want nil", *got)
	case want != nil && got == nil:
		t.Errorf("Lift = nil, want %g", *want)
	case want != nil:
		checkNear(t, "Lift", *got, *want, 1e-12)
	}
}

func TestCompareProportionsDegenerate(t *testing.T) {
	tests := []struct {
		name             string
		control, variant Proportion
		lift             *float64
	}{
		{"both zero", Proportion{0, 5000}, Proportion{0, 5000}, nil}, // control 0: lift undefined
		{"both 100%", Proportion{5000, 5000}, Proportion{5000, 5000}, ptr(0)},
		{"empty control", Proportion{0, 0}, Proportion{30, 1000}, nil},
		{"empty both", Proportion{}, Proportion{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CompareProportions(tt.control, tt.variant, 0.05)
			if !r.Degenerate || r.PValue != 1 || r.IsSignificant || r.AbsoluteInterval != nil ||
				r.ConfidenceInterval != nil || r.Statistic != 0 || r.StdErr != 0 {
				t.Errorf("result = %+v, want degenerate with p = 1 and no intervals", r)
			}
			checkLift(t, r.Lift, tt.lift)
		})
	}
}

func TestCompareMeansWelch(t *testing.T) {
	tests := []struct {
		name             string
		control, variant Mean
		t, df, p, tCrit  float64
		abs, rel         Interval
	}{
		{
			// scipy.stats.ttest_ind_from_stats(10.2, 3.1, 50, 11.0, 3.4, 60, equal_var=False)
			// (arguments are standard deviations), reproduced with mpmath as described above.
			name:    "scipy example",
			control: Mean{N: 50, Mean: 10.2, Variance: 3.1 * 3.1}, variant: Mean{N: 60, Mean: 11.0, Variance: 3.4 * 3.4},
			t: 1.289540058756900, df: 107.0979648882793, p: 0.1999883208652361, tCrit: 1.982362633522139,
			abs: Interval{-0.4298106569457708, 2.029810656945771},
			rel: Interval{-0.04694997293176113, 0.2038127180298003},
		},
		{
			// Tiny samples {1, 3} vs {2, 5, 8}, by hand: means 2 and 5, s² = 2 and 9,
			// V_A = 2/2 = 1, V_B = 9/3 = 3, SE = 2, t = 3/2, df = 4²/(1²/1 + 3²/2) = 32/11;
			// p and t_{0.975, 32/11} from mpmath.
			name:    "tiny samples",
			control: Mean{N: 2, Mean: 2, Variance: 2}, variant: Mean{N: 3, Mean: 5, Variance: 9},
			t: 1.5, df: 32.0 / 11, p: 0.2333269916185716, tCrit: 3.239454586497677,
			abs: Interval{-3.478909172995355, 9.478909172995355},
			rel: Interval{-3.426208244337696, 6.426208244337696},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CompareMeans(tt.control, tt.variant, 0.05)
			checkNear(t, "t", r.Statistic, tt.t, 1e-12)
			checkNear(t, "df", r.DF, tt.df, 1e-12)
			checkNear(t, "PValue", r.PValue, tt.p, 1e-10)
			checkNear(t, "PValue by integration", 2*tTailByIntegration(tt.t, tt.df), tt.p, 1e-10)
			checkInterval(t, "AbsoluteInterval", r.AbsoluteInterval, tt.abs, 1e-9)
			checkInterval(t, "ConfidenceInterval", r.ConfidenceInterval, tt.rel, 1e-9)
			// The t critical value, not z: the interval is wider than ±1.96·SE.
			checkNear(t, "t critical", (r.AbsoluteInterval.Upper-r.AbsoluteLift)/r.StdErr, tt.tCrit, 1e-9)
			checkNear(t, "t critical by integration", 1-tTailByIntegration(tt.tCrit, tt.df), 0.975, 1e-10)
			if !r.InsufficientData || r.IsSignificant || r.Degenerate {
				t.Errorf("flags %+v: want insufficient (< 100 users), not significant", r)
			}
		})
	}
}

// tTailByIntegration returns P(T > t) for Student's t with df degrees of freedom by
// Simpson's rule on the density Γ((ν+1)/2)/(√(νπ)Γ(ν/2))·(1 + x²/ν)^−(ν+1)/2 over [0, t]:
// an implementation independent of the incomplete beta function gonum uses.
func tTailByIntegration(t, df float64) float64 {
	lg1, _ := math.Lgamma((df + 1) / 2)
	lg2, _ := math.Lgamma(df / 2)
	c := math.Exp(lg1-lg2) / math.Sqrt(df*math.Pi)
	density := func(x float64) float64 { return c * math.Pow(1+x*x/df, -(df+1)/2) }
	const steps = 20000 // even; the error is far below 1e-12 for these smooth densities
	h := t / steps
	sum := density(0) + density(t)
	for i := 1; i < steps; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * density(float64(i)*h)
	}
	return 0.5 - sum*h/3
}

func TestCompareMeansDegenerate(t *testing.T) {
	tests := []struct {
		name             string
		control, variant Mean
		degenerate       bool
		lift             *float64
	}{
		{"one user", Mean{N: 1, Mean: 5}, Mean{N: 400, Mean: 6, Variance: 4}, true, ptr(0.2)},
		{"no users", Mean{}, Mean{N: 400, Mean: 6, Variance: 4}, true, nil},
		{"zero variance both", Mean{N: 300, Mean: 5}, Mean{N: 300, Mean: 6}, true, ptr(0.2)},
		{"zero control mean", Mean{N: 300, Mean: 0, Variance: 4}, Mean{N: 300, Mean: 1, Variance: 4}, false, nil},
		{"NaN variance", Mean{N: 300, Mean: 5, Variance: math.NaN()}, Mean{N: 300, Mean: 6, Variance: 4}, true, ptr(0.2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CompareMeans(tt.control, tt.variant, 0.05)
			if r.Degenerate != tt.degenerate {
				t.Errorf("Degenerate = %v, want %v (%+v)", r.Degenerate, tt.degenerate, r)
			}
			if tt.degenerate && (r.PValue != 1 || r.IsSignificant || r.AbsoluteInterval != nil) {
				t.Errorf("degenerate result = %+v, want p = 1, no interval", r)
			}
			if r.ConfidenceInterval != nil && tt.lift == nil {
				t.Errorf("relative interval %+v without a lift", *r.ConfidenceInterval)
			}
			checkLift(t, r.Lift, tt.lift)
		})
	}
	// With a zero control mean the absolute test still runs: Δ = 1, SE = sqrt(8/300),
	// t = 6.1237, df = 598 (equal variances and sizes give n_A + n_B − 2).
	r := CompareMeans(Mean{N: 300, Mean: 0, Variance: 4}, Mean{N: 300, Mean: 1, Variance: 4}, 0.05)
	checkNear(t, "t", r.Statistic, 1/math.Sqrt(8.0/300), 1e-12)
	checkNear(t, "df", r.DF, 598, 1e-9)
	if !r.IsSignificant {
		t.Errorf("t = 6.1 on 300 users per arm not significant: %+v", r)
	}
}

func TestCompareRatiosCTR(t *testing.T) {
	// Var(R) by hand in TestRatioEstimateDeltaMethod: 53/26460 and 4991/4687500, so
	// Δ = 13/50 − 1/6 = 0.0933333, SE = 0.0553874543399634, z = 1.68509880884688,
	// p = 2Φ(−z) = 0.0919695094396091, lift = (13/50)/(1/6) − 1 = 0.56,
	// relative CI (delta method) [−0.346289893113749, 1.46628989311375] (mpmath).
	r := CompareRatios(ratioOf(ctrControl), ratioOf(ctrVariant), 0.05)
	checkNear(t, "AbsoluteLift", r.AbsoluteLift, 13.0/50-1.0/6, 1e-15)
	checkNear(t, "StdErr", r.StdErr, 0.05538745433996337, 1e-14)
	checkNear(t, "z", r.Statistic, 1.685098808846882, 1e-12)
	checkNear(t, "PValue", r.PValue, 0.09196950943960907, 1e-12)
	checkLift(t, r.Lift, ptr(0.56))
	checkInterval(t, "ConfidenceInterval", r.ConfidenceInterval, Interval{-0.3462898931137493, 1.466289893113749}, 1e-12)
	if r.DF != 0 || !r.InsufficientData || r.IsSignificant {
		t.Errorf("flags %+v: want a z-test, insufficient data", r)
	}
}

func TestCompareAlphaAndGuard(t *testing.T) {
	// 10 % vs 15 % on 1000 users each has p = 0.000698: significant at 0.05 and 0.001,
	// not at 0.0005; an alpha outside (0, 1) falls back to 0.05.
	c, v := Proportion{100, 1000}, Proportion{150, 1000}
	for _, tt := range []struct {
		alpha, used float64
		signif      bool
	}{{0.05, 0.05, true}, {0.001, 0.001, true}, {0.0005, 0.0005, false}, {0, 0.05, true}, {1.5, 0.05, true}, {math.NaN(), 0.05, true}} {
		r := CompareProportions(c, v, tt.alpha)
		if r.Alpha != tt.used || r.IsSignificant != tt.signif {
			t.Errorf("alpha %g: Alpha %g, significant %v; want %g, %v", tt.alpha, r.Alpha, r.IsSignificant, tt.used, tt.signif)
		}
	}
	// 99 users per arm with a huge effect: the minimum-sample guard wins.
	r := CompareProportions(Proportion{10, 99}, Proportion{60, 99}, 0.05)
	if r.PValue >= 1e-6 || r.IsSignificant || !r.InsufficientData {
		t.Errorf("99 users per arm: p %g, significant %v, insufficient %v", r.PValue, r.IsSignificant, r.InsufficientData)
	}
	if MinimumSampleMet(99, 100) || !MinimumSampleMet(100, 100) {
		t.Error("MinimumSampleMet is not 100 users per arm")
	}
}

func TestCompareMeansLargeDFUsesNormal(t *testing.T) {
	// df ≈ 2·10⁶ is past maxStudentDF: the p-value is the normal one, 2Φ(−|t|), where
	// gonum's t would start to drift. Δ = 0.01, SE = sqrt(2/10⁶): t = 7.0710678.
	r := CompareMeans(Mean{N: 1e6, Mean: 1, Variance: 1}, Mean{N: 1e6, Mean: 1.01, Variance: 1}, 0.05)
	checkNear(t, "t", r.Statistic, 0.01/math.Sqrt(2e-6), 1e-9)
	checkNear(t, "df", r.DF, 2e6-2, 1e-6)
	// mpmath: 2*ncdf(-0.01/sqrt(2e-6)) = 1.537459794428035e-12; relative tolerance 1e-9
	// covers the float rounding of 1.01 − 1.
	checkNear(t, "PValue/normal", r.PValue/(2*normal.CDF(-math.Abs(r.Statistic))), 1, 1e-15)
	checkNear(t, "PValue/mpmath", r.PValue/1.537459794428035e-12, 1, 1e-9)
}
