package stats

import (
	"math"
	"testing"
)

func TestSRM(t *testing.T) {
	// χ² by hand, p = gammainc(k/2, χ²/2, inf, regularized=True) with mpmath (40 digits).
	tests := []struct {
		name     string
		observed []int64
		weights  []float64
		chi2, p  float64
		flagged  bool
	}{
		// E = 5100 each: χ² = 2·100²/5100 = 3.92157, p = 0.0477: not an SRM at 0.001.
		{"5000 vs 5200", []int64{5000, 5200}, []float64{0.5, 0.5}, 20000.0 / 5100, 0.04767038065616145, false},
		// E = 10250: χ² = 2·250²/10250 = 12.195, p = 0.000479: flagged.
		{"10000 vs 10500", []int64{10000, 10500}, []float64{1, 1}, 125000.0 / 10250, 4.791464345873004e-4, true},
		// 50/25/25 of 10200: E = 5100, 2550, 2550; χ² = 0 + 70²/2550 + 70²/2550, df 2.
		{"three arms", []int64{5100, 2480, 2620}, []float64{0.5, 0.25, 0.25}, 9800.0 / 2550, 0.1463771707007385, false},
		// A zero-weight arm is skipped with its users: the same table as the first case.
		{"zero weight skipped", []int64{5000, 5200, 37}, []float64{0.5, 0.5, 0}, 20000.0 / 5100, 0.04767038065616145, false},
		// Weights need not be normalised.
		{"unnormalised weights", []int64{5000, 5200}, []float64{3, 3}, 20000.0 / 5100, 0.04767038065616145, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chi2, p, flagged := SRM(tt.observed, tt.weights)
			checkNear(t, "χ²", chi2, tt.chi2, 1e-12)
			checkNear(t, "p", p, tt.p, 1e-12)
			if flagged != tt.flagged {
				t.Errorf("flagged = %v, want %v", flagged, tt.flagged)
			}
		})
	}
}

func TestSRMDegenerate(t *testing.T) {
	for name, in := range map[string]struct {
		observed []int64
		weights  []float64
	}{
		"no users":         {[]int64{0, 0}, []float64{0.5, 0.5}},
		"one arm":          {[]int64{100}, []float64{1}},
		"one weighted arm": {[]int64{100, 50}, []float64{1, 0}},
		"length mismatch":  {[]int64{100, 50}, []float64{1}},
		"negative count":   {[]int64{100, -5}, []float64{1, 1}},
		"NaN weight":       {[]int64{100, 50}, []float64{1, math.NaN()}},
		"nil":              {nil, nil},
	} {
		if chi2, p, flagged := SRM(in.observed, in.weights); chi2 != 0 || p != 1 || flagged {
			t.Errorf("%s: SRM = (%g, %g, %v), want (0, 1, false)", name, chi2, p, flagged)
		}
	}
	// All users in one of two arms planned 50/50: flagged, finite.
	if chi2, p, flagged := SRM([]int64{1000, 0}, []float64{1, 1}); chi2 != 1000 || !flagged || !(p >= 0 && p < 1e-200) {
		t.Errorf("1000 vs 0: SRM = (%g, %g, %v), want (1000, ~0, true)", chi2, p, flagged)
	}
}
