package stats

import (
	"math"
	"testing"
)

func TestProportionEstimate(t *testing.T) {
	tests := []struct {
		name string
		p    Proportion
		want Estimate
	}{
		// p̂ = 0.1, V = 0.1·0.9/1000 = 9e-5 (b1).
		{"10 %", Proportion{100, 1000}, Estimate{Value: 0.1, Variance: 9e-5}},
		{"no conversions", Proportion{0, 500}, Estimate{Value: 0, Variance: 0, Sparse: true}},
		{"all converted", Proportion{500, 500}, Estimate{Value: 1, Variance: 0, Sparse: true}},
		{"9 conversions is sparse", Proportion{9, 1000}, Estimate{Value: 0.009, Variance: 0.009 * 0.991 / 1000, Sparse: true}},
		{"no users", Proportion{0, 0}, Estimate{Undefined: true, Sparse: true}},
		{"more successes than users", Proportion{5, 4}, Estimate{Undefined: true, Sparse: true}},
		{"negative", Proportion{-1, 4}, Estimate{Undefined: true, Sparse: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Estimate()
			if got.Undefined != tt.want.Undefined || got.Sparse != tt.want.Sparse || got.StudentT ||
				!near(got.Value, tt.want.Value, 1e-15) || !near(got.Variance, tt.want.Variance, 1e-15) {
				t.Errorf("%+v.Estimate() = %+v, want %+v", tt.p, got, tt.want)
			}
		})
	}
}

func TestMeanAccMatchesTwoPass(t *testing.T) {
	// Values around 1e9 with a spread of a few units: Σx² − (Σx)²/n cancels badly here,
	// which is why MeanAcc uses Welford's update. The reference is the two-pass formula.
	xs := []float64{1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}
	var acc MeanAcc
	for _, x := range xs {
		acc.Add(x)
	}
	// Two-pass by hand: mean = 1e9 + 10, deviations −6, −3, 3, 6, Σd² = 90, s² = 90/3 = 30.
	got := acc.Mean()
	if got.N != 4 || got.Mean != 1e9+10 || !near(got.Variance, 30, 1e-9) {
		t.Errorf("MeanAcc = %+v, want {4, 1e9+10, 30}", got)
	}
	var one MeanAcc
	one.Add(3)
	if m := one.Mean(); m.N != 1 || m.Mean != 3 || m.Variance != 0 || !m.Estimate().Undefined {
		t.Errorf("one value: %+v (estimate %+v), want N 1, mean 3, variance 0, undefined", m, m.Estimate())
	}
}

func TestMeanFromSums(t *testing.T) {
	// {1, 3} and {2, 5, 8}: by hand, means 2 and 5, variances ((−1)²+1²)/1 = 2 and (9+0+9)/2 = 9.
	for _, tt := range []struct {
		n         int64
		sum, sum2 float64
		want      Mean
	}{
		{2, 4, 10, Mean{2, 2, 2}},
		{3, 15, 93, Mean{3, 5, 9}},
		{1, 7, 49, Mean{1, 7, 0}},
		{0, 0, 0, Mean{}},
	} {
		if got := MeanFromSums(tt.n, tt.sum, tt.sum2); got != tt.want {
			t.Errorf("MeanFromSums(%d, %g, %g) = %+v, want %+v", tt.n, tt.sum, tt.sum2, got, tt.want)
		}
	}
	e := Mean{N: 50, Mean: 10.2, Variance: 9.61}.Estimate()
	if !e.StudentT || e.Undefined || !near(e.Variance, 9.61/50, 1e-15) {
		t.Errorf("Mean estimate = %+v, want StudentT with variance 0.1922", e)
	}
}

// ctrControl and ctrVariant are per-user (clicks, impressions) for the ratio tests.
var (
	ctrControl = [][2]float64{{1, 10}, {0, 5}, {2, 8}, {0, 3}, {3, 12}, {1, 4}}
	ctrVariant = [][2]float64{{2, 9}, {1, 6}, {0, 2}, {4, 11}, {2, 7}, {1, 5}, {3, 10}}
)

// ratioOf streams per-user pairs into a Ratio, as the caller does.
func ratioOf(users [][2]float64) Ratio {
	var r Ratio
	for _, u := range users {
		r.Add(u[0], u[1])
	}
	return r
}

