#!/usr/bin/env bash
# Build the web app (app/) for release with trunk, offline, into app/dist, then print
# the sizes of what a browser downloads (raw and gzip).
#
#   scripts/build-app.sh            install what is missing (setup.sh web), then build
#   scripts/build-app.sh ARGS...    extra arguments go to `trunk build`
#
# The tools are the ones scripts/setup.sh installs: trunk and wasm-bindgen-cli in
# ~/.cargo/bin, wasm-opt from the npm registry's binaryen in .tools/npm. app/Trunk.toml
# sets offline = true, so a missing or mismatched tool fails the build instead of a
# download; --offline here also skips trunk's update check. indexer/build.rs embeds app/dist
# into the `shelf` binary, so rebuild shelf after this.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST="$ROOT/app/dist"
cd "$ROOT"

log() { printf 'build-app: %s\n' "$*" >&2; }

bash scripts/setup.sh web

# ~/.cargo/bin first (trunk, the matching wasm-bindgen), then npm's wasm-opt.
PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$ROOT/.tools/npm/node_modules/.bin:$PATH"
export PATH

start=$SECONDS
log "trunk build --release (app/ -> ${DIST#"$ROOT"/})"
(cd app && trunk --color never --offline --skip-version-check build --release --dist "$DIST" "$@")
log "built in $((SECONDS - start)) s"

# The files a browser loads, with raw and gzip sizes.
sizes() {
  local file raw gz total_raw=0 total_gz=0
  printf '%-44s %10s %10s\n' file bytes gzip
  for file in "$DIST"/index.html "$DIST"/*.wasm "$DIST"/*.js "$DIST"/*.css "$DIST"/*.svg; do
    [[ -f "$file" ]] || continue
    raw=$(stat -c %s "$file")
    gz=$(gzip -9 -c "$file" | wc -c)
    total_raw=$((total_raw + raw))
    total_gz=$((total_gz + gz))
    printf '%-44s %10d %10d\n' "${file#"$DIST"/}" "$raw" "$gz"
  done
  printf '%-44s %10d %10d\n' total "$total_raw" "$total_gz"
}
sizes >&2
