#!/usr/bin/env bash
# Install what the tests and benchmarks need, skipping whatever is already present.
#
#   scripts/setup.sh            run every step
#   scripts/setup.sh STEP...    run only the named steps or groups (see STEPS, STEP_GROUPS below),
#                               e.g. `scripts/setup.sh web` for the web-app toolchain
#
# Each step is a function `step_<name>` that checks first and installs only what is
# missing, so running this script again is cheap. Output is one line per step on
# stderr; installers run quietly.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.tools/venv"
TOOLS_REQUIREMENTS="$ROOT/scripts/tools-requirements.txt"
ML_VENV="$ROOT/.tools/ml-venv"
ML_REQUIREMENTS="$ROOT/scripts/ml-requirements.txt"

# Steps in the order they run by default.
STEPS=(rust_components wasm_target python_tools ml_python trunk wasm_bindgen_cli binaryen azurite chromium)
# Names that stand for several steps.
declare -A STEP_GROUPS=(
  [web]="wasm_target trunk wasm_bindgen_cli binaryen chromium"
)

# Web-app toolchain pins (see DESIGN.md, "Toolchain facts on these machines").
# trunk 0.22 needs a newer rustc than the one here.
TRUNK_VERSION=0.21.14
# The npm registry's binaryen (wasm-opt, compiled to wasm, runs on Node). Debian's binaryen
# (wasm-opt 108) breaks Leptos release builds: the page stays blank. Keep app/Trunk.toml's
# `[tools] wasm_opt` in step with this.
BINARYEN_VERSION=132.0.0
NPM_PREFIX="$ROOT/.tools/npm"
# The Azure Blob Storage emulator of the Azure conformance and browser tests. 3.37 needs
# Node 22; the machine has Node 20. Its own npm prefix, so that it never reshuffles
# binaryen's. Keep scripts/lib/azurite.sh's AZURITE_PREFIX in step with this.
AZURITE_VERSION=3.35.0
AZURITE_PREFIX="$ROOT/.tools/azurite"

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

