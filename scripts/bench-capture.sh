#!/usr/bin/env bash
# What capture costs a push, and what time travel costs a read.
#
#   bash scripts/bench-capture.sh
#
# Settings (environment): BENCH_RUNS (runs per row, median shown; default 5),
# BENCH_EVENTS (lifecycle events in the time-travel model's log; default 1000).
#
# Rows (release build, local-folder registry, a 2-byte artifact so capture dominates):
#   push --no-env --no-code           the peer: nothing captured
#   push (default)                    environment (the Python interpreter's packages, OS,
#                                     CPU, GPUs) and git state captured
#   push --python .tools/ml-venv      the same with an interpreter holding scikit-learn etc.
#   show m@production                 the state from the model index
#   show m@production --at T          the state of then, replayed from the whole log
#   deployments --at T                the same, registry-wide
# Prints figures; not a test. Results are in docs/benchmarks.md.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

RUNS=${BENCH_RUNS:-5}
EVENTS=${BENCH_EVENTS:-1000}
cargo build --release --quiet -p shelf
SHELF="$ROOT/target/release/shelf"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export SHELF_REGISTRY="$WORK/registry" SHELF_AUTHOR=bench
"$SHELF" init >/dev/null 2>&1
printf 'w\n' >"$WORK/w.bin"

# Median wall time in ms of RUNS runs of the command.
median_ms() {
  python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"{times[len(times) // 2]:.0f}")
PY
}

row() { # LABEL COMMAND...
  local label=$1
  shift
  printf '%-44s %8s ms\n' "$label" "$(median_ms "$@")"
}

echo "capture at push (median of $RUNS)"
row "push --no-env --no-code" "$SHELF" push m "$WORK/w.bin" --no-env --no-code
row "push (default: environment + git)" "$SHELF" push m "$WORK/w.bin"
if [[ -x "$ROOT/.tools/ml-venv/bin/python" ]]; then
  row "push --python .tools/ml-venv/bin/python" "$SHELF" push m "$WORK/w.bin" --python "$ROOT/.tools/ml-venv/bin/python"
fi

echo
echo "time travel on a log of $EVENTS lifecycle events (median of $RUNS)"
"$SHELF" push tt "$WORK/w.bin" --no-env --no-code >/dev/null 2>&1
"$SHELF" push tt "$WORK/w.bin" --no-env --no-code >/dev/null 2>&1
"$SHELF" alias set tt@1 production --reason bench >/dev/null
"$SHELF" deploy tt@1 --target eu --reason bench >/dev/null
MIDDLE=""
for ((i = 0; i < EVENTS; i++)); do
  "$SHELF" tag tt@2 "run=$i" >/dev/null
  if ((i == EVENTS / 2)); then
    MIDDLE=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  fi
done
row "show tt@production" "$SHELF" show tt@production
row "show tt@production --at (middle of the log)" "$SHELF" show tt@production --at "$MIDDLE"
row "deployments --at (middle of the log)" "$SHELF" deployments --at "$MIDDLE"
row "log tt (whole trail, from the index)" "$SHELF" log tt
