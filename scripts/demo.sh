#!/usr/bin/env bash
# The project's main job: installs what it needs, builds the web app and `shelf`, creates
# a demo registry in a local folder with a few realistic models and versions, prints what
# it holds, and serves it: open the printed URL in a browser.
#
#   bash scripts/demo.sh                 # registry in ./demo-registry, page on :8080
#   SHELF_DEMO_REGISTRY=/tmp/reg SHELF_DEMO_PORT=9000 bash scripts/demo.sh
#   SHELF_DEMO_NO_SERVE=1 bash scripts/demo.sh    # build and fill the registry, don't serve
#
# The demo registry is recreated on every run (only if it is a Shelf registry or absent).
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

say() { printf '\n==> %s\n' "$*" >&2; }

say "building the web app (installs trunk, wasm-bindgen, wasm-opt on first run)"
bash scripts/build-app.sh

say "building shelf (release), with the web app embedded"
cargo build --release --quiet -p shelf
SHELF="$ROOT/target/release/shelf"

REG=${SHELF_DEMO_REGISTRY:-$ROOT/demo-registry}
if [[ -e "$REG" ]]; then
  if [[ -f "$REG/shelf.json" ]]; then
    rm -rf "$REG"
  else
    echo "error: $REG exists and is not a Shelf registry; set SHELF_DEMO_REGISTRY to another folder" >&2
    exit 2
  fi
fi
export SHELF_REGISTRY="$REG"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Artifacts: bytes that stand in for weights, and real-looking config files.
artifact() { # DIR SEED SIZE_KB
  mkdir -p "$1"
  head -c "$(($3 * 1024))" /dev/urandom >"$1/model.bin"
  printf '{"seed": %s, "format": "demo"}\n' "$2" >"$1/config.json"
}

say "creating the demo registry at $REG"
"$SHELF" init --name demo

say "fraud-detector: three versions"
artifact "$WORK/fraud/v1" 1 512
SHELF_AUTHOR="alice" "$SHELF" push fraud-detector "$WORK/fraud/v1" \
  --description "Gradient-boosted trees on card transactions, first baseline" \
  --metric precision=0.842 --metric recall=0.771 --metric f1=0.805 --metric auc=0.931 \
  --param n_estimators=300 --param max_depth=6 --param learning_rate=0.1 \
  --label team=risk --label framework=xgboost
artifact "$WORK/fraud/v2" 2 512
SHELF_AUTHOR="bob" "$SHELF" push fraud-detector "$WORK/fraud/v2" --parent fraud-detector@1 --branch exp/class-weights \
  --description "More trees, class weights for the rare fraud class" \
  --metric precision=0.861 --metric recall=0.812 --metric f1=0.836 --metric auc=0.947 \
  --param n_estimators=600 --param max_depth=6 --param learning_rate=0.05 \
  --param scale_pos_weight=12 --label team=risk --label framework=xgboost
cp "$WORK/fraud/v2/model.bin" "$WORK/fraud-v3-model.bin"
SHELF_AUTHOR="alice" "$SHELF" push fraud-detector "$WORK/fraud-v3-model.bin" "$WORK/fraud/v2/config.json" \
  --parent fraud-detector@2 --branch exp/class-weights \
  --description "Same weights, recalibrated threshold on the October data" \
  --metric precision=0.874 --metric recall=0.805 --metric f1=0.838 --metric auc=0.947 \
  --param n_estimators=600 --param max_depth=6 --param learning_rate=0.05 \
  --param scale_pos_weight=12 --param threshold=0.62 --label team=risk --label framework=xgboost

say "demand-forecaster: two versions"
artifact "$WORK/demand/v1" 3 256
SHELF_AUTHOR="chen" "$SHELF" push demand-forecaster "$WORK/demand/v1" \
  --description "Weekly demand per store and SKU, LightGBM on 2 years of sales" \
  --metric mape=0.142 --metric rmse=31.7 --metric wape=0.118 \
  --param horizon_weeks=8 --param num_leaves=63 --label team=supply-chain --label framework=lightgbm
