# shellcheck shell=bash
# Sourced by the project's scripts: ROOT (the repository root, also the working folder)
# and cargo on PATH (rustup installs into ~/.cargo/bin, which a non-login shell may lack).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
cd "$ROOT"
if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
  PATH="$HOME/.cargo/bin:$PATH"
  export PATH
fi
