#!/usr/bin/env bash
# Benchmark `shelf push` of one large file against the limits that bound it.
#
#   bash scripts/bench-push.sh                    1 GiB file, 3 runs of each row
#   BENCH_SIZE_MB=64 bash scripts/bench-push.sh   a quick run on a 64 MiB file
#
# Settings (environment):
#   BENCH_SIZE_MB      size of the test file in MiB (default 1024 = 1 GiB)
#   BENCH_RUNS         runs of each row; the table shows the median (default 3)
#   BENCH_S3           1 to include the S3 rows against a local moto_server, 0 to skip
#                      them (default 1)
#
# Rows, each reading the same file of random data:
#   openssl dgst -sha256       the hashing limit
#   sha256sum                  for reference
#   shelf push, local folder   to a fresh registry (shelf init first)
#   shelf re-push, local       the unchanged file again: hashed, nothing uploaded
#   dd bs=8M, same folder      a plain copy next to the registry: the write limit
#   aws s3 cp -> moto          the same file to the local S3 server
#   shelf push -> moto         to a fresh registry in the same server
#   shelf re-push -> moto      the unchanged file again
# The file is read once beforehand and again before each row, so every row reads it from
# the page cache (dropping the cache needs root): this measures CPU, memory and copies,
# not the disk. A python3 wrapper (fork, exec, wait4) measures wall time, peak RSS and CPU
# time, and the CPU time the rest of the machine used meanwhile ("others": moto_server for
# the S3 rows; for the other rows it should be near 0, and a warning says when it is not).
# The table gives throughput relative to openssl and to the plain copy to the same place
# (dd for a local folder, aws s3 cp for S3). MB = 10^6 bytes.
#
# This prints figures; it is not a test. It fails (exit 1) only when a command fails, when
# shelf's --json output is wrong (digest, size, bytes uploaded), or when shelf's peak RSS
# is over 200 MB. The results are written up in docs/benchmarks.md.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SIZE_MB=${BENCH_SIZE_MB:-1024}
RUNS=${BENCH_RUNS:-3}
WITH_S3=${BENCH_S3:-1}
# Bound on shelf's peak RSS, in bytes (200 MB).
RSS_LIMIT=200000000
BUCKET=shelf-bench
MODEL=bench/model
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')

log() { printf 'bench: %s\n' "$*" >&2; }
# KiB to MB (10^6 bytes)
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }
die() {
  log "error: $*"
  exit 1
}

