package stats

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The simulations draw each arm's conversions as one binomial variate (gonum's sampler on
// a seeded PCG source) instead of looping over users: the sufficient statistic is all the
// tests see, and it keeps every simulation well under a second. Seeds are fixed, so the
// rates below are the same on every run.

// sampler draws binomial conversion counts from one seeded stream.
type sampler struct{ src rand.Source }

// newSampler returns a sampler seeded with seed.
func newSampler(seed uint64) sampler {
	return sampler{src: rand.NewPCG(seed, 0x9e3779b97f4a7c15)}
}

// conversions returns the number of n users converting at rate p.
func (s sampler) conversions(n int64, p float64) int64 {
	return int64(distuv.Binomial{N: float64(n), P: p, Src: s.src}.Rand())
}

func TestSimulatedAAFalsePositiveRate(t *testing.T) {
	// 20,000 A/A experiments, 10,000 users per arm at 5 %: the fixed-horizon z-test read
	// once must reject 5 % of the time (± 0.6 %; one binomial standard error is 0.15 %).
	const experiments, n, rate = 20000, 10000, 0.05
	s := newSampler(1)
	rejected := 0
	for range experiments {
		r := CompareProportions(Proportion{s.conversions(n, rate), n}, Proportion{s.conversions(n, rate), n}, 0.05)
		if r.IsSignificant {
			rejected++
		}
	}
	fpr := float64(rejected) / experiments
	t.Logf("A/A false-positive rate, fixed horizon, one look: %.4f (%d/%d)", fpr, rejected, experiments)
	if fpr < 0.044 || fpr > 0.056 {
		t.Errorf("A/A false-positive rate %.4f, want 0.05 ± 0.006", fpr)
	}
}

// peekingOutcome reports whether an A/A experiment observed at daily looks was ever
// declared significant by peeking at the fixed-horizon test and by the sequential test.
func peekingOutcome(s sampler, looks int, dailyPerArm int64, rate, nStar float64) (fixed, sequential bool) {
	var c, v Proportion
	var running RunningMin
	for range looks {
		c.N, v.N = c.N+dailyPerArm, v.N+dailyPerArm
		c.Successes += s.conversions(dailyPerArm, rate)
		v.Successes += s.conversions(dailyPerArm, rate)
		fixed = fixed || CompareProportions(c, v, 0.05).IsSignificant
		sequential = sequential || CompareSequential(c.Estimate(), v.Estimate(), c.N, v.N, 0.05, nStar, &running).IsSignificant
	}
	return fixed, sequential
}

func TestSimulatedPeekingVersusSequential(t *testing.T) {
	// 10,000 A/A experiments looked at daily for 14 days, 1,000 users per arm a day at
	// 5 %. Stopping at the first look with fixed-horizon p < 0.05 ("peeking") inflates
	// the false-positive rate far above 5 %; the mSPRT running-minimum p keeps it ≤ 5 %
	// (Johari et al. 2017), with N* the expected final sample as the caller passes it and
	// with the default N* = 5000.
	const experiments, looks, daily, rate = 10000, 14, 1000, 0.05
	nStars := []float64{2 * looks * daily, DefaultNStar}
	if testing.Short() {
		nStars = nStars[:1] // -race -short stays well under 10 s
	}
	for _, nStar := range nStars {
		s := newSampler(2)
		peeking, sequential := 0, 0
		for range experiments {
			f, q := peekingOutcome(s, looks, daily, rate, nStar)
			if f {
				peeking++
			}
			if q {
				sequential++
			}
		}
		peekRate, seqRate := float64(peeking)/experiments, float64(sequential)/experiments
		t.Logf("A/A, %d daily looks, N* = %.0f: peeking (fixed p < 0.05 at any look) %.4f, sequential mSPRT %.4f",
			looks, nStar, peekRate, seqRate)
		if peekRate <= 0.10 {
			t.Errorf("peeking false-positive rate %.4f, want clearly above 5 %% (> 10 %%)", peekRate)
		}
		if seqRate > 0.05 {
			t.Errorf("sequential false-positive rate %.4f, want ≤ 5 %%", seqRate)
		}
	}
}

func TestSimulatedPowerAtReportedMDE(t *testing.T) {
	// DESIGN §5: a lift at the MDE shown for the current sample is detected at least 80 %
	// of the time. 10,000 experiments at 3 % with 35,000 users per arm (10k a day for a
	// week) and a true lift equal to RelativeMDE: the fixed-horizon test must detect it
	// (significant, in the right direction) ≥ 78 % of the time.
	const experiments, n, baseline = 10000, 35000, 0.03
	mde, ok := RelativeMDE(baseline, n, n, 0.05, 0.8)
	if !ok {
		t.Fatal("RelativeMDE not ok")
	}
	s := newSampler(3)
	detected := 0
	for range experiments {
		r := CompareProportions(Proportion{s.conversions(n, baseline), n},
			Proportion{s.conversions(n, baseline*(1+mde)), n}, 0.05)
		if r.IsSignificant && r.AbsoluteLift > 0 {
			detected++
		}
	}
	power := float64(detected) / experiments
	t.Logf("true lift = reported MDE %.4f: detected %.4f of the time (fixed horizon)", mde, power)
	if power < 0.78 {
		t.Errorf("detection rate at the MDE %.4f, want ≥ 0.78", power)
	}
	// For information: the always-valid test pays for peeking with power. The same lift,
	// looked at daily for 7 days with N* = the week's sample.
	s = newSampler(4)
	detected = 0
	for range experiments {
		var c, v Proportion
		var running RunningMin
		var r Result
		for range 7 {
			c.N, v.N = c.N+n/7, v.N+n/7
			c.Successes += s.conversions(n/7, baseline)
			v.Successes += s.conversions(n/7, baseline*(1+mde))
			r = CompareSequential(c.Estimate(), v.Estimate(), c.N, v.N, 0.05, 2*n, &running)
		}
		if r.IsSignificant && r.AbsoluteLift > 0 {
			detected++
		}
	}
	t.Logf("same lift, sequential mSPRT with 7 daily looks: detected %.4f of the time", float64(detected)/experiments)
}
