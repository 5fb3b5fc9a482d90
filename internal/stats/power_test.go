package stats

import (
	"math"
	"testing"
)

// Reference values from mpmath (40 digits): with k = z975 + z80 =
// sqrt(2)*erfinv(0.95) + sqrt(2)*erfinv(0.6) = 1.959963984540054 + 0.8416212335729142,
// N = k²·(p_A(1−p_A)/(1−f) + p_B(1−p_B)/f)/(p_B − p_A)², and the MDE from
// findroot(lambda r: p*r - k*sqrt(p*(1-p)/nA + p*(1+r)*(1-p*(1+r))/nB), 0.1).

func TestSampleSizePerArm(t *testing.T) {
	tests := []struct {
		name                  string
		baseline, mde, share  float64
		wantControl, wantVari int64
	}{
		// DESIGN §5: "a 5 % relative lift on a 3 % conversion rate needs about 208,000
		// users per arm"; exactly 207,935.138 → 207,936.
		{"3% baseline, +5%, 50/50", 0.03, 0.05, 0.5, 207936, 207936},
		// 80/20: N = 659,005.024 → 527,204.02 and 131,801.005, rounded up.
		{"3% baseline, +5%, 80/20", 0.03, 0.05, 0.2, 527205, 131802},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, nv, ok := SampleSizePerArm(tt.baseline, tt.mde, 0.05, 0.8, tt.share)
			if !ok || nc != tt.wantControl || nv != tt.wantVari {
				t.Errorf("SampleSizePerArm = (%d, %d, %v), want (%d, %d, true)", nc, nv, ok, tt.wantControl, tt.wantVari)
			}
		})
	}
	for _, bad := range [][5]float64{{0, 0.05, 0.05, 0.8, 0.5}, {0.03, 0, 0.05, 0.8, 0.5}, {0.03, 0.05, 0.05, 0.8, 1}, {0.9, 0.5, 0.05, 0.8, 0.5}, {0.03, 1e-300, 0.05, 0.8, 0.5}} {
		if _, _, ok := SampleSizePerArm(bad[0], bad[1], bad[2], bad[3], bad[4]); ok {
			t.Errorf("SampleSizePerArm%v reported ok", bad)
		}
	}
}

func TestSampleSizePerArmMean(t *testing.T) {
	// Revenue per user with mean 2.0 and variance 25 (sd 5), +10 %: Δ = 0.2,
	// n = k²·(25 + 25)/0.04 = 7.84887973...·1250 = 9811.0997 → 9812 per arm.
	nc, nv, ok := SampleSizePerArmMean(2.0, 25, 0.10, 0.05, 0.8, 0.5)
	if !ok || nc != 9812 || nv != 9812 {
		t.Errorf("SampleSizePerArmMean = (%d, %d, %v), want (9812, 9812, true)", nc, nv, ok)
	}
	mde, ok := RelativeMDEMean(2.0, 25, 9812, 9812, 0.05, 0.8)
	if !ok || mde > 0.10 || mde < 0.0999 {
		t.Errorf("RelativeMDEMean on that sample = %g, %v; want just under 0.10", mde, ok)
	}
}

func TestRelativeMDE(t *testing.T) {
	// The product's promise (DESIGN §5): 10,000 daily visitors for 7 days at 3 %, split
	// 50/50, α = 0.05, 80 % power can detect about a 12 % relative lift. mpmath's root:
	// 0.1239734109556954.
	mde, ok := RelativeMDE(0.03, 35000, 35000, 0.05, 0.8)
	if !ok || mde < 0.11 || mde > 0.13 {
		t.Fatalf("RelativeMDE = %g, %v; want 11–13 %%", mde, ok)
	}
	checkNear(t, "RelativeMDE", mde, 0.1239734109556954, 1e-12)
	// At the MDE the power formula of b7 gives 80 % (plus the negligible other tail):
	// mpmath 0.8000009605622265.
	checkNear(t, "power at MDE", PowerProportion(0.03, mde, 35000, 35000, 0.05), 0.8000009605622265, 1e-9)
	// SampleSizePerArm inverts it.
	if nc, _, _ := SampleSizePerArm(0.03, mde, 0.05, 0.8, 0.5); nc < 34999 || nc > 35001 {
		t.Errorf("SampleSizePerArm(MDE) = %d, want 35000", nc)
	}
	if _, ok := RelativeMDE(0.5, 3, 3, 0.05, 0.8); ok {
		t.Error("3 users per arm at 50 % reported a reachable MDE")
	}
	if _, ok := RelativeMDE(0, 1000, 1000, 0.05, 0.8); ok {
		t.Error("a 0 % baseline reported an MDE")
	}
}

func TestPowerAndAbsoluteMDE(t *testing.T) {
	// mpmath: Φ(Δ/SE − z975) + Φ(−Δ/SE − z975) at p_A = 3 %, +10 %, 35,000 per arm.
	checkNear(t, "PowerProportion", PowerProportion(0.03, 0.10, 35000, 35000, 0.05), 0.6225902333041994, 1e-10)
	// No effect: the power is the size α.
	checkNear(t, "power of no effect", Power(1, 1, 0, 500, 500, 0.05), 0.05, 1e-12)
	if p := Power(1, 1, 0.1, 0, 500, 0.05); p != 0 {
		t.Errorf("Power with an empty arm = %g, want 0", p)
	}
	// AbsoluteMDE = k·SE: σ² = 25 per arm, 9812 users: k·sqrt(50/9812) with k = 2.80158521811297.
	mde, ok := AbsoluteMDE(25, 25, 9812, 9812, 0.05, 0.8)
	checkNear(t, "AbsoluteMDE", mde, (1.959963984540054+0.8416212335729142)*math.Sqrt(50.0/9812), 1e-12)
	if !ok {
		t.Error("AbsoluteMDE not ok")
	}
}

func TestDaysRemaining(t *testing.T) {
	// 207,936 per arm at 10,000 users a day split 50/50 from 35,000 per arm: the
	// variant needs 172,936 more at 5,000 a day = 34.59 → 35 days.
	tests := []struct {
		needC, needV, haveC, haveV int64
		daily, share               float64
		days                       int64
		ok                         bool
	}{
		{207936, 207936, 35000, 35000, 10000, 0.5, 35, true},
		{207936, 207936, 300000, 300000, 10000, 0.5, 0, true},
		// 80/20: the variant is the bottleneck: (131802 − 0)/(0.2·10000) = 65.9 → 66.
		{527205, 131802, 0, 0, 10000, 0.2, 66, true},
		{1000, 1000, 0, 0, 0, 0.5, 0, false},
		{1000, 1000, 0, 0, 100, 0, 0, false},
	}
	for _, tt := range tests {
		days, ok := DaysRemaining(tt.needC, tt.needV, tt.haveC, tt.haveV, tt.daily, tt.share)
		if days != tt.days || ok != tt.ok {
			t.Errorf("DaysRemaining(%+v) = (%d, %v), want (%d, %v)", tt, days, ok, tt.days, tt.ok)
		}
	}
}
