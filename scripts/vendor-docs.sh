#!/usr/bin/env bash
# vendor-docs.sh re-vendors Swagger UI into api/docs/ from the npm registry.
#
#   scripts/vendor-docs.sh [VERSION]      # default: the version named in api/docs/NOTICE
#
# It copies only what /docs needs: swagger-ui-bundle.js, swagger-ui.css, LICENSE and
# swagger-ui-bundle.js.LICENSE.txt (the notices of the MIT code inside the bundle, which
# the bundle's first line points to). It rewrites api/docs/NOTICE with the origin, the
# version and the upstream NOTICE text (Apache-2.0 §4(d) asks us to pass it on), and
# bumps the ?v=VERSION with which index.html asks for the assets, so browsers drop their
# long-cached copies. init.js is ours and is not touched.
#
# Needs npm and network access. The build never runs this script: the vendored files are
# committed. Review `git diff --stat api/docs` before committing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/api/docs"
pkg="swagger-ui-dist"

version="${1:-}"
if [[ -z "$version" && -f "$dest/NOTICE" ]]; then
	version="$(sed -n "s/.*$pkg@\([0-9][0-9.]*\).*/\1/p" "$dest/NOTICE" | head -1)"
fi
if [[ -z "$version" ]]; then
	echo "usage: $0 VERSION   (e.g. 5.35.0)" >&2
	exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetching $pkg@$version from npm"
tarball="$(cd "$tmp" && npm pack --silent "$pkg@$version")"
tar -xzf "$tmp/$tarball" -C "$tmp"

for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE; do
	if [[ ! -f "$tmp/package/$f" ]]; then
		echo "$pkg@$version has no $f; check the package layout" >&2
		exit 1
	fi
	cp "$tmp/package/$f" "$dest/$f"
done
# The bundle ends with a sourceMappingURL comment; the map is not vendored, so drop the
# comment to keep browser devtools from requesting a missing file.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$dest/swagger-ui.css"

sed -i -E "s/(swagger-ui(-bundle\.js|\.css))\?v=[0-9A-Za-z.-]+/\1?v=$version/g" "$dest/index.html"

{
	cat <<NOTICE
swagger-ui-bundle.js, swagger-ui-bundle.js.LICENSE.txt, swagger-ui.css and LICENSE in this
folder come unchanged (except for removed sourceMappingURL comments) from the npm package
$pkg@$version (https://www.npmjs.com/package/$pkg, https://github.com/swagger-api/swagger-ui),
licensed under the Apache License 2.0 (see LICENSE). Re-vendor with scripts/vendor-docs.sh.
index.html and init.js are RecomEngine's own.

Upstream NOTICE:
NOTICE
	if [[ -f "$tmp/package/NOTICE" ]]; then cat "$tmp/package/NOTICE"; fi
} >"$dest/NOTICE"

ls -l "$dest"
