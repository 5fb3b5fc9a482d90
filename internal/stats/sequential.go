package stats

import "math"

// DefaultNStar is the mSPRT tuning sample N* used when a caller passes none (b5; GrowthBook's
// DEFAULT_SEQUENTIAL_TESTING_TUNING_PARAMETER). Callers should pass the total sample at which
// decisions are usually made, e.g. the expected 7-day sample, and never change it once the
// experiment has started.
const DefaultNStar = 5000

// MixingRho2 returns ρ² of the mSPRT mixing prior τ² = ρ²·N·V (b5; Waudby-Smith et al. 2023,
// eq. 161): ρ² = (−2 ln α + ln(−2 ln α + 1))/N*. It is tuned so that the test is most
// powerful around N* users in total. With α = 0.05 and N* = 5000, ρ² = 0.00158723.
// Invalid alpha or nStar mean DefaultAlpha and DefaultNStar.
func MixingRho2(alpha, nStar float64) float64 {
	l := -2 * math.Log(validAlpha(alpha))
	return (l + math.Log(l+1)) / validNStar(nStar)
}

// validNStar returns nStar, or DefaultNStar when it is not a finite sample of at least
// one user.
func validNStar(nStar float64) float64 {
	if nStar >= 1 && finite(nStar) {
		return nStar
	}
	return DefaultNStar
}

// MSPRT returns the always-valid p-value min(1, 1/Λ_N) of one look (b5; Johari et al.
// 2017, 2022), for a difference estimate Δ̂ with variance V = Var(Δ̂) (Result.StdErr²) on
// nTotal = n_A + n_B users. With τ² = ρ²·N·V the mixture likelihood ratio is
//
//	Λ = (1 + Nρ²)^(−1/2) · exp(Nρ²·z² / (2(1 + Nρ²))),  z² = Δ̂²/V,
//
// computed as a logarithm so that it cannot overflow. Report the running minimum over
// looks (RunningMin), which Ville's inequality keeps below α with probability ≥ 1 − α
// under no effect, however often one looks. Degenerate inputs (V ≤ 0, N ≤ 0) give 1.
func MSPRT(estimateDiff, varianceDiff float64, nTotal int64, alpha, nStar float64) float64 {
	return msprt(estimateDiff, varianceDiff, float64(nTotal), alpha, nStar)
}

// msprt is MSPRT with a float sample size, so that n_A + n_B cannot overflow.
func msprt(diff, varDiff, n, alpha, nStar float64) float64 {
	if !(n > 0) || !(varDiff > 0) || !finite(diff, varDiff, n) {
		return 1
	}
	z2 := diff * diff / varDiff
	if !finite(z2) {
		return 1 // as in Compare: refuse rather than claim certainty from a vanishing variance
	}
	nr := n * MixingRho2(alpha, nStar)
	logLambda := -0.5*math.Log1p(nr) + nr*z2/(2*(1+nr))
	if !(logLambda > 0) {
		return 1
	}
	return math.Exp(-logLambda)
}

// ConfidenceSequence returns the always-valid interval for the difference matching MSPRT
// (b5; GrowthBook docs, Waudby-Smith et al. eq. 9): with s² = N·V,
//
//	Δ̂ ± s·sqrt(2(Nρ²+1)/(N²ρ²) · ln(sqrt(Nρ²+1)/α)),
//
// computed as Δ̂ ± sqrt(2V(Nρ²+1)/(Nρ²) · (½·ln(1+Nρ²) − ln α)). It is nil for degenerate
// inputs (V ≤ 0, N ≤ 0).
func ConfidenceSequence(estimateDiff, varianceDiff float64, nTotal int64, alpha, nStar float64) *Interval {
	return confidenceSequence(estimateDiff, varianceDiff, float64(nTotal), alpha, nStar)
}

// confidenceSequence is ConfidenceSequence with a float sample size.
func confidenceSequence(diff, varDiff, n, alpha, nStar float64) *Interval {
	if !(n > 0) || !(varDiff > 0) || !finite(diff, varDiff, n) {
		return nil
	}
	alpha = validAlpha(alpha)
	nr := n * MixingRho2(alpha, nStar)
	half := math.Sqrt(2 * varDiff * (1 + nr) / nr * (0.5*math.Log1p(nr) - math.Log(alpha)))
	return interval(diff, half)
}

// RunningMin keeps the smallest mSPRT p-value over an experiment's looks: the reported
// sequential p-value (b5). With it, it keeps the running intersection of the looks'
// confidence sequences, the interval that agrees with that p-value: a running minimum
// below α says some look's sequence left out 0, so their intersection leaves it out too,
// where the latest look's own sequence may not (the intersection of a confidence sequence's
// intervals is itself a confidence sequence; Howard et al., "Time-uniform, nonparametric,
// nonasymptotic confidence sequences", Ann. Statist. 49(2), 2021). The zero value has seen
// no look. Keep one per metric.
type RunningMin struct {
	// Min is the smallest p-value observed; meaningless while Looks is 0.
	Min float64 `json:"min"`
	// Looks counts the observed p-values.
	Looks int64 `json:"looks"`
	// Absolute and Relative are the intersections of the observed looks' confidence
	// sequences for the difference and the relative lift; nil until a look had one.
	Absolute *Interval `json:"absolute,omitempty"`
	Relative *Interval `json:"relative,omitempty"`
}

