package stats

import "math"

// Estimate is one arm's point estimate of a metric (a rate, a mean or a ratio) and the
// variance of that estimate (V of STATS.md b4). It is all Compare needs from an arm.
type Estimate struct {
	// Value is the point estimate: p̂, the sample mean, or R = Σnum/Σden.
	Value float64 `json:"value"`
	// Variance is Var(Value): p̂(1−p̂)/n, s²/n, or the delta-method Var(R).
	Variance float64 `json:"variance"`
	// StudentT reports whether Value is a sample mean, compared with Welch's t test (b2);
	// otherwise the normal distribution is used (b1, b3).
	StudentT bool `json:"studentT"`
	// Undefined reports that the arm's data give no usable estimate (no users, a variance
	// from fewer than two users, no denominator); Compare then reports Degenerate.
	Undefined bool `json:"undefined"`
	// Sparse reports a rate with fewer than MinConversionsPerArm conversions or
	// non-conversions; Compare then reports InsufficientData (DESIGN §5).
	Sparse bool `json:"sparse"`
}

// Proportion is a per-user conversion count: Successes of N users converted (b1).
type Proportion struct {
	Successes int64 `json:"successes"`
	N         int64 `json:"n"`
}

// Estimate returns the rate p̂ = Successes/N with the unpooled variance p̂(1−p̂)/N (b1).
// It is Undefined when N ≤ 0 or Successes is outside [0, N], and Sparse below
// MinConversionsPerArm conversions or non-conversions: the Wald test is as unreliable
// near 100 % as near 0 %, so the guard of DESIGN §5 applies to both ends.
func (p Proportion) Estimate() Estimate {
	if p.N <= 0 || p.Successes < 0 || p.Successes > p.N {
		return Estimate{Undefined: true, Sparse: true}
	}
	n := float64(p.N)
	rate := float64(p.Successes) / n
	sparse := p.Successes < MinConversionsPerArm || p.N-p.Successes < MinConversionsPerArm
	return Estimate{Value: rate, Variance: rate * (1 - rate) / n, Sparse: sparse}
}

// Mean summarises a per-user metric such as revenue: N users, their mean, and the sample
// variance with the n−1 denominator (b2).
type Mean struct {
	N        int64   `json:"n"`
	Mean     float64 `json:"mean"`
	Variance float64 `json:"variance"`
}

// Estimate returns the mean with variance s²/N, marked for Welch's t test. It is Undefined
// for fewer than two users (no sample variance exists) or a non-finite or negative input.
func (m Mean) Estimate() Estimate {
	if m.N < 2 || !finite(m.Mean, m.Variance) || m.Variance < 0 {
		value := 0.0
		if m.N > 0 {
			value = finiteOrZero(m.Mean)
		}
		return Estimate{Value: value, StudentT: true, Undefined: true}
	}
	return Estimate{Value: m.Mean, Variance: m.Variance / float64(m.N), StudentT: true}
}

// MeanFromSums builds a Mean from n, Σx and Σx², the form a SQL aggregate returns.
// Prefer MeanAcc when streaming values: the sums lose precision when the mean is large
// compared with the spread.
func MeanFromSums(n int64, sum, sumSquares float64) Mean {
	if n <= 0 {
		return Mean{}
	}
	fn := float64(n)
	m := Mean{N: n, Mean: sum / fn}
	if n > 1 {
		m.Variance = math.Max(0, (sumSquares-sum*sum/fn)/(fn-1))
	}
	return m
}

// MeanAcc accumulates per-user values one at a time (Welford's algorithm, which stays
// accurate where Σx² − (Σx)²/n cancels). The zero value is empty and ready to use.
type MeanAcc struct {
	n    int64
	mean float64
	m2   float64 // Σ(x − mean)²
}

// Add records one user's value. Cap heavy-tailed values (e.g. revenue at the 99.9th
// percentile) before adding them if the experiment uses capping (STATS b2).
func (a *MeanAcc) Add(x float64) {
	a.n++
	delta := x - a.mean
	a.mean += delta / float64(a.n)
	a.m2 += delta * (x - a.mean)
}

// Mean returns the summary so far; Variance is 0 until two values were added.
func (a *MeanAcc) Mean() Mean {
	m := Mean{N: a.n, Mean: a.mean}
	if a.n > 1 {
		m.Variance = a.m2 / float64(a.n-1)
	}
	return m
}

// Ratio holds the per-user sufficient statistics of a ratio metric such as CTR
// (numerator m = clicks, denominator d = impressions) randomised by user (b3): the number
// of users and Σm, Σm², Σd, Σd², Σm·d. The zero value is empty; Add streams users in.
type Ratio struct {
	N         int64   `json:"n"`
	SumNum    float64 `json:"sumNum"`
	SumNum2   float64 `json:"sumNum2"`
	SumDen    float64 `json:"sumDen"`
	SumDen2   float64 `json:"sumDen2"`
	SumNumDen float64 `json:"sumNumDen"`
}

// Add records one user with numerator num and denominator den (e.g. 2 clicks out of 7
// impressions). A user with no impressions still counts as a user: Add(0, 0).
func (r *Ratio) Add(num, den float64) {
	r.N++
	r.SumNum += num
	r.SumNum2 += num * num
	r.SumDen += den
	r.SumDen2 += den * den
	r.SumNumDen += num * den
}

// Estimate returns R = ΣNum/ΣDen with its delta-method variance (b3, Deng et al. 2018):
//
//	Var(R) ≈ (1/n)·[s²_m/d̄² + m̄²·s²_d/d̄⁴ − 2·m̄·s_md/d̄³] = (s²_m − 2R·s_md + R²·s²_d)/(n·d̄²),
//
// the second form being the same expression with m̄/d̄ = R factored out, which keeps the
// intermediate terms small. The users, not the impressions, are the independent units, so
// this is the right variance where an impression-level binomial one is too small. It is
// Undefined for fewer than two users, a zero ΣDen or non-finite sums.
func (r Ratio) Estimate() Estimate {
	if r.N < 2 || r.SumDen == 0 || !finite(r.SumNum, r.SumNum2, r.SumDen, r.SumDen2, r.SumNumDen) {
		return Estimate{Value: r.value(), Undefined: true}
	}
	n := float64(r.N)
	ratio := r.SumNum / r.SumDen
	meanDen := r.SumDen / n
	varNum := math.Max(0, (r.SumNum2-r.SumNum*r.SumNum/n)/(n-1))
	varDen := math.Max(0, (r.SumDen2-r.SumDen*r.SumDen/n)/(n-1))
	cov := (r.SumNumDen - r.SumNum*r.SumDen/n) / (n - 1)
	// Rounding can push a near-zero variance slightly negative; it cannot truly be.
	v := math.Max(0, (varNum-2*ratio*cov+ratio*ratio*varDen)/(n*meanDen*meanDen))
	if !finite(ratio, v) {
		return Estimate{Value: r.value(), Undefined: true}
	}
	return Estimate{Value: ratio, Variance: v}
}

// value returns ΣNum/ΣDen, or 0 when it is not a finite number.
func (r Ratio) value() float64 {
	if r.SumDen == 0 {
		return 0
	}
	return finiteOrZero(r.SumNum / r.SumDen)
}
