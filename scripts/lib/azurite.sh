# shellcheck shell=bash
# A real Azure Blob Storage emulator (Azurite's blob service) on 127.0.0.1 for tests and
# demos. Source this file, then:
#
#   azurite_start                        start azurite-blob on a free port, export its URL
#   azurite_create_container NAME [blob] create a container (`blob`: anonymous GET of its
#                                        blobs, no listing, as for hosting the page)
#   azurite_stop                         stop it (callers also set: trap azurite_stop EXIT)
#
# azurite_start exports SHELF_TEST_AZURE_URL and AZURITE_BLOB_STORAGE_URL (the blob
# endpoint, http://127.0.0.1:PORT; object_store reads the second one in emulator mode).
# It does not export AZURE_STORAGE_USE_EMULATOR: a command that should use the emulator
# sets it itself, so that real Azure settings in the environment keep working. Azurite is
# installed by scripts/setup.sh (.tools/azurite, npm azurite pinned there); it keeps
# everything in memory (--inMemoryPersistence) and its log goes to target/azurite.log.

AZURITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AZURITE_BIN="$AZURITE_ROOT/.tools/azurite/node_modules/.bin/azurite-blob"
AZURITE_LOG="$AZURITE_ROOT/target/azurite.log"
AZURITE_PID=""
# Azurite's well-known development account and key (public, documented by Microsoft).
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_azurite_log() { printf 'azurite: %s\n' "$*" >&2; }

# Print a TCP port on 127.0.0.1 that is free right now.
_azurite_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Succeeds once something answers HTTP at $1 (any status code counts; Azurite answers
# GET / with 400).
_azurite_answers() {
  python3 - "$1" 2>/dev/null <<'EOF'
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
EOF
}

azurite_start() {
  if [[ -n "$AZURITE_PID" ]] && kill -0 "$AZURITE_PID" 2>/dev/null; then
    _azurite_log "already running (pid $AZURITE_PID) at $SHELF_TEST_AZURE_URL"
    return 0
  fi
  if [[ ! -x "$AZURITE_BIN" ]]; then
    _azurite_log "error: $AZURITE_BIN is missing; run scripts/setup.sh azurite"
    return 1
  fi
  mkdir -p "$(dirname "$AZURITE_LOG")"
  : >"$AZURITE_LOG"

  # The port is free when picked but could be taken before Azurite binds it: retry.
  # --disableTelemetry: without it Azurite tries to reach Microsoft's telemetry host.
  local attempt port endpoint deadline workdir
  workdir=$(mktemp -d)
  for attempt in 1 2 3; do
    port=$(_azurite_free_port)
    endpoint="http://127.0.0.1:$port"
    (cd "$workdir" && exec "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$port" \
      --inMemoryPersistence --disableTelemetry --silent) >>"$AZURITE_LOG" 2>&1 &
    AZURITE_PID=$!
    deadline=$((SECONDS + 30))
    while kill -0 "$AZURITE_PID" 2>/dev/null && ((SECONDS < deadline)); do
      if _azurite_answers "$endpoint/"; then
        export SHELF_TEST_AZURE_URL="$endpoint"
        export AZURITE_BLOB_STORAGE_URL="$endpoint"
        _azurite_log "azurite-blob (pid $AZURITE_PID) listening at $endpoint, log in ${AZURITE_LOG#"$AZURITE_ROOT"/}"
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$AZURITE_PID" 2>/dev/null; then
      _azurite_log "error: azurite-blob did not answer at $endpoint within 30 s; see $AZURITE_LOG"
      azurite_stop
      return 1
    fi
    wait "$AZURITE_PID" 2>/dev/null || true
    AZURITE_PID=""
    _azurite_log "azurite-blob exited at start (attempt $attempt, port $port); retrying"
  done
  _azurite_log "error: azurite-blob failed to start; last lines of $AZURITE_LOG:"
  tail -n 20 "$AZURITE_LOG" >&2 || true
  return 1
}

azurite_stop() {
  if [[ -z "$AZURITE_PID" ]]; then
    return 0
  fi
  local pid=$AZURITE_PID i
  AZURITE_PID=""
  if kill "$pid" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset SHELF_TEST_AZURE_URL AZURITE_BLOB_STORAGE_URL
  _azurite_log "azurite-blob (pid $pid) stopped"
}

# Create container NAME on the running emulator, with a request signed with the account
# key (Azurite refuses unsigned ones; object_store has no call to create a container).
# With `blob` as second argument, anyone may GET its blobs (but not list them).
# A container that already exists is fine.
azurite_create_container() {
  if [[ $# -lt 1 || -z "$1" ]]; then
    _azurite_log "usage: azurite_create_container NAME [blob]"
    return 2
  fi
  if [[ -z "${SHELF_TEST_AZURE_URL:-}" ]]; then
    _azurite_log "error: no Azurite; call azurite_start first"
    return 1
  fi
  if [[ ! "$1" =~ ^[a-z0-9](-?[a-z0-9])+$ || ${#1} -gt 63 ]]; then
    _azurite_log "error: invalid container name '$1' (3-63 of a-z 0-9 -, no -- and not at either end)"
    return 2
  fi
  python3 - "$SHELF_TEST_AZURE_URL" "$AZURITE_ACCOUNT" "$AZURITE_KEY" "$1" "${2:-}" <<'EOF'
import base64, hashlib, hmac, sys, urllib.error, urllib.request
from email.utils import formatdate
base, account, key, container, access = sys.argv[1:6]
path, date, version = f"/{account}/{container}", formatdate(usegmt=True), "2021-08-06"
headers = {"x-ms-date": date, "x-ms-version": version}
if access:
    headers["x-ms-blob-public-access"] = access
# VERB, Content-Encoding, -Language, -Length (empty for 0), -MD5, Content-Type, Date,
# If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range; then the
# x-ms- headers sorted, then the resource.
canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()))
to_sign = "PUT\n" + "\n" * 11 + canonical_headers + f"/{account}{path}\nrestype:container"
signature = base64.b64encode(
    hmac.new(base64.b64decode(key), to_sign.encode(), hashlib.sha256).digest()
).decode()
headers["Authorization"] = f"SharedKey {account}:{signature}"
request = urllib.request.Request(f"{base}{path}?restype=container", method="PUT", headers=headers)
try:
    urllib.request.urlopen(request, timeout=10)
except urllib.error.HTTPError as e:
    body = e.read().decode("utf-8", "replace")
    if e.code == 409 and "ContainerAlreadyExists" in body:
        sys.exit(0)
    sys.exit(f"azurite: error: creating container {container!r}: HTTP {e.code}: {body}")
EOF
}