// Observe records the p-value of a new look and returns the running minimum. A p outside
// [0, 1] (or NaN) counts as 1.
func (r *RunningMin) Observe(p float64) float64 {
	p = clamp01(p)
	if r.Looks == 0 || p < r.Min {
		r.Min = p
	}
	r.Looks++
	return r.Min
}

// P returns the running minimum, or 1 before any look.
func (r RunningMin) P() float64 {
	if r.Looks == 0 {
		return 1
	}
	return clamp01(r.Min)
}

// intersect narrows the running interval *kept to its overlap with the look's iv and
// returns a copy of the result (of iv for the first look; nil while neither exists).
// Should the two not overlap, which under the model happens with probability at most α over
// the whole experiment but does when the effect drifts (a novelty effect fading), one of
// them leaves out 0, as disjoint intervals cannot both hold it: that one is kept, the kept
// interval first, so the interval still leaves out 0 exactly while the running p-value is
// below α. An empty interval would say nothing a reader can use.
func intersect(kept **Interval, iv *Interval) *Interval {
	if iv == nil {
		if *kept == nil {
			return nil
		}
		c := **kept
		return &c
	}
	c := *iv
	if k := *kept; k != nil {
		overlap := Interval{Lower: max(k.Lower, iv.Lower), Upper: min(k.Upper, iv.Upper)}
		switch {
		case overlap.Lower <= overlap.Upper:
			c = overlap
		case k.Lower > 0 || k.Upper < 0:
			c = *k
		}
	}
	stored := c
	*kept = &stored
	return &c
}

// CompareSequential is Compare with the always-valid method of b5, for results read at
// every look (the dashboard refreshes live): PValue is the running minimum of MSPRT kept
// in running, AbsoluteInterval the running intersection of the confidence sequences, and
// ConfidenceInterval the same for the confidence sequence applied to the relative lift
// with its delta-method variance (as GrowthBook does). Looks that are degenerate or below
// the minimum sample update neither: the normal approximation behind them is not trusted
// there, and one early fluke would otherwise stay in the minimum (and narrow the
// intervals) for good; such a look reports its own intervals. running may be nil for a
// single look.
func CompareSequential(control, variant Estimate, nControl, nVariant int64, alpha, nStar float64, running *RunningMin) Result {
	if running == nil {
		running = &RunningMin{}
	}
	r, c, ok := compare(control, variant, nControl, nVariant, alpha)
	r.Method = MethodSequential
	if ok {
		n := float64(nControl) + float64(nVariant)
		abs := confidenceSequence(c.diff, c.varDiff, n, r.Alpha, nStar)
		var rel *Interval
		if c.relativeOK {
			rel = confidenceSequence(*c.lift, c.varLift, n, r.Alpha, nStar)
		}
		r.AbsoluteInterval, r.ConfidenceInterval = abs, rel
		if !r.InsufficientData {
			running.Observe(msprt(c.diff, c.varDiff, n, r.Alpha, nStar))
			r.AbsoluteInterval = intersect(&running.Absolute, abs)
			if rel != nil { // a look without a relative interval has no say on the kept one
				r.ConfidenceInterval = intersect(&running.Relative, rel)
			}
		}
	}
	r.PValue = running.P()
	r.IsSignificant = ok && !r.InsufficientData && r.PValue < r.Alpha
	return r
}

// SequentialZ returns the |z| = |Δ̂|/sqrt(V) at which MSPRT's p-value reaches alpha on
// nTotal users: solving Λ = 1/α for z in b5's closed form,
//
//	z² = 2(1 + Nρ²)/(Nρ²) · (ln(1/α) + ½·ln(1 + Nρ²)).
//
// It is the sequential test's critical value at its current look, above the fixed
// horizon's z_{1−α/2}: the price of being valid at every look. Planning with it (MDE,
// sample size) gives the power of the last look alone, a lower bound as earlier looks can
// only add rejections. Returns +Inf for nTotal ≤ 0.
func SequentialZ(nTotal float64, alpha, nStar float64) float64 {
	if !(nTotal > 0) || !finite(nTotal) {
		return math.Inf(1)
	}
	a := validAlpha(alpha)
	nr := nTotal * MixingRho2(a, nStar)
	return math.Sqrt(2 * (1 + nr) / nr * (-math.Log(a) + 0.5*math.Log1p(nr)))
}

// PowerZ returns z_{power}, the standard errors an effect must exceed the critical value
// by to be detected with that power (b7).
func PowerZ(power float64) float64 { return zQuantile(validPower(power)) }

// CriticalZ returns z_{1−α/2}, the fixed-horizon two-sided critical value.
func CriticalZ(alpha float64) float64 { return zQuantile(1 - validAlpha(alpha)/2) }
