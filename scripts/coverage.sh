#!/usr/bin/env bash
# coverage.sh prints the total Go statement coverage of a profile and fails below
# COVERAGE_MIN percent (default 80, SC-007).
#
#   scripts/coverage.sh [coverage.out]
#
# COVERAGE_EXCLUDE, an extended regular expression matched against the file names in the
# profile, leaves generated or vendored code out of the total, e.g.
# COVERAGE_EXCLUDE='\.pb\.go:|/gen/'. It is empty by default: nothing is excluded today.
set -euo pipefail

profile="${1:-coverage.out}"
min="${COVERAGE_MIN:-80}"
exclude="${COVERAGE_EXCLUDE:-}"

if [[ ! -s "$profile" ]]; then
	echo "coverage: no profile at $profile; run go test with -coverprofile first" >&2
	exit 1
fi
if [[ -n "$exclude" ]]; then
	filtered="$(mktemp)"
	trap 'rm -f "$filtered"' EXIT
	# Keep the "mode:" line, drop the excluded blocks.
	{ head -1 "$profile"; tail -n +2 "$profile" | grep -Ev -- "$exclude" || true; } >"$filtered"
	profile="$filtered"
	echo "coverage: excluding files matching $exclude"
fi

total_line="$(go tool cover -func="$profile" | tail -1)"
echo "$total_line"
total="$(awk '{ sub(/%$/, "", $NF); print $NF }' <<<"$total_line")"
if ! awk -v t="$total" -v m="$min" 'BEGIN { exit !(t + 0 >= m + 0) }'; then
	echo "coverage: total ${total}% is below the minimum ${min}% (COVERAGE_MIN)" >&2
	exit 1
fi
echo "coverage: ${total}% >= ${min}%"
