#!/usr/bin/env bash
# The project's test command: installs what is missing, builds the web app, starts a real
# S3 server (moto), the Azure Blob Storage emulator (Azurite) and headless Chromium's
# WebDriver, runs formatting, lints, the wasm build of the format crate, and the whole
# test suite, then stops the servers. Real cloud buckets join the suites when
# SHELF_TEST_S3_BUCKET, SHELF_TEST_GCS_BUCKET or SHELF_TEST_AZURE_CONTAINER name one
# (tests/support/clouds.rs).
# Extra arguments go to `cargo test`, e.g. `scripts/test.sh -- --nocapture`.
# Stops at the first failing step.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

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

# cargo test, its output also kept in target/test-output.log for the summary below.
run_tests() {
  cargo test --workspace "$@" 2>&1 | tee target/test-output.log
  return "${PIPESTATUS[0]}"
}

step bash scripts/setup.sh
# The web app, built before the Rust crates so that `shelf` embeds it (indexer/build.rs).
step bash scripts/build-app.sh

# shellcheck source=scripts/lib/s3.sh
source scripts/lib/s3.sh
# shellcheck source=scripts/lib/azurite.sh
source scripts/lib/azurite.sh
# shellcheck source=scripts/lib/browser.sh
source scripts/lib/browser.sh
# On exit: stop the servers, then print one closing line for the whole run (cargo
# prints one per test binary, the last of which is often an empty doc-test run).
on_exit() {
  browser_stop
  azurite_stop
  s3_stop
  if [[ -f target/test-output.log ]]; then
    awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' target/test-output.log
  fi
}
mkdir -p target
rm -f target/test-output.log
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
step s3_start
step azurite_start
step browser_start
# Which real clouds the suites will also run on (the tests print the same when skipping).
real_clouds() {
  local var
  for var in SHELF_TEST_S3_BUCKET SHELF_TEST_GCS_BUCKET SHELF_TEST_AZURE_CONTAINER; do
    if [[ -n "${!var:-}" ]]; then
      printf 'real cloud: %s=%s, the suites run on it too\n' "$var" "${!var}" >&2
    else
      printf 'real cloud: %s not set, skipped\n' "$var" >&2
    fi
  done
}
real_clouds

step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets -- -D warnings
step cargo build -p shelf-format --target wasm32-unknown-unknown
step run_tests "$@"
