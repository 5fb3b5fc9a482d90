package stats

import (
	"math"
	"testing"
)

func TestMixingRho2(t *testing.T) {
	// STATS b5: ρ = 0.0398401, ρ² = 0.00158723 at α = 0.05, N* = 5000. mpmath:
	// l = -2*log(0.05); (l + log(l+1))/5000 = 0.001587230920347513.
	checkNear(t, "ρ²", MixingRho2(0.05, 5000), 0.001587230920347513, 1e-15)
	checkNear(t, "ρ", math.Sqrt(MixingRho2(0.05, 5000)), 0.0398401, 1e-7)
	checkNear(t, "defaults", MixingRho2(0, 0), MixingRho2(0.05, DefaultNStar), 0)
}

func TestMSPRTClosedForm(t *testing.T) {
	// Λ = (1 + Nρ²)^(-1/2)·exp(Nρ²z²/(2(1 + Nρ²))), p = min(1, 1/Λ), and the confidence
	// sequence of b5, evaluated with mpmath (40 digits) at N* = 5000, α = 0.05.
	tests := []struct {
		diff, v   float64
		n         int64
		p         float64
		cs        Interval
		rejectsH0 bool
	}{
		// z² = 10, Nρ² = 15.8723: Λ = 26.8648721621372.
		{0.01, 1e-5, 10000, 0.03722332992931110, Interval{3.187589836611475e-4, 0.01968124101633885}, true},
		// z² = 8, Nρ² = 63.4892: Λ = 6.38994062455233.
		{0.004, 2e-6, 40000, 0.1564959768417346, Interval{-5.426771675617885e-4, 0.008542677167561789}, false},
	}
	for _, tt := range tests {
		p := MSPRT(tt.diff, tt.v, tt.n, 0.05, 5000)
		checkNear(t, "p", p, tt.p, 1e-13)
		// The same Λ in the form it is defined, with τ² = ρ²·N·V (a different code path).
		tau2 := MixingRho2(0.05, 5000) * float64(tt.n) * tt.v
		lambda := math.Sqrt(tt.v/(tt.v+tau2)) * math.Exp(tau2*tt.diff*tt.diff/(2*tt.v*(tt.v+tau2)))
		checkNear(t, "1/Λ from τ²", 1/lambda, tt.p, 1e-13)
		cs := ConfidenceSequence(tt.diff, tt.v, tt.n, 0.05, 5000)
		checkInterval(t, "confidence sequence", cs, tt.cs, 1e-13)
		// Duality: the sequence excludes 0 exactly when p < α.
		if excludes := cs.Lower > 0 || cs.Upper < 0; excludes != tt.rejectsH0 || (p < 0.05) != tt.rejectsH0 {
			t.Errorf("diff %g: p %g, CS %+v; want rejection %v from both", tt.diff, p, *cs, tt.rejectsH0)
		}
		// It is wider than the fixed-horizon 95 % interval: the price of peeking.
		if fixed := 1.959963984540054 * math.Sqrt(tt.v); cs.Upper-tt.diff <= fixed {
			t.Errorf("confidence sequence half-width %g not wider than fixed %g", cs.Upper-tt.diff, fixed)
		}
	}
}

func TestMSPRTDegenerate(t *testing.T) {
	for _, tt := range []struct {
		diff, v float64
		n       int64
	}{{0, 0, 100}, {0.1, 0, 100}, {0.1, 1e-4, 0}, {0.1, -1, 100}, {math.NaN(), 1, 100}, {1e200, 1e-200, 100}} {
		if p := MSPRT(tt.diff, tt.v, tt.n, 0.05, 5000); p != 1 {
			t.Errorf("MSPRT(%g, %g, %d) = %g, want 1", tt.diff, tt.v, tt.n, p)
		}
		if cs := ConfidenceSequence(tt.diff, tt.v, tt.n, 0.05, 5000); cs != nil && (tt.v <= 0 || tt.n <= 0) {
			t.Errorf("ConfidenceSequence(%g, %g, %d) = %+v, want nil", tt.diff, tt.v, tt.n, *cs)
		}
	}
	// No difference at all: Λ = (1+Nρ²)^(-1/2) < 1, so p = 1.
	if p := MSPRT(0, 1e-4, 1e6, 0.05, 5000); p != 1 {
		t.Errorf("MSPRT with Δ̂ = 0 = %g, want 1", p)
	}
}

