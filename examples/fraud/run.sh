#!/usr/bin/env bash
# The fraud example end to end: generate the data, register it as a dataset, train two
# versions of a model, and push each with its metrics (per split), params, environment,
# code, command, datasets and lineage; then validate and promote the better one.
#
#   bash examples/fraud/run.sh [WORKDIR]
#
# Uses SHELF (default: shelf on PATH), SHELF_REGISTRY (default ./shelf-registry, created if
# missing) and PYTHON (default: .tools/ml-venv/bin/python, made by scripts/setup.sh).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHELF=${SHELF:-shelf}
PYTHON=${PYTHON:-$ROOT/.tools/ml-venv/bin/python}
WORK=${1:-$(mktemp -d)}
export SHELF_AUTHOR=${SHELF_AUTHOR:-fraud-ci}

if ! "$PYTHON" -c 'import sklearn, joblib, yaml' 2>/dev/null; then
  echo "error: $PYTHON lacks scikit-learn, joblib or pyyaml; run: bash scripts/setup.sh" >&2
  exit 2
fi

"$SHELF" init >/dev/null
mkdir -p "$WORK" && cd "$WORK"

echo "== data" >&2
"$PYTHON" "$HERE/train.py" make-data data
"$SHELF" dataset push fraud-transactions data \
  --description "Synthetic card transactions (scikit-learn make_classification, seed 7), 80/20 train/test" \
  --metric rows=6000 --metric fraud_share=0.03 --label source=synthetic \
  --code-dir "$ROOT" --command "python examples/fraud/train.py make-data data"

train_and_push() { # OUT PUSH-ARGS... -- TRAIN-ARGS...
  local out=$1; shift
  local push=() train=()
  while [[ $# -gt 0 && $1 != -- ]]; do push+=("$1"); shift; done
  shift
  train=("$@")
  "$PYTHON" "$HERE/train.py" train data "$out" "${train[@]}"
  "$SHELF" push fraud-detector "$out/model.joblib" \
    --metrics "$out/metrics.json" --params "$out/params.yaml" \
    --dataset train=fraud-transactions@latest --dataset "test=$WORK/data/test.csv" \
    --python "$PYTHON" --code-dir "$ROOT" \
    --command "python examples/fraud/train.py train data out ${train[*]}" \
    --label team=risk --label framework=scikit-learn \
    "${push[@]}"
}

echo "== v1: baseline" >&2
train_and_push out-v1 --branch main --description "Gradient boosting, 100 trees, depth 3: the baseline" \
  -- --n-estimators 100 --max-depth 3
echo "== v2: class weights for the rare class" >&2
train_and_push out-v2 --branch exp/class-weights --parent fraud-detector@1 \
  --description "Balanced class weights and 200 trees: recall up on the rare fraud class" \
  -- --n-estimators 200 --max-depth 3 --class-weight balanced

echo "== lifecycle" >&2
"$SHELF" status fraud-detector@2 validated --reason "test F1 above the baseline"
"$SHELF" alias set fraud-detector@2 production --reason "better recall on fraud, same AUC"
"$SHELF" versions fraud-detector