[[ "$SIZE_MB" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SIZE_MB must be a positive whole number of MiB, not '$SIZE_MB'"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number, not '$RUNS'"
[[ "$WITH_S3" == 0 || "$WITH_S3" == 1 ]] || die "BENCH_S3 must be 0 or 1, not '$WITH_S3'"
for tool in python3 openssl sha256sum dd; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
SIZE=$((SIZE_MB * 1024 * 1024))

# --- build and tools ---------------------------------------------------------------------
log "building shelf (release)"
cargo build --release -q -p shelf
SHELF="$ROOT/target/release/shelf"
AWS="$ROOT/.tools/venv/bin/aws"
if [[ "$WITH_S3" == 1 ]]; then
  bash scripts/setup.sh python_tools
  # shellcheck source=scripts/lib/s3.sh
  source scripts/lib/s3.sh
fi
export SHELF_AUTHOR=bench

# --- scratch space, removed on exit ------------------------------------------------------
mkdir -p target/bench
# The file, a registry holding a copy of it and the dd copy, plus some room.
need_kb=$((3 * SIZE / 1024 + 100 * 1024))
avail_kb=$(df -Pk target/bench | awk 'NR == 2 { print $4 }')
((avail_kb > need_kb)) || die "target/bench has $((avail_kb / 1024)) MiB free; this size needs $((need_kb / 1024)) MiB"
WORK=$(mktemp -d "$ROOT/target/bench/push.XXXXXX")
cleanup() {
  if [[ "$WITH_S3" == 1 ]]; then
    s3_stop
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a command and write "wall_s maxrss_kb user_s sys_s others_s" about it to the file
# $1; the command's stdout and stderr are the wrapper's. wait4 gives the rusage of that
# one child. Its peak RSS includes what the wrapper had mapped when it forked (the floor
# printed with the table): Linux folds the pre-exec memory into ru_maxrss.
cat >"$WORK/measure.py" <<'EOF'
import os, sys, time

def busy_ticks():
    # CPU time the whole machine spent not idle, in USER_HZ ticks (1/100 s).
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:9]]
    return sum(t) - t[3] - t[4]  # user .. steal, less idle and iowait

out, cmd = sys.argv[1], sys.argv[2:]
busy = busy_ticks()
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    except OSError as e:
        print(f"bench: cannot run {cmd[0]}: {e}", file=sys.stderr)
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
# CPU time that everything else on the machine used meanwhile (other processes, kernel
# threads such as writeback): a sign of a machine too busy to benchmark on.
others = max(0.0, (busy_ticks() - busy) / 100 - ru.ru_utime - ru.ru_stime)
with open(out, "w") as f:
    f.write(f"{wall:.6f} {ru.ru_maxrss} {ru.ru_utime:.3f} {ru.ru_stime:.3f} {others:.2f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
EOF

RESULTS="$WORK/results.txt"
SENT="$WORK/sent.txt"
OUT="$WORK/out.txt"
: >"$RESULTS"
: >"$SENT"
FILE="$WORK/model.bin"

# measure ROW CMD...: run CMD with the file in the page cache and no dirty pages pending,
# append "ROW wall rss user sys others" to $RESULTS. CMD's stdout goes to $OUT.
measure() {
  local row=$1 wall rss_kb user sys others
  shift
  sync
  cat "$FILE" >/dev/null
  if ! python3 "$WORK/measure.py" "$WORK/m.txt" "$@" >"$OUT"; then
    log "error: '$*' failed; its output:"
    cat "$OUT" >&2
    exit 1
  fi
  printf '%s %s\n' "$row" "$(cat "$WORK/m.txt")" >>"$RESULTS"
  read -r wall rss_kb user sys others <"$WORK/m.txt"
  log "  $row: $(printf "%.2f" "$wall") s, peak RSS $(mb "$rss_kb") MB, user $user s, sys $sys s, others $others s"
}

# check_push ROW EXPECTED_BYTES_UPLOADED: check shelf's --json output in $OUT (one
# artifact with the file's digest and size, the bytes uploaded) and record the bytes.
check_push() {
  local row=$1 expect=$2 sent
  if ! sent=$(python3 - "$OUT" "$DIGEST" "$SIZE" "$expect" <<'EOF'
import json, sys
path, digest, size, expect = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = json.load(open(path))
[art] = out["artifacts"]
problems = []
if art["digest"] != "sha256:" + digest:
    problems.append(f"digest {art['digest']}, openssl says sha256:{digest}")
if art["size"] != size:
    problems.append(f"size {art['size']}, the file has {size}")
if out["bytes_uploaded"] != expect:
    problems.append(f"bytes_uploaded {out['bytes_uploaded']}, expected {expect}")
if problems:
    sys.exit("; ".join(problems))
print(out["bytes_uploaded"])
EOF
  ); then
    log "error: $row: unexpected shelf output:"
    cat "$OUT" >&2
    exit 1
  fi
  printf '%s %s\n' "$row" "$sent" >>"$SENT"
}

# --- the test file -----------------------------------------------------------------------
log "writing $SIZE_MB MiB of random data to ${FILE#"$ROOT"/}"
head -c "$SIZE" /dev/urandom >"$FILE"
cat "$FILE" >/dev/null
DIGEST=$(openssl dgst -sha256 -r "$FILE" | cut -d' ' -f1)
python3 "$WORK/measure.py" "$WORK/floor.txt" true
FLOOR_KB=$(cut -d' ' -f2 "$WORK/floor.txt")

# --- local rows --------------------------------------------------------------------------
# The registry and the dd copy are deleted at the end of a run, not between rows: on VMs
# that hand freed memory back to the host, memory freed just before a row makes its
# writes much faster (see docs/benchmarks.md).
for ((run = 1; run <= RUNS; run++)); do
  log "run $run/$RUNS: hashing, local-folder registry, dd"
  measure openssl openssl dgst -sha256 "$FILE"
  [[ "$(awk '{ print $NF }' "$OUT")" == "$DIGEST" ]] || die "openssl gave another digest"
  measure sha256sum sha256sum "$FILE"
  [[ "$(cut -d' ' -f1 "$OUT")" == "$DIGEST" ]] || die "sha256sum gave another digest"

  registry="$WORK/registry"
  "$SHELF" --registry "$registry" --quiet init >/dev/null
  measure push_local "$SHELF" --registry "$registry" --json --no-progress push "$MODEL" "$FILE"
  check_push push_local "$SIZE"
  measure repush_local "$SHELF" --registry "$registry" --json --no-progress push "$MODEL" "$FILE"
  check_push repush_local 0

  measure dd dd if="$FILE" of="$WORK/copy.bin" bs=8M status=none
  rm -rf "$registry" "$WORK/copy.bin"
done

# --- S3 rows (moto_server keeps objects in memory: they are removed after each run) ------
if [[ "$WITH_S3" == 1 ]]; then
  s3_start
  s3_create_bucket "$BUCKET"
  s3=(--endpoint-url "$AWS_ENDPOINT_URL" --only-show-errors)
  for ((run = 1; run <= RUNS; run++)); do
    log "run $run/$RUNS: moto_server"
    measure aws_cp "$AWS" s3 cp --no-progress "${s3[@]}" "$FILE" "s3://$BUCKET/aws-cp/model.bin"
    "$AWS" s3 rm "${s3[@]}" "s3://$BUCKET/aws-cp/model.bin"

    registry="s3://$BUCKET/run-$run"
    "$SHELF" --registry "$registry" --quiet init >/dev/null
    measure push_s3 "$SHELF" --registry "$registry" --json --no-progress push "$MODEL" "$FILE"
    check_push push_s3 "$SIZE"
    measure repush_s3 "$SHELF" --registry "$registry" --json --no-progress push "$MODEL" "$FILE"
    check_push repush_s3 0
    "$AWS" s3 rm "${s3[@]}" --recursive "$registry/"
  done
  MOTO_HWM_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/${S3_PID:-0}/status" 2>/dev/null || true)
fi

# --- the table ---------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
if grep -qw sha_ni /proc/cpuinfo; then sha_ni=yes; else sha_ni=no; fi
versions="$("$SHELF" --version), $(openssl version | cut -d' ' -f1-2)"
if [[ "$WITH_S3" == 1 ]]; then
  versions+=", $("$AWS" --version 2>&1 | cut -d' ' -f1), moto $("$ROOT/.tools/venv/bin/python" -c 'import moto; print(moto.__version__)')"
fi

cat <<EOF

shelf push benchmark, $STARTED
  file:     $SIZE_MB MiB ($SIZE bytes) of random data, in the page cache for every row
  runs:     $RUNS per row; median wall and CPU times, highest peak RSS
  machine:  $(nproc) CPUs, ${cpu:-unknown CPU}, SHA-NI (sha_ni): $sha_ni, kernel $(uname -r)
  versions: $versions
  MB = 10^6 bytes. "x openssl": throughput relative to openssl dgst -sha256; "x copy":
  relative to a plain copy to the same place (dd for the folder, aws s3 cp for S3);
  "others s": CPU time the rest of the machine used meanwhile (moto_server for S3 rows)
  peak RSS: about $(mb "$FLOOR_KB") MB of the wrapper is the floor of that column
EOF
if [[ -n "${MOTO_HWM_KB:-}" ]]; then
  printf '  moto_server peak RSS over the whole run: %s MB\n' "$(mb "$MOTO_HWM_KB")"
fi
echo

python3 - "$RESULTS" "$SENT" "$SIZE" "$RSS_LIMIT" <<'EOF'
import statistics, sys
results, sent_path, size, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in open(results):
    row, wall, rss_kb, user, sys_, others = line.split()
    rows.setdefault(row, []).append(
        (float(wall), int(rss_kb) * 1024, float(user), float(sys_), float(others)))
sent = {}
for line in open(sent_path):
    row, n = line.split()
    sent.setdefault(row, set()).add(int(n))

# (row, label, the plain copy it is compared with)
table = [
    ("openssl", "openssl dgst -sha256", None),
    ("sha256sum", "sha256sum", None),
    ("push_local", "shelf push, local folder", "dd"),
    ("repush_local", "shelf re-push (unchanged), local folder", "dd"),
    ("dd", "dd bs=8M, copy to the same folder", "dd"),
    ("aws_cp", "aws s3 cp -> moto", "aws_cp"),
    ("push_s3", "shelf push -> moto", "aws_cp"),
    ("repush_s3", "shelf re-push (unchanged) -> moto", "aws_cp"),
]
shelf_rows = {"push_local", "repush_local", "push_s3", "repush_s3"}
s3_rows = {"aws_cp", "push_s3", "repush_s3"}
med = {row: statistics.median(r[0] for r in runs) for row, runs in rows.items()}

head = (f"{'':41} {'s':>6} {'MB/s':>6} {'peak RSS MB':>11} {'user s':>6} {'sys s':>6}"
        f" {'others s':>8} {'x openssl':>9} {'x copy':>6} {'uploaded B':>11}")
print(head)
print("-" * len(head))
failures = []
busy = []
for row, label, copy in table:
    if row not in rows:
        continue
    runs = rows[row]
    wall = med[row]
    rss = max(r[1] for r in runs)
    user = statistics.median(r[2] for r in runs)
    sys_ = statistics.median(r[3] for r in runs)
    others = statistics.median(r[4] for r in runs)
    x_openssl = f"{med['openssl'] / wall:.2f}"
    x_copy = f"{med[copy] / wall:.2f}" if copy in med else "-"
    up = ",".join(str(n) for n in sorted(sent[row])) if row in sent else "-"
    print(f"{label:41} {wall:6.2f} {size / 1e6 / wall:6.0f} {rss / 1e6:11.1f} {user:6.2f}"
          f" {sys_:6.2f} {others:8.2f} {x_openssl:>9} {x_copy:>6} {up:>11}")
    if row in shelf_rows and rss > limit:
        failures.append(f"{label}: peak RSS {rss / 1e6:.1f} MB is over the {limit / 1e6:.0f} MB bound")
    if row not in s3_rows and max(r[4] / r[0] for r in runs) > 0.25:
        busy.append(label)
print()
if busy:
    print("warning: other processes used over a quarter of a CPU during: " + "; ".join(busy))
    print("         (see 'others s'); these figures are not from a quiet machine")
if failures:
    for f in failures:
        print(f"FAIL: {f}")
    sys.exit(1)
print(f"ok: shelf's peak RSS stayed under {limit / 1e6:.0f} MB in every run")
EOF
