package stats

import "math"

// maxSampleSize bounds the sample sizes returned, far above any real experiment, so that
// the conversion to int64 is exact and cannot overflow.
const maxSampleSize = 1 << 53

// powerFactor returns z_{1−α/2} + z_{1−β}, the number of standard errors an effect must
// span to be detected with the given power (b7).
func powerFactor(alpha, power float64) float64 {
	return zQuantile(1-validAlpha(alpha)/2) + zQuantile(validPower(power))
}

// SampleSize returns the users per arm a two-sided fixed-horizon test at level alpha needs
// to detect absoluteEffect with the given power (b7), for per-user variances varControl and
// varVariant (p(1−p) for rates) and a fraction variantShare of users in the variant:
//
//	N = (z_{1−α/2} + z_{1−β})²·(σ²_A/(1−f) + σ²_B/f)/Δ²,  n_A = (1−f)·N, n_B = f·N,
//
// which for f = ½ is the textbook n per arm = (z_{1−α/2} + z_{1−β})²·(σ²_A + σ²_B)/Δ². Both
// are rounded up. It reports false for a zero effect, no variance, a share outside (0, 1)
// or a sample beyond 2⁵³. Invalid alpha or power mean DefaultAlpha and DefaultPower.
func SampleSize(varControl, varVariant, absoluteEffect, alpha, power, variantShare float64) (nControl, nVariant int64, ok bool) {
	if !(variantShare > 0 && variantShare < 1) || !(varControl >= 0 && varVariant >= 0) ||
		!(varControl+varVariant > 0) || absoluteEffect == 0 || !finite(varControl, varVariant, absoluteEffect) {
		return 0, 0, false
	}
	k := powerFactor(alpha, power)
	total := k * k * (varControl/(1-variantShare) + varVariant/variantShare) / (absoluteEffect * absoluteEffect)
	nc, nv := math.Ceil((1-variantShare)*total), math.Ceil(variantShare*total)
	if !(nc <= maxSampleSize && nv <= maxSampleSize) {
		return 0, 0, false
	}
	return int64(nc), int64(nv), true
}

// SampleSizePerArm is SampleSize for a conversion rate: the users per arm needed to detect
// a relative lift relativeMDE over baselineRate (e.g. 0.05 for +5 %), with σ²_A = p_A(1−p_A)
// and σ²_B = p_B(1−p_B), p_B = p_A·(1 + relativeMDE). For a 3 % baseline and +5 % at
// α = 0.05, 80 % power and an even split it is about 208,000 per arm (DESIGN §5). It
// reports false unless 0 < p_A < 1 and 0 ≤ p_B ≤ 1.
func SampleSizePerArm(baselineRate, relativeMDE, alpha, power, variantShare float64) (nControl, nVariant int64, ok bool) {
	pB := baselineRate * (1 + relativeMDE)
	if !(baselineRate > 0 && baselineRate < 1) || !(pB >= 0 && pB <= 1) {
		return 0, 0, false
	}
	return SampleSize(bernoulliVariance(baselineRate), bernoulliVariance(pB), pB-baselineRate, alpha, power, variantShare)
}

// SampleSizePerArmMean is SampleSize for a per-user mean such as revenue: the users per arm
// needed to detect a relative lift relativeMDE over baselineMean when both arms have the
// per-user variance variance. Multiply variance by 1 − ρ² for CUPED with pre/post
// correlation ρ (Deng et al. 2013).
func SampleSizePerArmMean(baselineMean, variance, relativeMDE, alpha, power, variantShare float64) (nControl, nVariant int64, ok bool) {
	return SampleSize(variance, variance, baselineMean*relativeMDE, alpha, power, variantShare)
}

// Power returns the probability that a two-sided fixed-horizon test at level alpha detects
// an absolute effect with nControl and nVariant users and per-user variances varControl,
// varVariant (b7; GrowthBook power-technical eq. 3):
//
//	Φ(Δ/SE − z_{1−α/2}) + Φ(−Δ/SE − z_{1−α/2}),  SE = sqrt(σ²_A/n_A + σ²_B/n_B).
//
// It returns 0 when there is no usable sample or variance.
func Power(varControl, varVariant, absoluteEffect float64, nControl, nVariant int64, alpha float64) float64 {
	se := unitStdErr(varControl, varVariant, nControl, nVariant)
	if !(se > 0) || !finite(absoluteEffect) {
		return 0
	}
	crit := zQuantile(1 - validAlpha(alpha)/2)
	ratio := absoluteEffect / se
	return clamp01(normal.CDF(ratio-crit) + normal.CDF(-ratio-crit))
}

