package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultAlpha is the significance level used when a caller passes one outside (0, 1).
const DefaultAlpha = 0.05

// DefaultPower is the power used when a caller passes one outside (0, 1).
const DefaultPower = 0.8

// maxStudentDF is the number of degrees of freedom above which the t distribution is
// replaced by the normal. gonum's incomplete beta function drifts past about 1e9 degrees
// of freedom and returns NaN near 1e300, while at 1e5 the two barely differ: t_{0.975}
// is 1.959988 against z = 1.959964, and at 1.96 the two-sided p-values differ by 3e-6.
const maxStudentDF = 1e5

// normal is the standard normal distribution.
var normal = distuv.UnitNormal

// validAlpha returns alpha, or DefaultAlpha when alpha is not a usable level.
func validAlpha(alpha float64) float64 {
	if alpha > 0 && alpha < 1 {
		return alpha
	}
	return DefaultAlpha
}

// validPower returns power, or DefaultPower when power is not a usable probability.
func validPower(power float64) float64 {
	if power > 0 && power < 1 {
		return power
	}
	return DefaultPower
}

// useStudentT reports whether df calls for the t distribution rather than the normal;
// df = 0 is how callers ask for the normal.
func useStudentT(df float64) bool {
	return df > 0 && df <= maxStudentDF
}

// twoSidedP returns the two-sided p-value of a z statistic (df = 0) or a t statistic.
func twoSidedP(stat, df float64) float64 {
	a := math.Abs(stat)
	var p float64
	if useStudentT(df) {
		p = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(a)
	} else {
		// CDF(−a) is computed with erfc, so tiny p-values keep their precision, unlike
		// 1 − CDF(a).
		p = 2 * normal.CDF(-a)
	}
	return clamp01(p)
}

// critical returns the two-sided critical value at level alpha: z_{1−α/2}, or t_{1−α/2, df}.
func critical(alpha, df float64) float64 {
	if useStudentT(df) {
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - alpha/2)
	}
	return normal.Quantile(1 - alpha/2)
}

// zQuantile returns the standard normal quantile z_q.
func zQuantile(q float64) float64 {
	return normal.Quantile(q)
}

// clamp01 keeps a probability inside [0, 1] (rounding can leave it a hair outside) and
// maps NaN to 1, the "no evidence" answer.
func clamp01(p float64) float64 {
	switch {
	case p >= 0 && p <= 1:
		return p
	case p < 0:
		return 0
	default: // > 1 or NaN
		return 1
	}
}

// finite reports whether every x is neither NaN nor ±Inf.
func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// finiteOrZero returns x, or 0 when x is NaN or ±Inf, for fields that must be finite.
func finiteOrZero(x float64) float64 {
	if finite(x) {
		return x
	}
	return 0
}