# The ML packages that write real model files for the introspection tests
# (tests/fixtures/make_model_files.py): a venv of their own, .tools/ml-venv, pinned by
# ml-requirements.txt and stamped with its digest like the tools venv.
step_ml_python() {
  local stamp="$ML_VENV/.ml-requirements.sha256" digest
  digest=$(sha256sum "$ML_REQUIREMENTS" | cut -d' ' -f1)
  if [[ -x "$ML_VENV/bin/python" ]] && "$ML_VENV/bin/python" -c '' 2>/dev/null &&
    [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    log "python ML packages (numpy, safetensors, onnx, gguf, joblib, scikit-learn) in .tools/ml-venv: present"
    return
  fi

  log "python ML packages: installing ml-requirements.txt into .tools/ml-venv"
  # A venv whose interpreter no longer runs (the base Python moved) is rebuilt.
  if [[ -e "$ML_VENV" ]] && ! "$ML_VENV/bin/python" -c '' 2>/dev/null; then
    rm -rf "$ML_VENV"
  fi
  mkdir -p "$(dirname "$ML_VENV")"
  python3 -m venv "$ML_VENV"
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$ML_VENV/bin/python" -m pip install -q -r "$ML_REQUIREMENTS"
  printf '%s\n' "$digest" >"$stamp"
}

# ~/.cargo/bin holds what `cargo install` puts there (trunk, wasm-bindgen).
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

# The version of crate $1 in Cargo.lock (the first one if several are locked).
locked_version() {
  awk -v name="$1" '
    $0 == "name = \"" name "\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$ROOT/Cargo.lock"
}

step_trunk() {
  local have=""
  if [[ -x "$CARGO_BIN/trunk" ]]; then
    have=$("$CARGO_BIN/trunk" --version 2>/dev/null | awk '{print $2}')
  fi
  if [[ "$have" == "$TRUNK_VERSION" ]]; then
    log "trunk $TRUNK_VERSION: present"
    return
  fi
  log "trunk: installing $TRUNK_VERSION with cargo install (compiles for ~8 minutes)"
  quietly cargo install --locked trunk --version "$TRUNK_VERSION"
}

step_wasm_bindgen_cli() {
  local want have=""
  want=$(locked_version wasm-bindgen)
  if [[ -z "$want" ]]; then
    log "error: no wasm-bindgen in Cargo.lock (does app/ depend on it?)"
    return 1
  fi
  if [[ -x "$CARGO_BIN/wasm-bindgen" ]]; then
    have=$("$CARGO_BIN/wasm-bindgen" --version 2>/dev/null | awk '{print $2}')
  fi
  if [[ "$have" == "$want" ]]; then
    log "wasm-bindgen-cli $want (as in Cargo.lock): present"
    return
  fi
  log "wasm-bindgen-cli: installing $want (Cargo.lock's wasm-bindgen${have:+; found $have})"
  # Not --locked: one of its locked dependencies is not in the registry.
  quietly cargo install --force wasm-bindgen-cli --version "$want"
}

step_binaryen() {
  local have="" pkg="$NPM_PREFIX/node_modules/binaryen/package.json"
  if [[ -f "$pkg" && -x "$NPM_PREFIX/node_modules/.bin/wasm-opt" ]]; then
    have=$(node -p 'require(process.argv[1]).version' "$pkg" 2>/dev/null || true)
  fi
  if [[ "$have" == "$BINARYEN_VERSION" ]]; then
    log "binaryen $BINARYEN_VERSION (npm, wasm-opt) in .tools/npm: present"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "binaryen: installing nodejs and npm with apt-get"
    apt_install nodejs npm
  fi
  log "binaryen: installing $BINARYEN_VERSION from npm into .tools/npm"
  mkdir -p "$NPM_PREFIX"
  quietly npm install --prefix "$NPM_PREFIX" --no-audit --no-fund --save-exact \
    "binaryen@$BINARYEN_VERSION"
}

step_azurite() {
  local have="" pkg="$AZURITE_PREFIX/node_modules/azurite/package.json"
  if [[ -f "$pkg" && -x "$AZURITE_PREFIX/node_modules/.bin/azurite-blob" ]]; then
    have=$(node -p 'require(process.argv[1]).version' "$pkg" 2>/dev/null || true)
  fi
  if [[ "$have" == "$AZURITE_VERSION" ]]; then
    log "azurite $AZURITE_VERSION (npm, Azure Blob Storage emulator) in .tools/azurite: present"
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    log "azurite: installing nodejs and npm with apt-get"
    apt_install nodejs npm
  fi
  log "azurite: installing $AZURITE_VERSION from npm into .tools/azurite${have:+ (found $have)}"
  mkdir -p "$AZURITE_PREFIX"
  quietly npm install --prefix "$AZURITE_PREFIX" --no-audit --no-fund --save-exact \
    "azurite@$AZURITE_VERSION"
}

# Run a command with its output kept in a temporary file, shown only if it fails.
quietly() {
  local out rc=0
  out=$(mktemp)
  "$@" >"$out" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$out" >&2
    log "error: '$*' failed (exit $rc)"
  fi
  rm -f "$out"
  return "$rc"
}

APT_UPDATED=""
# apt-get install PACKAGES, running `apt-get update` once per run first.
apt_install() {
  local sudo=()
  if ((EUID != 0)); then
    sudo=(sudo)
  fi
  if [[ -z "$APT_UPDATED" ]]; then
    quietly "${sudo[@]}" apt-get update
    APT_UPDATED=1
  fi
  quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

step_chromium() {
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    log "chromium, chromedriver: present"
    return
  fi
  log "chromium, chromedriver: installing with apt-get"
  apt_install chromium chromium-driver
}

main() {
  cd "$ROOT"
  local args=("$@") steps=() group=() step
  if ((${#args[@]} == 0)); then
    args=("${STEPS[@]}")
  fi
  for step in "${args[@]}"; do
    step=${step//-/_}
    if [[ -n "${STEP_GROUPS[$step]:-}" ]]; then
      read -ra group <<<"${STEP_GROUPS[$step]}"
      steps+=("${group[@]}")
      continue
    fi
    if ! declare -F "step_$step" >/dev/null; then
      log "error: unknown step '$step' (known: ${STEPS[*]}; groups: ${!STEP_GROUPS[*]})"
      return 2
    fi
    steps+=("$step")
  done
  for step in "${steps[@]}"; do
    "step_$step"
  done
}

main "$@"
