package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// SRMThreshold is the p-value below which a sample ratio mismatch is flagged (b6; Fabijan
// et al. 2019): strict, because the check runs on every look and a false alarm discredits
// a healthy experiment.
const SRMThreshold = 0.001

// SRM runs the χ² goodness-of-fit test of the users observed per arm against the planned
// weights (b6): χ² = Σ(O_k − E_k)²/E_k with E_k = w_k·ΣO, df = K − 1, p = 1 − F_χ²(χ²).
// Arms with zero weight are skipped, with their users (GrowthBook's check_srm); the other
// weights need not sum to 1. Fewer than two weighted arms, no users, mismatched lengths or
// negative inputs give (0, 1, false).
func SRM(observed []int64, weights []float64) (chiSquare, pValue float64, flagged bool) {
	obs, w, ok := weightedArms(observed, weights)
	if !ok {
		return 0, 1, false
	}
	var total, wsum float64
	for k := range obs {
		total += obs[k]
		wsum += w[k]
	}
	for k := range obs {
		expected := w[k] / wsum * total
		chiSquare += (obs[k] - expected) * (obs[k] - expected) / expected
	}
	if !finite(chiSquare) {
		return 0, 1, false
	}
	pValue = clamp01(distuv.ChiSquared{K: float64(len(obs) - 1)}.Survival(chiSquare))
	return chiSquare, pValue, pValue < SRMThreshold
}

// weightedArms returns the counts and weights of the arms with a positive weight, and
// reports whether they make a testable table.
func weightedArms(observed []int64, weights []float64) (obs, w []float64, ok bool) {
	if len(observed) != len(weights) {
		return nil, nil, false
	}
	anyUsers := false
	for k, weight := range weights {
		if observed[k] < 0 || weight < 0 || math.IsNaN(weight) || math.IsInf(weight, 0) {
			return nil, nil, false
		}
		if weight == 0 {
			continue
		}
		obs = append(obs, float64(observed[k]))
		w = append(w, weight)
		anyUsers = anyUsers || observed[k] > 0
	}
	return obs, w, len(obs) >= 2 && anyUsers
}