func TestRunningMin(t *testing.T) {
	var r RunningMin
	if r.P() != 1 {
		t.Fatalf("zero RunningMin P = %g, want 1", r.P())
	}
	looks := []float64{0.4, 0.08, 0.2, 0.03, 0.5, math.NaN(), 1.7}
	want := []float64{0.4, 0.08, 0.08, 0.03, 0.03, 0.03, 0.03}
	for i, p := range looks {
		if got := r.Observe(p); got != want[i] {
			t.Errorf("look %d: Observe(%g) = %g, want %g", i+1, p, got, want[i])
		}
	}
	if r.Looks != int64(len(looks)) || r.P() != 0.03 {
		t.Errorf("after %d looks: %+v", len(looks), r)
	}
}

func TestCompareSequentialKeepsRunningMinimum(t *testing.T) {
	// Cumulative daily looks where the evidence peaks on day 2 (look p = 0.0269) and then
	// fades (0.228, 0.343, 0.760): the reported p is the minimum so far, so the result
	// stays significant once reached. Look p-values: the closed form of b5 with N* = 10000
	// evaluated in Python (math.log1p, math.exp) on the unpooled V of b1.
	days := []struct{ convC, convV, n int64 }{
		{60, 70, 2000}, {95, 145, 3000}, {125, 165, 4000}, {150, 190, 5000}, {180, 215, 6000},
	}
	wantLook := []float64{1, 0.02688381064426255, 0.2282350662444055, 0.3432880912203629, 0.7598507631153888}
	var running RunningMin
	minSoFar := 1.0
	for i, d := range days {
		c, v := Proportion{d.convC, d.n}, Proportion{d.convV, d.n}
		r := CompareSequential(c.Estimate(), v.Estimate(), d.n, d.n, 0.05, 10000, &running)
		fixed := CompareProportions(c, v, 0.05)
		look := MSPRT(fixed.AbsoluteLift, fixed.StdErr*fixed.StdErr, 2*d.n, 0.05, 10000)
		checkNear(t, "look p", look, wantLook[i], 1e-12)
		minSoFar = math.Min(minSoFar, look)
		if r.Method != MethodSequential || r.PValue != minSoFar || running.Looks != int64(i+1) {
			t.Errorf("day %d: p %g (look %g), want running min %g after %d looks", i+1, r.PValue, look, minSoFar, running.Looks)
		}
		if wantSignif := i >= 1; r.IsSignificant != wantSignif {
			t.Errorf("day %d: significant %v, want %v", i+1, r.IsSignificant, wantSignif)
		}
		// The sequential p is never below the fixed-horizon one at the same look.
		if look < fixed.PValue {
			t.Errorf("day %d: mSPRT p %g below fixed p %g", i+1, look, fixed.PValue)
		}
		// The intervals are the running intersection of the looks' sequences: within this
		// look's own, and the difference's leaves out 0 exactly while the result is
		// significant, where the fading days' own sequences take 0 back in. (The relative
		// one, delta method, may still take 0 in beside a significant difference: b4.)
		own := ConfidenceSequence(fixed.AbsoluteLift, fixed.StdErr*fixed.StdErr, 2*d.n, 0.05, 10000)
		rho := float64(d.convV) / float64(d.convC)
		varLift := (v.Estimate().Variance + c.Estimate().Variance*rho*rho) / (c.Estimate().Value * c.Estimate().Value)
		ownRel := ConfidenceSequence(rho-1, varLift, 2*d.n, 0.05, 10000)
		abs, rel := r.AbsoluteInterval, r.ConfidenceInterval
		if abs == nil || abs.Lower < own.Lower || abs.Upper > own.Upper {
			t.Fatalf("day %d: absolute interval %+v; this look's own %+v", i+1, abs, *own)
		}
		if rel == nil || rel.Lower < ownRel.Lower-1e-12 || rel.Upper > ownRel.Upper+1e-12 {
			t.Fatalf("day %d: relative interval %+v; this look's own %+v", i+1, rel, *ownRel)
		}
		if excludes := abs.Lower > 0; excludes != r.IsSignificant {
			t.Errorf("day %d: significant %v, but the difference's interval is %+v", i+1, r.IsSignificant, *abs)
		}
		if i == len(days)-1 && own.Lower > 0 {
			t.Errorf("the last look's own sequence %+v should take 0 back in (the test's premise)", *own)
		}
	}
}

