#!/usr/bin/env bash
# Refreshes the browser assets vendored in assets/vendor/ from the npm registry (`npm pack`),
# and rewrites assets/vendor/MANIFEST.tsv with each file's package, version, path in the
# package and sha256. The server embeds these files (src/http/assets.rs), so GraphiQL and the
# dashboard load nothing from anywhere but the server. A unit test checks the files against
# the manifest. To move to another version, change it below, run this script, rebuild, and
# run the browser tests (tests/api/browser.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package@version  path inside the package  file name in assets/vendor
files=(
  "react@18.3.1 umd/react.production.min.js react.production.min.js"
  "react-dom@18.3.1 umd/react-dom.production.min.js react-dom.production.min.js"
  "graphiql@4.1.2 graphiql.min.js graphiql.min.js"
  "graphiql@4.1.2 graphiql.min.css graphiql.min.css"
  "@graphiql/plugin-explorer@4.0.6 dist/index.umd.js graphiql-plugin-explorer.umd.js"
  "@graphiql/plugin-explorer@4.0.6 dist/style.css graphiql-plugin-explorer.css"
  "preact@10.29.8 dist/preact.min.umd.js preact.min.umd.js"
  "preact@10.29.8 hooks/dist/hooks.umd.js preact-hooks.umd.js"
  "htm@3.1.1 dist/htm.umd.js htm.umd.js"
  "graphql-ws@6.4.2 umd/graphql-ws.min.js graphql-ws.min.js"
)

printf 'file\tpackage\tversion\tpath\tsha256\n' >"$work/MANIFEST.tsv"
for entry in "${files[@]}"; do
  read -r spec path name <<<"$entry"
  pkg=${spec%@*}
  version=${spec##*@}
  dir="$work/$(echo "$spec" | tr '/@' '__')"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    tarball=$(cd "$dir" && npm pack --silent "$spec" | tail -1)
    tar xzf "$dir/$tarball" -C "$dir"
    # Each package's licence travels with its files.
    for lic in LICENSE LICENSE.md license; do
      if [ -f "$dir/package/$lic" ]; then cp "$dir/package/$lic" "$out/LICENSE.$(echo "$pkg" | tr '/@' '__' | sed 's/^_//')"; break; fi
    done
  fi
  cp "$dir/package/$path" "$out/$name"
  sum=$(sha256sum "$out/$name" | cut -d' ' -f1)
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$pkg" "$version" "$path" "$sum" >>"$work/MANIFEST.tsv"
done
cp "$work/MANIFEST.tsv" "$out/MANIFEST.tsv"
cat "$out/MANIFEST.tsv"
