// Package stats owns the statistics of experiments (DESIGN §5, formulas in STATS.md):
// per-arm estimates for conversion rates, means and ratio metrics, the fixed-horizon and
// sequential (mSPRT) comparisons, sample ratio mismatch, and power, MDE and sample size.
//
// It is pure math: no I/O, no domain types, and it imports nothing of ours. Every float it
// returns is finite, so results can go to JSON as they are: an input that admits no
// answer (an empty arm, zero variance, a zero control mean, one user) gives a defined
// value and a flag (p-value 1, a nil lift or interval, Degenerate) rather than NaN or ±Inf.
package stats