func TestCompareSequentialDriftKeepsTheEvidence(t *testing.T) {
	// A novelty effect: a large lift early (look 1 alone is significant), gone later, so
	// that look 3's own sequence no longer meets the kept interval. The result stays
	// significant (the running minimum) and so its interval must still leave out 0: the
	// kept one, not the look's own, which holds 0.
	looks := []struct{ convC, convV, n int64 }{{100, 190, 2000}, {200, 300, 4000}, {400, 420, 8000}}
	var running RunningMin
	var r Result
	for _, l := range looks {
		r = CompareSequential(Proportion{l.convC, l.n}.Estimate(), Proportion{l.convV, l.n}.Estimate(), l.n, l.n, 0.05, 5000, &running)
	}
	last := looks[len(looks)-1]
	c, v := Proportion{last.convC, last.n}, Proportion{last.convV, last.n}
	fixed := CompareProportions(c, v, 0.05)
	own := ConfidenceSequence(fixed.AbsoluteLift, fixed.StdErr*fixed.StdErr, 2*last.n, 0.05, 5000)
	if own.Lower > 0 {
		t.Fatalf("the last look's own sequence %+v leaves out 0: the drift this test needs is not there", *own)
	}
	if !r.IsSignificant || r.AbsoluteInterval == nil || r.AbsoluteInterval.Lower <= 0 {
		t.Errorf("after the drift: significant %v, interval %+v; want significant with an interval above 0", r.IsSignificant, r.AbsoluteInterval)
	}
	// The interval returned is the caller's: changing it leaves the kept one alone.
	r.AbsoluteInterval.Lower = -1
	if running.Absolute.Lower == -1 {
		t.Error("the result shares its interval with the running state")
	}
}

func TestCompareSequentialIgnoresInsufficientLooks(t *testing.T) {
	// A fluke on 50 users per arm (p ≈ 0) is below the guard: it must not enter the
	// running minimum, or it would make every later look significant.
	var running RunningMin
	r := CompareSequential(Proportion{1, 50}.Estimate(), Proportion{40, 50}.Estimate(), 50, 50, 0.05, 5000, &running)
	if running.Looks != 0 || r.PValue != 1 || r.IsSignificant || !r.InsufficientData {
		t.Errorf("insufficient look: %+v, running %+v", r, running)
	}
	r = CompareSequential(Proportion{100, 1000}.Estimate(), Proportion{100, 1000}.Estimate(), 1000, 1000, 0.05, 5000, &running)
	if running.Looks != 1 || r.PValue != 1 || r.IsSignificant {
		t.Errorf("A/A look: %+v, running %+v", r, running)
	}
	// Degenerate data do not count as a look either, and nil running is allowed.
	r = CompareSequential(Proportion{0, 1000}.Estimate(), Proportion{0, 1000}.Estimate(), 1000, 1000, 0.05, 5000, nil)
	if !r.Degenerate || r.PValue != 1 || r.AbsoluteInterval != nil {
		t.Errorf("degenerate sequential look: %+v", r)
	}
}

func TestCompareSequentialIntervals(t *testing.T) {
	// The absolute interval is the confidence sequence of b5 on V = StdErr², and the
	// relative one the same construction on the delta-method Var(L̂).
	c, v := Proportion{100, 1000}, Proportion{150, 1000}
	fixed := CompareProportions(c, v, 0.05)
	r := CompareSequential(c.Estimate(), v.Estimate(), 1000, 1000, 0.05, 5000, nil)
	want := ConfidenceSequence(fixed.AbsoluteLift, fixed.StdErr*fixed.StdErr, 2000, 0.05, 5000)
	checkInterval(t, "AbsoluteInterval", r.AbsoluteInterval, *want, 1e-15)
	// Var(L̂) recovered from the fixed interval: half-width/z975.
	half := (fixed.ConfidenceInterval.Upper - fixed.ConfidenceInterval.Lower) / 2 / 1.959963984540054
	wantRel := ConfidenceSequence(0.5, half*half, 2000, 0.05, 5000)
	checkInterval(t, "ConfidenceInterval", r.ConfidenceInterval, *wantRel, 1e-12)
	if r.AbsoluteInterval.Upper-r.AbsoluteInterval.Lower <= fixed.AbsoluteInterval.Upper-fixed.AbsoluteInterval.Lower {
		t.Error("the confidence sequence is not wider than the fixed interval")
	}
}

// TestSequentialZ: at the returned z the mSPRT p-value is exactly alpha (so the closed
// form inverts b5's Λ), and the sequential critical value exceeds the fixed one.
func TestSequentialZ(t *testing.T) {
	for _, n := range []float64{100, 5000, 70000, 1e7} {
		z := SequentialZ(n, 0.05, DefaultNStar)
		// With V = 1, Δ̂ = z gives z² = Δ̂²/V.
		if p := MSPRT(z, 1, int64(n), 0.05, DefaultNStar); math.Abs(p-0.05) > 1e-9 {
			t.Errorf("N=%v: MSPRT at SequentialZ = %v, want 0.05", n, p)
		}
		if z <= CriticalZ(0.05) {
			t.Errorf("N=%v: sequential z %v not above the fixed 1.96", n, z)
		}
	}
	if !math.IsInf(SequentialZ(0, 0.05, DefaultNStar), 1) {
		t.Error("no users must mean no finite critical value")
	}
}