artifact "$WORK/demand/v2" 4 256
SHELF_AUTHOR="chen" "$SHELF" push demand-forecaster "$WORK/demand/v2" \
  --description "Adds holiday and promotion features" \
  --metric mape=0.121 --metric rmse=27.9 --metric wape=0.101 \
  --param horizon_weeks=8 --param num_leaves=127 --label team=supply-chain --label framework=lightgbm

say "vision/lane-detector: a namespaced model"
artifact "$WORK/lane" 5 1024
SHELF_AUTHOR="dana" "$SHELF" push vision/lane-detector "$WORK/lane" \
  --description "Lane segmentation for the 2027 camera module" \
  --metric miou=0.781 --metric latency_ms=11.4 --param backbone=resnet18 --param input=1280x720 \
  --label team=perception --label framework=pytorch

say "lifecycle: statuses, aliases, a canary, an evaluation on live data, a rollback"
SHELF_AUTHOR="alice" "$SHELF" status fraud-detector@1 validated --reason "offline evaluation passed"
SHELF_AUTHOR="alice" "$SHELF" status fraud-detector@1 production --reason "first release (RISK-101)"
SHELF_AUTHOR="alice" "$SHELF" alias set fraud-detector@1 production --reason "first release (RISK-101)"
SHELF_AUTHOR="ops-bot" "$SHELF" deploy fraud-detector@1 --target eu-prod --reason "first release"
SHELF_AUTHOR="ops-bot" "$SHELF" eval fraud-detector@1 --metric auc=0.926 --metric recall=0.760 \
  --dataset live-2026-10 --reason "monthly drift check"
SHELF_AUTHOR="bob" "$SHELF" status fraud-detector@2 validated --reason "AUC +1.6 pt on the holdout"
SHELF_AUTHOR="bob" "$SHELF" tag fraud-detector@2 reviewed-by=carol ticket=RISK-142
SHELF_AUTHOR="ops-bot" "$SHELF" deploy fraud-detector@1 --target eu-prod --traffic 90 --reason "canary for v2"
SHELF_AUTHOR="ops-bot" "$SHELF" deploy fraud-detector@2 --target eu-prod --traffic 10 --reason "canary for v2"
SHELF_AUTHOR="bob" "$SHELF" alias set fraud-detector@2 production --reason "canary healthy for a week" --expect-current 1
SHELF_AUTHOR="ops-bot" "$SHELF" eval fraud-detector@2 --metric auc=0.939 --metric recall=0.801 \
  --dataset live-2026-11 --reason "weekly drift check"
SHELF_AUTHOR="alice" "$SHELF" alias set fraud-detector@3 staging --reason "recalibrated threshold, to review"
SHELF_AUTHOR="bob" "$SHELF" rollback fraud-detector production --reason "false positives up 30% on live traffic"
SHELF_AUTHOR="ops-bot" "$SHELF" deploy fraud-detector@2 --target us-prod --reason "US launch"
SHELF_AUTHOR="chen" "$SHELF" status demand-forecaster@2 experimental --reason "holiday features under test"
SHELF_AUTHOR="chen" "$SHELF" alias set demand-forecaster@1 production --reason "stable baseline"

say "what the registry holds"
"$SHELF" list
echo
"$SHELF" versions fraud-detector
echo
"$SHELF" show fraud-detector@production
echo
"$SHELF" deployments
echo
"$SHELF" log fraud-detector
echo
"$SHELF" verify

say "demo registry ready at $REG"
echo "try: $SHELF --registry $REG show demand-forecaster@production" >&2
echo "     $SHELF --registry $REG log --action deployment" >&2
echo "     $SHELF --registry $REG pull fraud-detector@2 -o /tmp/fraud-v2" >&2
echo "     or open $REG/index.html's registry through any static server" >&2

if [[ -n "${SHELF_DEMO_NO_SERVE:-}" ]]; then
  exit 0
fi
PORT=${SHELF_DEMO_PORT:-8080}
say "serving the registry at http://127.0.0.1:$PORT/  (Ctrl-C stops)"
exec "$SHELF" serve --addr "127.0.0.1:$PORT"
