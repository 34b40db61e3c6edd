# shellcheck shell=bash
# A real S3-compatible server (moto_server) on 127.0.0.1 for tests, demos and benchmarks.
# Source this file, then:
#
#   s3_start                  start moto_server on a free port, export the S3 variables
#   s3_create_bucket NAME     create a bucket on it
#   s3_stop                   stop it (callers also set: trap s3_stop EXIT)
#
# s3_start exports SHELF_TEST_S3_ENDPOINT and the standard AWS_* variables pointing
# at the server with dummy credentials (when SHELF_TEST_S3_BUCKET names a real bucket,
# the caller's own AWS_* are kept as SHELF_TEST_REAL_AWS_* first). moto_server comes from scripts/setup.sh
# (.tools/venv); its log goes to target/moto.log.

S3_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
S3_VENV="$S3_ROOT/.tools/venv"
S3_LOG="$S3_ROOT/target/moto.log"
S3_PID=""

_s3_log() { printf 's3: %s\n' "$*" >&2; }

# Print a TCP port on 127.0.0.1 that is free right now.
_s3_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Succeeds once something answers HTTP at $1 (any status code counts).
_s3_answers() {
  python3 - "$1" 2>/dev/null <<'EOF'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
EOF
}

s3_start() {
  if [[ -n "$S3_PID" ]] && kill -0 "$S3_PID" 2>/dev/null; then
    _s3_log "already running (pid $S3_PID) at $SHELF_TEST_S3_ENDPOINT"
    return 0
  fi
  if [[ ! -x "$S3_VENV/bin/moto_server" ]]; then
    _s3_log "error: $S3_VENV/bin/moto_server is missing; run scripts/setup.sh"
    return 1
  fi
  mkdir -p "$(dirname "$S3_LOG")"
  : >"$S3_LOG"

  # The port is free when picked but could be taken before moto binds it: retry.
  local attempt port endpoint deadline
  for attempt in 1 2 3; do
    port=$(_s3_free_port)
    endpoint="http://127.0.0.1:$port"
    "$S3_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >>"$S3_LOG" 2>&1 &
    S3_PID=$!
    deadline=$((SECONDS + 30))
    while kill -0 "$S3_PID" 2>/dev/null && ((SECONDS < deadline)); do
      if _s3_answers "$endpoint/"; then
        _s3_export "$endpoint"
        _s3_log "moto_server (pid $S3_PID) listening at $endpoint, log in ${S3_LOG#"$S3_ROOT"/}"
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$S3_PID" 2>/dev/null; then
      _s3_log "error: moto_server did not answer at $endpoint within 30 s; see $S3_LOG"
      s3_stop
      return 1
    fi
    wait "$S3_PID" 2>/dev/null || true
    S3_PID=""
    _s3_log "moto_server exited at start (attempt $attempt, port $port); retrying"
  done
  _s3_log "error: moto_server failed to start; last lines of $S3_LOG:"
  tail -n 20 "$S3_LOG" >&2 || true
  return 1
}

_s3_export() {
  # With a real bucket named for the opt-in real-S3 tests (tests/support/clouds.rs), keep
  # the caller's own AWS settings as SHELF_TEST_REAL_AWS_* before replacing them.
  if [[ -n "${SHELF_TEST_S3_BUCKET:-}" && -z "${SHELF_TEST_REAL_AWS_SAVED:-}" ]]; then
    local name
    for name in $(compgen -e); do
      if [[ "$name" == AWS_* ]]; then
        export "SHELF_TEST_REAL_$name=${!name}"
      fi
    done
    export SHELF_TEST_REAL_AWS_SAVED=1
  fi
  export SHELF_TEST_S3_ENDPOINT="$1"
  export AWS_ENDPOINT_URL="$1"
  export AWS_ACCESS_KEY_ID=testing
  export AWS_SECRET_ACCESS_KEY=testing
  export AWS_DEFAULT_REGION=us-east-1
  export AWS_REGION=us-east-1
  export AWS_ALLOW_HTTP=true
  # No instance-metadata lookups: there is no such host here and they only time out.
  export AWS_EC2_METADATA_DISABLED=true
}

s3_stop() {
  if [[ -z "$S3_PID" ]]; then
    return 0
  fi
  local pid=$S3_PID i
  S3_PID=""
  if kill "$pid" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset SHELF_TEST_S3_ENDPOINT AWS_ENDPOINT_URL
  _s3_log "moto_server (pid $pid) stopped"
}

# Create bucket NAME on the running server (an unsigned PUT; moto accepts it).
# A bucket that already exists is fine.
s3_create_bucket() {
  if [[ $# -ne 1 || -z "$1" ]]; then
    _s3_log "usage: s3_create_bucket NAME"
    return 2
  fi
  if [[ -z "${SHELF_TEST_S3_ENDPOINT:-}" ]]; then
    _s3_log "error: no S3 server; call s3_start first"
    return 1
  fi
  # moto accepts any name; hold tests to the names real S3 allows.
  if [[ ! "$1" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]]; then
    _s3_log "error: invalid bucket name '$1' (3-63 of a-z 0-9 . -, alphanumeric at both ends)"
    return 2
  fi
  python3 - "$SHELF_TEST_S3_ENDPOINT" "$1" <<'EOF'
import sys, urllib.error, urllib.request
endpoint, name = sys.argv[1], sys.argv[2]
url = endpoint.rstrip("/") + "/" + name
try:
    urllib.request.urlopen(urllib.request.Request(url, method="PUT"), timeout=10)
except urllib.error.HTTPError as e:
    body = e.read().decode("utf-8", "replace")
    if e.code == 409 and "BucketAlreadyOwnedByYou" in body:
        sys.exit(0)
    sys.exit(f"s3: error: creating bucket {name!r}: HTTP {e.code}: {body}")
EOF
}
