package stats

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// edgeFloats are the values most likely to produce NaN or ±Inf somewhere downstream.
var edgeFloats = []float64{
	0, 1, -1, 0.5, 1e-300, -1e-300, 1e300, -1e300, math.MaxFloat64, math.SmallestNonzeroFloat64,
	math.NaN(), math.Inf(1), math.Inf(-1), 1e-8, 3, 1e8,
}

// edgeInts are the user and conversion counts most likely to break a formula.
var edgeInts = []int64{0, 1, 2, 9, 10, 99, 100, 101, 1000, 1e9, 1e18, math.MaxInt64, -1, math.MinInt64}

// gen draws inputs mixing edge values with ordinary random ones.
type gen struct{ r *rand.Rand }

func (g gen) float() float64 {
	switch g.r.IntN(3) {
	case 0:
		return edgeFloats[g.r.IntN(len(edgeFloats))]
	case 1:
		return g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(13)-6))
	default:
		return g.r.Float64()
	}
}

func (g gen) count() int64 {
	if g.r.IntN(2) == 0 {
		return edgeInts[g.r.IntN(len(edgeInts))]
	}
	return g.r.Int64N(1 << uint(g.r.IntN(40)+1))
}

func (g gen) proportion() Proportion {
	n := g.count()
	if n > 0 && g.r.IntN(2) == 0 {
		return Proportion{Successes: g.r.Int64N(n + 1 - min(n, 1)), N: n} // a valid count
	}
	return Proportion{Successes: g.count(), N: n}
}

func (g gen) mean() Mean { return Mean{N: g.count(), Mean: g.float(), Variance: g.float()} }

func (g gen) ratio() Ratio {
	if g.r.IntN(2) == 0 {
		var r Ratio
		for range g.r.IntN(5) {
			r.Add(g.float(), g.float())
		}
		return r
	}
	return Ratio{N: g.count(), SumNum: g.float(), SumNum2: g.float(), SumDen: g.float(), SumDen2: g.float(), SumNumDen: g.float()}
}

func (g gen) estimate() Estimate {
	return Estimate{Value: g.float(), Variance: g.float(), StudentT: g.r.IntN(2) == 0, Undefined: g.r.IntN(8) == 0, Sparse: g.r.IntN(8) == 0}
}

// checkFinite fails the test when any float reachable from v is NaN or ±Inf, or when v
// does not marshal to JSON (encoding/json refuses NaN and ±Inf).
func checkFinite(t *testing.T, what string, v any) {
	t.Helper()
	if path, ok := allFinite(reflect.ValueOf(v), what); !ok {
		t.Fatalf("non-finite float at %s: %+v", path, v)
	}
	b, err := json.Marshal(v)
	if err != nil || strings.Contains(string(b), "NaN") {
		t.Fatalf("json.Marshal(%s) = %s, %v", what, b, err)
	}
}

// allFinite walks v and reports the path of the first non-finite float.
func allFinite(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		return path, finite(v.Float())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", true
		}
		return allFinite(v.Elem(), path)
	case reflect.Struct:
		for i := range v.NumField() {
			if p, ok := allFinite(v.Field(i), path+"."+v.Type().Field(i).Name); !ok {
				return p, false
			}
		}
	}
	return "", true
}

// checkResult checks the invariants every Result keeps, whatever its inputs.
func checkResult(t *testing.T, what string, r Result) {
	t.Helper()
	checkFinite(t, what, r)
	if !(r.PValue >= 0 && r.PValue <= 1) {
		t.Fatalf("%s: PValue %g outside [0, 1]", what, r.PValue)
	}
	if r.IsSignificant && (r.Degenerate || r.InsufficientData || r.PValue >= r.Alpha) {
		t.Fatalf("%s: significant despite flags: %+v", what, r)
	}
	if r.Degenerate && (r.PValue != 1 && r.Method == MethodFixed || r.AbsoluteInterval != nil) {
		t.Fatalf("%s: degenerate with a test result: %+v", what, r)
	}
}

