#!/usr/bin/env bash
# The project's test command: installs what is missing, starts a real S3 server, then
# runs formatting, lints, the wasm build of the format crate, and the whole test suite.
# Extra arguments go to `cargo test`, e.g. `scripts/test.sh -- --nocapture`.
# Stops at the first failing step.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
  export PATH
fi

banner() { printf '\n==> %s\n' "$*" >&2; }

# Run one step under a banner and report how long it took.
step() {
  local start=$SECONDS
  banner "$*"
  "$@" || {
    local rc=$?
    printf '==> FAILED (exit %d, %ds): %s\n' "$rc" "$((SECONDS - start))" "$*" >&2
    exit "$rc"
  }
  printf '==> ok (%ds): %s\n' "$((SECONDS - start))" "$*" >&2
}

step bash scripts/setup.sh

# shellcheck source=scripts/lib/s3.sh
source scripts/lib/s3.sh
trap s3_stop EXIT
trap 's3_stop; exit 130' INT
trap 's3_stop; exit 143' TERM
step s3_start

step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets -- -D warnings
step cargo build -p shelf-format --target wasm32-unknown-unknown
step cargo test --workspace "$@"