// deltaVarianceByHand computes Var(R) from the raw per-user data with the textbook form of
// b3 (Deng, Knoblich & Lu 2018): two passes over deviations from the means, not the sums
// the package keeps, and the unfactored bracket.
func deltaVarianceByHand(users [][2]float64) float64 {
	n := float64(len(users))
	var mBar, dBar float64
	for _, u := range users {
		mBar += u[0] / n
		dBar += u[1] / n
	}
	var s2m, s2d, smd float64
	for _, u := range users {
		s2m += (u[0] - mBar) * (u[0] - mBar) / (n - 1)
		s2d += (u[1] - dBar) * (u[1] - dBar) / (n - 1)
		smd += (u[0] - mBar) * (u[1] - dBar) / (n - 1)
	}
	return (s2m/(dBar*dBar) + mBar*mBar*s2d/math.Pow(dBar, 4) - 2*mBar*smd/math.Pow(dBar, 3)) / n
}

func TestRatioEstimateDeltaMethod(t *testing.T) {
	// Control by hand, exact fractions: n = 6, Σm = 7, Σd = 42, m̄ = 7/6, d̄ = 7, R = 1/6,
	// s²_m = 41/30, s²_d = 64/5, s_md = 17/5, so
	// Var(R) = (1/6)·[(41/30)/49 + (49/36)(64/5)/2401 − 2(7/6)(17/5)/343] = 53/26460.
	// Variant: n = 7, Σm = 13, Σd = 50, R = 13/50, s²_m = 38/21, s²_d = 206/21,
	// s_md = 169/42, Var(R) = 4991/4687500. (Exact arithmetic with Python's fractions.)
	for _, tt := range []struct {
		name         string
		users        [][2]float64
		wantR, wantV float64
	}{
		{"control", ctrControl, 1.0 / 6, 53.0 / 26460},
		{"variant", ctrVariant, 13.0 / 50, 4991.0 / 4687500},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := ratioOf(tt.users).Estimate()
			if e.Undefined || e.StudentT {
				t.Fatalf("estimate = %+v, want a defined z estimate", e)
			}
			checkNear(t, "R", e.Value, tt.wantR, 1e-15)
			checkNear(t, "Var(R)", e.Variance, tt.wantV, 1e-15)
			checkNear(t, "Var(R) two-pass", deltaVarianceByHand(tt.users), tt.wantV, 1e-15)
		})
	}
}

func TestRatioEstimateClustered(t *testing.T) {
	// 3 users click all 10 of their impressions, 7 click none: R = 30/100 = 0.3. The
	// impression-level binomial variance R(1−R)/Σd = 0.0021 treats 100 impressions as
	// independent; the users are the independent units. By hand: d = 10 for everyone, so
	// s²_d = s_md = 0, s²_m = (3·7² + 7·3²)/9 = 70/3, Var(R) = (70/3)/(10·10²) = 7/300.
	users := make([][2]float64, 0, 10)
	for i := range 10 {
		clicks := 0.0
		if i < 3 {
			clicks = 10
		}
		users = append(users, [2]float64{clicks, 10})
	}
	e := ratioOf(users).Estimate()
	checkNear(t, "R", e.Value, 0.3, 1e-15)
	checkNear(t, "Var(R)", e.Variance, 7.0/300, 1e-15)
	if binomial := 0.3 * 0.7 / 100; e.Variance < 10*binomial {
		t.Errorf("Var(R) = %g, want ≫ the binomial %g on clustered clicks", e.Variance, binomial)
	}
}

func TestRatioEstimateDegenerate(t *testing.T) {
	for name, r := range map[string]Ratio{
		"no users":       {},
		"one user":       ratioOf([][2]float64{{1, 4}}),
		"no impressions": ratioOf([][2]float64{{0, 0}, {0, 0}}),
		"infinite sum":   {N: 3, SumNum: math.Inf(1), SumDen: 3},
	} {
		if e := r.Estimate(); !e.Undefined || !finite(e.Value, e.Variance) {
			t.Errorf("%s: Estimate() = %+v, want undefined with finite fields", name, e)
		}
	}
}