// PowerProportion is Power for a conversion rate baselineRate and a relative lift, with the
// variance of each arm taken at its own rate. It returns 0 for rates outside [0, 1].
func PowerProportion(baselineRate, relativeLift float64, nControl, nVariant int64, alpha float64) float64 {
	pB := baselineRate * (1 + relativeLift)
	if !(baselineRate >= 0 && baselineRate <= 1) || !(pB >= 0 && pB <= 1) {
		return 0
	}
	return Power(bernoulliVariance(baselineRate), bernoulliVariance(pB), pB-baselineRate, nControl, nVariant, alpha)
}

// bernoulliVariance returns p(1−p), the per-user variance of a conversion at rate p, never
// below 0 (p computed as p_A·(1+r) can overshoot 1 by a rounding error).
func bernoulliVariance(p float64) float64 {
	return math.Max(0, p*(1-p))
}

// unitStdErr returns sqrt(σ²_A/n_A + σ²_B/n_B), or 0 when it is not defined.
func unitStdErr(varControl, varVariant float64, nControl, nVariant int64) float64 {
	if nControl <= 0 || nVariant <= 0 || !(varControl >= 0 && varVariant >= 0) {
		return 0
	}
	se := math.Sqrt(varControl/float64(nControl) + varVariant/float64(nVariant))
	return finiteOrZero(se)
}

// AbsoluteMDE returns the minimum detectable absolute effect (z_{1−α/2} + z_{1−β})·SE of a
// fixed-horizon test with the current sample (b7), for per-user variances (for a ratio
// metric, n·Var(R) of its Estimate). It reports false when SE is not positive.
func AbsoluteMDE(varControl, varVariant float64, nControl, nVariant int64, alpha, power float64) (float64, bool) {
	se := unitStdErr(varControl, varVariant, nControl, nVariant)
	mde := powerFactor(alpha, power) * se
	if !(se > 0) || !finite(mde) { // an alpha or power within 1e-16 of its end gives z = ∞
		return 0, false
	}
	return mde, true
}

// RelativeMDEMean returns AbsoluteMDE/|baselineMean| for a per-user mean whose arms share
// the per-user variance variance. It reports false for a zero baseline.
func RelativeMDEMean(baselineMean, variance float64, nControl, nVariant int64, alpha, power float64) (float64, bool) {
	mde, ok := AbsoluteMDE(variance, variance, nControl, nVariant, alpha, power)
	if !ok || baselineMean == 0 || !finite(mde/baselineMean) {
		return 0, false
	}
	return mde / math.Abs(baselineMean), true
}

// RelativeMDE returns the smallest relative lift r > 0 over a conversion rate baselineRate
// that a fixed-horizon test with nControl and nVariant users detects with the given power:
// the root of p_A·r = (z_{1−α/2} + z_{1−β})·SE(r), where SE depends on p_B = p_A(1+r)
// (b7). The left side minus the right grows with r, so bisection finds the one root; the
// result is the inverse of SampleSizePerArm. For 10,000 daily users over 7 days at 3 %
// (35,000 per arm) it is about 12 %. It reports false when even p_B = 1 is not detectable,
// or for a baseline outside (0, 1).
func RelativeMDE(baselineRate float64, nControl, nVariant int64, alpha, power float64) (float64, bool) {
	if !(baselineRate > 0 && baselineRate < 1) || nControl <= 0 || nVariant <= 0 {
		return 0, false
	}
	k := powerFactor(alpha, power)
	gap := func(r float64) float64 { // detectable when ≥ 0
		pB := baselineRate * (1 + r)
		return baselineRate*r - k*unitStdErr(bernoulliVariance(baselineRate), bernoulliVariance(pB), nControl, nVariant)
	}
	lo, hi := 0.0, 1/baselineRate-1 // hi puts p_B at 1
	if !finite(hi) || !(gap(hi) >= 0) {
		return 0, false
	}
	for range 200 { // halves the bracket to float precision long before 200 steps
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if gap(mid) >= 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}

// DaysRemaining returns the whole days still needed for both arms to reach the sample
// sizes needControl and needVariant (from SampleSize*), given the users so far and
// dailyUsers new users a day of which a fraction variantShare go to the variant. It is 0
// when the sample is already enough, and reports false when it can never be reached
// (no daily users, a share outside (0, 1)) or the answer exceeds 2⁵³ days.
func DaysRemaining(needControl, needVariant, haveControl, haveVariant int64, dailyUsers, variantShare float64) (int64, bool) {
	missingControl := math.Max(0, float64(needControl)-float64(haveControl))
	missingVariant := math.Max(0, float64(needVariant)-float64(haveVariant))
	if missingControl == 0 && missingVariant == 0 {
		return 0, true
	}
	if !(dailyUsers > 0) || !(variantShare > 0 && variantShare < 1) || !finite(dailyUsers) {
		return 0, false
	}
	days := math.Ceil(math.Max(missingControl/((1-variantShare)*dailyUsers), missingVariant/(variantShare*dailyUsers)))
	if !(days <= maxSampleSize) {
		return 0, false
	}
	return int64(days), true
}
