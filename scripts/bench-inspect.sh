#!/usr/bin/env bash
# Benchmark model-file introspection (inspect/, the shelf-inspect crate) on large files: it must read
# headers only, so a 1 GiB file takes milliseconds and little memory.
#
#   bash scripts/bench-inspect.sh                    1 GiB files, 5 runs of each row
#   BENCH_SIZE_MB=64 bash scripts/bench-inspect.sh   smaller files
#
# Settings (environment):
#   BENCH_SIZE_MB   size of the big files in MiB (default 1024 = 1 GiB)
#   BENCH_RUNS      runs of each row; the table shows the median time (default 5)
#
# Files (scripts/bench-inspect.py; the tensor bytes are sparse holes, so they cost no
# disk and no time to write):
#   big.safetensors    one F32 tensor of BENCH_SIZE_MB MiB
#   many.safetensors   100,000 BF16 tensors: an 11 MB header (a large LLM checkpoint has
#                      a few thousand), listed up to the 10,000-tensor cap
#   big.onnx           a MatMul with one initializer of BENCH_SIZE_MB MiB of raw_data
#   big.gguf           one F32 tensor of BENCH_SIZE_MB MiB
#   big.pkl            a protocol 4 pickle of one bytes object of BENCH_SIZE_MB MiB
# Each run is a fresh process (the `inspect` example of shelf-inspect, release build): the
# time is inspect_file's own (Instant around the call), the peak RSS the whole process's
# (VmHWM, which includes the ~2 MB the process starts with). The files are in the page
# cache after the first run; the point is how much of them is read, not the disk.
#
# This prints figures; it is not a test. It fails (exit 1) when a file is not recognised,
# gives a warning, or a run's peak RSS is over 100 MB.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SIZE_MB=${BENCH_SIZE_MB:-1024}
RUNS=${BENCH_RUNS:-5}
RSS_LIMIT_KIB=$((100 * 1000 * 1000 / 1024))

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
[[ "$SIZE_MB" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZE_MB must be a positive whole number of MiB, not '$SIZE_MB'"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number, not '$RUNS'"

bash scripts/setup.sh ml_python
log "building the inspect example (release)"
cargo build --release -q -p shelf-inspect --example inspect
INSPECT="$ROOT/target/release/examples/inspect"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/shelf-bench-inspect.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
log "writing sparse files of $SIZE_MB MiB into $DIR"
PY=.tools/ml-venv/bin/python
"$PY" scripts/bench-inspect.py write "$DIR" "$SIZE_MB"

printf '\n%-18s %14s %10s %12s  %s\n' file "size (bytes)" "ms (med)" "peak RSS" "what was read"
for name in big.safetensors many.safetensors big.onnx big.gguf big.pkl; do
  file="$DIR/$name"
  times=()
  rss_max=0
  summary=""
  for ((run = 0; run < RUNS; run++)); do
    read -r ms rss what < <("$INSPECT" "$file" | "$PY" scripts/bench-inspect.py summary)
    [[ "$ms" != ERROR ]] || die "$name: $rss $what"
    times+=("$ms")
    ((rss > rss_max)) && rss_max=$rss
    summary=$what
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  size=$(stat -c %s "$file")
  printf '%-18s %14s %10s %9s MB  %s\n' "$name" "$size" "$median" \
    "$(awk -v k="$rss_max" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')" "$summary"
  ((rss_max <= RSS_LIMIT_KIB)) || die "$name: peak RSS $rss_max KiB is over the limit"
done
printf '\n(%d runs each, median time of inspect_file; peak RSS is the largest over the runs; MB = 10^6 bytes)\n' "$RUNS"
