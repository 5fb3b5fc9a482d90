package stats

import (
	"math"
	"testing"
)

// near reports whether got is within tol of want, relative to |want| when |want| > 1.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// checkNear fails the test when got is not within tol of want.
func checkNear(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if !near(got, want, tol) {
		t.Errorf("%s = %.12g, want %.12g (±%g)", name, got, want, tol)
	}
}

// checkInterval fails the test when iv is nil or its ends are not within tol of want.
func checkInterval(t *testing.T, name string, iv *Interval, want Interval, tol float64) {
	t.Helper()
	if iv == nil {
		t.Errorf("%s = nil, want [%.12g, %.12g]", name, want.Lower, want.Upper)
		return
	}
	checkNear(t, name+".Lower", iv.Lower, want.Lower, tol)
	checkNear(t, name+".Upper", iv.Upper, want.Upper, tol)
}
