#!/usr/bin/env bash
# npm.sh builds or tests one JavaScript package of the repo (web/, sdk/, e2e/).
#
#   scripts/npm.sh build DIR   # install deps when the lockfile changed, then npm run build
#   scripts/npm.sh test DIR    # clean install (npm ci), then npm test
#
# A DIR without package.json is skipped: the Go build needs no Node (web/dist/.gitkeep).
# Without npm, build warns and goes on (the binary serves a "dashboard not built" page),
# and test warns and goes on too, unless RECOM_REQUIRE_INTEGRATION=1 (CI), where it fails.
set -euo pipefail

action="${1:?usage: $0 build|test DIR}"
dir="${2:?usage: $0 build|test DIR}"

[[ -f "$dir/package.json" ]] || exit 0
if ! command -v npm >/dev/null 2>&1; then
	if [[ "$action" == test && "${RECOM_REQUIRE_INTEGRATION:-}" == 1 ]]; then
		echo "npm: not found, and $dir has tests (RECOM_REQUIRE_INTEGRATION=1)" >&2
		exit 1
	fi
	echo "npm: not found; skipping $action of $dir/ (install Node 20+ to include it)" >&2
	exit 0
fi

cd "$dir"
install() {
	if [[ -f package-lock.json ]]; then
		npm ci --no-audit --no-fund
	else
		npm install --no-audit --no-fund
	fi
}

case "$action" in
build)
	# npm ci wipes node_modules: only reinstall when package.json or the lockfile is newer
	# than the last install (npm writes node_modules/.package-lock.json on every install).
	stamp=node_modules/.package-lock.json
	if [[ ! -f "$stamp" || package.json -nt "$stamp" || (-f package-lock.json && package-lock.json -nt "$stamp") ]]; then
		echo "npm: installing $dir/ dependencies"
		install
	fi
	echo "npm: building $dir/"
	npm run build
	;;
test)
	echo "npm: clean install and test of $dir/"
	install
	npm test
	;;
*)
	echo "usage: $0 build|test DIR" >&2
	exit 2
	;;
esac
