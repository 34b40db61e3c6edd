#!/usr/bin/env bash
# Install what the tests and benchmarks need, skipping whatever is already present.
#
#   scripts/setup.sh            run every step
#   scripts/setup.sh STEP...    run only the named steps (see STEPS below)
#
# Each step is a function `step_<name>` that checks first and installs only what is
# missing, so running this script again is cheap. Output is one line per step on
# stderr; installers run quietly.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.tools/venv"
TOOLS_REQUIREMENTS="$ROOT/scripts/tools-requirements.txt"

# Steps in the order they run by default.
STEPS=(rust_components wasm_target python_tools)

log() { printf 'setup: %s\n' "$*" >&2; }

# rustup installs into ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
  export PATH
fi

step_rust_components() {
  local installed missing=()
  installed=$(rustup component list --installed)
  local component
  for component in rustfmt clippy; do
    if ! grep -q "^${component}-" <<<"$installed"; then
      missing+=("$component")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "rust components rustfmt, clippy: present"
    return
  fi
  log "rust components: adding ${missing[*]}"
  rustup -q component add "${missing[@]}" >/dev/null
}

step_wasm_target() {
  local target=wasm32-unknown-unknown installed
  installed=$(rustup target list --installed)
  if grep -qx "$target" <<<"$installed"; then
    log "rust target $target: present"
    return
  fi
  log "rust target $target: adding"
  rustup -q target add "$target" >/dev/null
}

# The version of PACKAGE pinned in tools-requirements.txt (extras ignored).
pinned_version() {
  sed -n "s/^$1\(\[[^]]*\]\)\{0,1\}==//p" "$TOOLS_REQUIREMENTS"
}

# The version of PACKAGE installed in the venv, or nothing.
venv_version() {
  "$VENV/bin/python" - "$1" 2>/dev/null <<'EOF' || true
import importlib.metadata as m, sys
try:
    print(m.version(sys.argv[1]))
except m.PackageNotFoundError:
    pass
EOF
}

requirements_digest() {
  sha256sum "$TOOLS_REQUIREMENTS" | cut -d' ' -f1
}

step_python_tools() {
  local moto_pin awscli_pin stamp="$VENV/.tools-requirements.sha256"
  moto_pin=$(pinned_version moto)
  awscli_pin=$(pinned_version awscli)
  if [[ -z "$moto_pin" || -z "$awscli_pin" ]]; then
    log "error: $TOOLS_REQUIREMENTS must pin moto[server] and awscli"
    return 1
  fi

  if [[ -x "$VENV/bin/moto_server" && -x "$VENV/bin/aws" ]] &&
    [[ "$(venv_version moto)" == "$moto_pin" ]] &&
    [[ -f "$stamp" && "$(cat "$stamp")" == "$(requirements_digest)" ]]; then
    log "python tools (moto $moto_pin, awscli $awscli_pin) in .tools/venv: present"
    return
  fi

  log "python tools: installing moto[server] $moto_pin, awscli $awscli_pin into .tools/venv"
  # A venv whose interpreter no longer runs (the base Python moved) is rebuilt.
  if [[ -e "$VENV" ]] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
    rm -rf "$VENV"
  fi
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$VENV/bin/python" -m pip install -q -r "$TOOLS_REQUIREMENTS"
  requirements_digest >"$stamp"
}

main() {
  cd "$ROOT"
  local steps=("$@") step
  if ((${#steps[@]} == 0)); then
    steps=("${STEPS[@]}")
  fi
  for step in "${steps[@]}"; do
    step=${step//-/_}
    if ! declare -F "step_$step" >/dev/null; then
      log "error: unknown step '$step' (known: ${STEPS[*]})"
      return 2
    fi
    "step_$step"
  done
}

main "$@"
