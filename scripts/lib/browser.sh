# shellcheck shell=bash
# Headless Chromium behind chromedriver on 127.0.0.1, for the web app's end-to-end tests.
# Source this file, then:
#
#   browser_start             start chromedriver on a free port, export the variables below
#   browser_capabilities      print WebDriver capabilities (JSON) for one new session
#   browser_stop              stop it (callers also set: trap browser_stop EXIT)
#
# browser_start exports
#   SHELF_TEST_WEBDRIVER      http://127.0.0.1:PORT, the WebDriver endpoint
#   SHELF_TEST_CHROMIUM       the browser binary (goog:chromeOptions.binary)
#   SHELF_TEST_CHROMIUM_ARGS  its headless flags, space-separated (goog:chromeOptions.args);
#                             each session adds its own fresh --user-data-dir=DIR
# Chromium and chromedriver come from scripts/setup.sh (step chromium); chromedriver's log
# goes to target/chromedriver.log.

BROWSER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BROWSER_LOG="$BROWSER_ROOT/target/chromedriver.log"
BROWSER_CHROMIUM=${SHELF_TEST_CHROMIUM:-/usr/bin/chromium}
BROWSER_CHROMEDRIVER=${SHELF_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}
BROWSER_PID=""
# Where this run's browser profiles go (made by browser_start, removed by browser_stop).
BROWSER_PROFILES=""

# Headless, no sandbox (we run as root), nothing that talks to the network by itself.
BROWSER_ARGS=(
  --headless=new
  --no-sandbox
  --disable-gpu
  --disable-dev-shm-usage
  --disable-background-networking
  --disable-component-update
  --disable-sync
  --disable-extensions
  --disable-default-apps
  --no-first-run
  --no-default-browser-check
  "--window-size=1280,800"
)

_browser_log() { printf 'browser: %s\n' "$*" >&2; }

_browser_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Succeeds once the WebDriver server at $1 reports it is ready for new sessions.
_browser_ready() {
  python3 - "$1" 2>/dev/null <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/status", timeout=1) as r:
    sys.exit(0 if json.load(r)["value"]["ready"] else 1)
PY
}

browser_start() {
  if [[ -n "$BROWSER_PID" ]] && kill -0 "$BROWSER_PID" 2>/dev/null; then
    _browser_log "already running (pid $BROWSER_PID) at $SHELF_TEST_WEBDRIVER"
    return 0
  fi
  local exe
  for exe in "$BROWSER_CHROMIUM" "$BROWSER_CHROMEDRIVER"; do
    if [[ ! -x "$exe" ]]; then
      _browser_log "error: $exe is missing; run scripts/setup.sh chromium"
      return 1
    fi
  done
  mkdir -p "$(dirname "$BROWSER_LOG")" "$BROWSER_ROOT/target/browser-profiles"
  : >"$BROWSER_LOG"
  BROWSER_PROFILES=$(mktemp -d "$BROWSER_ROOT/target/browser-profiles/run.XXXXXX")

  # The port is free when picked but could be taken before chromedriver binds it: retry.
  local attempt port endpoint deadline
  for attempt in 1 2 3; do
    port=$(_browser_free_port)
    endpoint="http://127.0.0.1:$port"
    # Its own process group, so browser_stop also ends the browsers it started.
    setsid "$BROWSER_CHROMEDRIVER" --port="$port" --log-path="$BROWSER_LOG" \
      >/dev/null 2>&1 </dev/null &
    BROWSER_PID=$!
    deadline=$((SECONDS + 30))
    while kill -0 "$BROWSER_PID" 2>/dev/null && ((SECONDS < deadline)); do
      if _browser_ready "$endpoint"; then
        export SHELF_TEST_WEBDRIVER="$endpoint"
        export SHELF_TEST_CHROMIUM="$BROWSER_CHROMIUM"
        export SHELF_TEST_CHROMIUM_ARGS="${BROWSER_ARGS[*]}"
        _browser_log "chromedriver $("$BROWSER_CHROMEDRIVER" --version | awk '{print $2}')" \
          "(pid $BROWSER_PID) listening at $endpoint, log in ${BROWSER_LOG#"$BROWSER_ROOT"/}"
        return 0
      fi
      sleep 0.2
    done
    if kill -0 "$BROWSER_PID" 2>/dev/null; then
      _browser_log "error: chromedriver did not answer at $endpoint within 30 s; see $BROWSER_LOG"
      browser_stop
      return 1
    fi
    wait "$BROWSER_PID" 2>/dev/null || true
    BROWSER_PID=""
    _browser_log "chromedriver exited at start (attempt $attempt, port $port); retrying"
  done
  _browser_log "error: chromedriver failed to start; last lines of $BROWSER_LOG:"
  tail -n 20 "$BROWSER_LOG" >&2 || true
  return 1
}

# Print the capabilities for one new WebDriver session: headless Chromium with the profile
# directory $1, by default a fresh one that browser_stop removes.
browser_capabilities() {
  local profile=${1:-}
  if [[ -z "$profile" ]]; then
    if [[ -z "$BROWSER_PROFILES" ]]; then
      _browser_log "error: no browser; call browser_start first"
      return 1
    fi
    profile=$(mktemp -d "$BROWSER_PROFILES/session.XXXXXX")
  fi
  python3 - "$BROWSER_CHROMIUM" "$profile" "${BROWSER_ARGS[@]}" <<'PY'
import json, sys
binary, profile, args = sys.argv[1], sys.argv[2], sys.argv[3:]
print(json.dumps({
    "browserName": "chrome",
    "goog:chromeOptions": {"binary": binary, "args": args + ["--user-data-dir=" + profile]},
}))
PY
}

browser_stop() {
  if [[ -z "$BROWSER_PID" ]]; then
    return 0
  fi
  local pid=$BROWSER_PID i
  BROWSER_PID=""
  # The whole group: chromedriver and any browser a crashed test left behind.
  if kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  if [[ -n "$BROWSER_PROFILES" ]]; then
    rm -rf "$BROWSER_PROFILES"
    BROWSER_PROFILES=""
  fi
  unset SHELF_TEST_WEBDRIVER
  _browser_log "chromedriver (pid $pid) stopped"
}