func TestPropertyEverythingFinite(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(5, 6))}
	iterations := 20000
	if testing.Short() {
		iterations = 2000 // -race -short stays well under 10 s
	}
	for range iterations {
		pc, pv := g.proportion(), g.proportion()
		mc, mv := g.mean(), g.mean()
		rc, rv := g.ratio(), g.ratio()
		ec, ev := g.estimate(), g.estimate()
		for _, e := range []Estimate{pc.Estimate(), mc.Estimate(), rc.Estimate()} {
			checkFinite(t, "Estimate", e)
		}
		alpha, nStar := g.float(), g.float()
		checkResult(t, "CompareProportions", CompareProportions(pc, pv, alpha))
		checkResult(t, "CompareMeans", CompareMeans(mc, mv, alpha))
		checkResult(t, "CompareRatios", CompareRatios(rc, rv, alpha))
		checkResult(t, "Compare", Compare(ec, ev, g.count(), g.count(), alpha))
		running := RunningMin{Min: g.float(), Looks: g.count()}
		checkResult(t, "CompareSequential", CompareSequential(ec, ev, g.count(), g.count(), alpha, nStar, &running))
		checkFinite(t, "RunningMin.P", running.P())

		diff, v, n := g.float(), g.float(), g.count()
		if p := MSPRT(diff, v, n, alpha, nStar); !(p >= 0 && p <= 1) {
			t.Fatalf("MSPRT(%g, %g, %d, %g, %g) = %g", diff, v, n, alpha, nStar, p)
		}
		checkFinite(t, "ConfidenceSequence", ConfidenceSequence(diff, v, n, alpha, nStar))
		checkFinite(t, "MixingRho2", MixingRho2(alpha, nStar))

		obs := []int64{g.count(), g.count(), g.count()}[:1+g.r.IntN(3)]
		weights := []float64{g.float(), g.float(), g.float()}[:len(obs)]
		chi2, p, _ := SRM(obs, weights)
		if !finite(chi2) || !(p >= 0 && p <= 1) {
			t.Fatalf("SRM(%v, %v) = %g, %g", obs, weights, chi2, p)
		}

		power := g.float()
		checkFinite(t, "Power", Power(g.float(), g.float(), g.float(), g.count(), g.count(), alpha))
		checkFinite(t, "PowerProportion", PowerProportion(g.float(), g.float(), g.count(), g.count(), alpha))
		mde, _ := AbsoluteMDE(g.float(), g.float(), g.count(), g.count(), alpha, power)
		rel, _ := RelativeMDE(g.float(), g.count(), g.count(), alpha, power)
		relMean, _ := RelativeMDEMean(g.float(), g.float(), g.count(), g.count(), alpha, power)
		checkFinite(t, "AbsoluteMDE", mde)
		checkFinite(t, "RelativeMDE", rel)
		checkFinite(t, "RelativeMDEMean", relMean)
		if nc, nv, ok := SampleSizePerArm(g.float(), g.float(), alpha, power, g.float()); ok && (nc < 0 || nv < 0) {
			t.Fatalf("SampleSizePerArm gave negative sizes %d, %d", nc, nv)
		}
		if d, ok := DaysRemaining(g.count(), g.count(), g.count(), g.count(), g.float(), g.float()); ok && d < 0 {
			t.Fatalf("DaysRemaining gave %d", d)
		}
	}
}

func TestPropertyNamedDegenerateInputs(t *testing.T) {
	// The cases the product meets in practice, spelled out: every one gives a finite,
	// JSON-encodable Result.
	huge := int64(math.MaxInt64)
	for name, r := range map[string]Result{
		"empty arms":         CompareProportions(Proportion{}, Proportion{}, 0.05),
		"n = 1 rate":         CompareProportions(Proportion{1, 1}, Proportion{0, 1}, 0.05),
		"n = 1 mean":         CompareMeans(Mean{N: 1, Mean: 9}, Mean{N: 1, Mean: 3}, 0.05),
		"zero variance mean": CompareMeans(Mean{N: 500, Mean: 1}, Mean{N: 500, Mean: 1}, 0.05),
		"zero control mean":  CompareMeans(Mean{N: 500, Variance: 1}, Mean{N: 500, Mean: 1, Variance: 1}, 0.05),
		"huge n rate":        CompareProportions(Proportion{huge / 3, huge}, Proportion{huge / 2, huge}, 0.05),
		"huge n mean":        CompareMeans(Mean{N: huge, Mean: 1, Variance: 1}, Mean{N: huge, Mean: 1.0000001, Variance: 1}, 0.05),
		"huge values":        CompareMeans(Mean{N: 500, Mean: 1e300, Variance: 1e300}, Mean{N: 500, Mean: -1e300, Variance: 1e300}, 0.05),
		"empty ratio":        CompareRatios(Ratio{}, Ratio{}, 0.05),
		"no impressions":     CompareRatios(Ratio{N: 500}, Ratio{N: 500}, 0.05),
		"sequential huge n":  CompareSequential(Proportion{huge / 3, huge}.Estimate(), Proportion{huge / 2, huge}.Estimate(), huge, huge, 0.05, 5000, nil),
	} {
		checkResult(t, name, r)
	}
}
