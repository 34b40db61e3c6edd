#!/usr/bin/env python3
"""Write a synthetic Shelf registry straight to a folder, following docs/format.md.

    python3 scripts/gen-registry.py OUT [--models 10000] [--versions 10] [--seed 1]

For benchmarks of the web app: pushing 10,000 models x 10 versions with the CLI would take
far too long, so this writes the same objects a writer would (format 1), directly:

    shelf.json
    blobs/sha256/<2 hex>/<64 hex>                      a few tiny artifacts, shared
    models/<model>/_log/<seq:020>.json                 one register entry per version
    models/<model>/_versions/<version:020>.json        the materialised manifests
    models/<model>/_index.json                         the model index
    catalog/00000000000000000001.json                  one catalog generation
    catalog/head.json

Every document is canonical JSON (docs/format.md §4); log entries are hash-chained (`prev`
is the sha256 of the previous entry's bytes), `content_id` is the sha256 of the canonical
manifest, and the derived files are exactly what `shelf reindex` would write for these
logs. `shelf --registry OUT verify` passes on the result.

The content is deterministic for a given seed and looks like a real company's registry:
teams as namespaces (risk/, growth/, vision/, ...), each with its own tasks, frameworks,
metrics (f1/auc/precision/recall, mape/rmse/mae, ndcg, wer, ...), authors and labels;
metrics drift from version to version, descriptions vary. Python 3 standard library only.

OUT must not exist or be empty (use --force to replace what is there).
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import sys
import time

# --- canonical JSON ------------------------------------------------------------------------
#
# json.dumps with sorted keys, no whitespace and raw UTF-8 is canonical JSON for the values
# written here: strings escape only `"`, `\` and control characters (lowercase \u00xx, as
# serde_json), keys sort by code point (= UTF-8 byte order), integers are plain. Floats are
# the one difference: Python's repr switches to exponent notation below 1e-4 where
# serde_json waits until below 1e-5 (and both switch at 1e16). So every float goes through
# metric() / flt() below, which keep them in [1e-4, 1e15], where the two agree; and the
# reference implementation of the spec (§4) re-checks the first documents (--check).


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _spec_float(x):
    # docs/format.md §4, reference implementation, verbatim.
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinities are not allowed")
    sign = "-" if str(x).startswith("-") else ""
    m, _, e = repr(abs(x)).partition("e")
    ip, _, fp = m.partition(".")
    n = len(ip + fp) - len((ip + fp).lstrip("0"))
    digits = (ip + fp)[n:].rstrip("0")
    if not digits:
        return sign + "0.0"
    k = len(ip) + int(e or 0) - n - 1
    if 0 <= k <= 15:
        return sign + digits[: k + 1].ljust(k + 1, "0") + "." + (digits[k + 1 :] or "0")
    if -5 <= k < 0:
        return sign + "0." + "0" * (-k - 1) + digits
    return sign + digits[0] + ("." + digits[1:] if digits[1:] else "") + "e" + ("+" if k > 0 else "-") + str(abs(k))


def spec_canonical(v) -> bytes:
    def enc(v):
        if isinstance(v, dict):
            return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + enc(v[k]) for k in sorted(v)) + "}"
        if isinstance(v, list):
            return "[" + ",".join(enc(x) for x in v) + "]"
        if isinstance(v, float):
            return _spec_float(v)
        return json.dumps(v, ensure_ascii=False)

    return enc(v).encode("utf-8")


def flt(x, digits=4):
    """A float safe for json.dumps' canonical form (see above)."""
    x = round(float(x), digits)
    if x == 0.0:
        return 0.0
    if not (1e-4 <= abs(x) < 1e15):
        raise ValueError(f"float {x!r} outside the range where json.dumps is canonical")
    return x


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def timestamp(t: dt.datetime) -> str:
    """RFC 3339, UTC, exactly milliseconds, Z (docs/format.md §4)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


# --- what the registry talks about -----------------------------------------------------------

CLASSIFICATION = ("auc", "f1", "precision", "recall")
# family -> (metric -> (low, high) of a first version's value, higher is better?)
METRIC_FAMILIES = {
    "binary": {"auc": (0.78, 0.97, True), "f1": (0.62, 0.93, True), "precision": (0.65, 0.95, True), "recall": (0.55, 0.92, True)},
    "ctr": {"auc": (0.70, 0.82, True), "logloss": (0.38, 0.52, False), "calibration": (0.92, 1.08, True)},
    "multiclass": {"accuracy": (0.80, 0.97, True), "f1": (0.70, 0.94, True), "top5": (0.93, 0.995, True)},
    "forecast": {"mape": (0.06, 0.28, False), "rmse": (8.0, 140.0, False), "mae": (5.0, 90.0, False), "smape": (0.05, 0.25, False)},
    "regression": {"rmse": (0.8, 25.0, False), "mae": (0.5, 18.0, False), "r2": (0.55, 0.93, True)},
    "ranking": {"ndcg_10": (0.42, 0.78, True), "mrr": (0.35, 0.72, True), "recall_100": (0.70, 0.96, True)},
    "detection": {"map": (0.32, 0.62, True), "map50": (0.52, 0.86, True), "iou": (0.55, 0.82, True)},
    "asr": {"wer": (0.05, 0.21, False), "cer": (0.02, 0.09, False)},
    "ner": {"f1": (0.78, 0.94, True), "precision": (0.80, 0.95, True), "recall": (0.74, 0.93, True)},
}

# team -> (tasks with their metric family, frameworks, people)
TEAMS = {
    "risk": (
        [("fraud-detector", "binary"), ("card-fraud", "binary"), ("chargeback-risk", "binary"), ("credit-default", "binary"),
         ("aml-screening", "binary"), ("account-takeover", "binary"), ("merchant-risk", "binary"), ("income-estimator", "regression")],
        ["xgboost", "lightgbm", "catboost", "sklearn"],
        ["alice", "bob", "chen.wei", "dmitri", "ines"],
    ),
    "growth": (
        [("churn-predictor", "binary"), ("conversion-propensity", "binary"), ("ltv-estimator", "regression"), ("uplift-model", "regression"),
         ("winback-scorer", "binary"), ("trial-to-paid", "binary"), ("referral-quality", "binary")],
        ["lightgbm", "xgboost", "pytorch", "sklearn"],
        ["fatima", "george", "hana", "ivan.petrov"],
    ),
    "search": (
        [("query-ranker", "ranking"), ("semantic-retriever", "ranking"), ("spell-corrector", "multiclass"), ("autocomplete", "ranking"),
         ("query-intent", "multiclass"), ("reranker-cross-encoder", "ranking"), ("product-matcher", "binary")],
        ["pytorch", "tensorflow", "onnx", "lightgbm"],
        ["julia", "kofi", "lena", "marco", "nadia"],
    ),
    "vision": (
        [("lane-detector", "detection"), ("defect-detector", "detection"), ("product-classifier", "multiclass"), ("ocr-receipts", "multiclass"),
         ("face-blur", "detection"), ("shelf-scanner", "detection"), ("damage-assessor", "multiclass")],
        ["pytorch", "onnx", "tensorflow"],
        ["olga", "pedro", "qiu.lan", "rahul"],
    ),
    "nlp": (
        [("intent-classifier", "multiclass"), ("sentiment", "multiclass"), ("entity-tagger", "ner"), ("toxicity-filter", "binary"),
         ("ticket-router", "multiclass"), ("summarizer-eval", "regression"), ("language-id", "multiclass"), ("pii-detector", "ner")],
        ["pytorch", "onnx", "tensorflow", "sklearn"],
        ["sofia", "tomas", "uma", "victor.hugo", "wen"],
    ),
    "forecasting": (
        [("demand-forecaster", "forecast"), ("inventory-planner", "forecast"), ("traffic-forecast", "forecast"), ("staffing-forecast", "forecast"),
         ("energy-load", "forecast"), ("price-elasticity", "regression"), ("returns-forecast", "forecast")],
        ["prophet", "lightgbm", "pytorch", "statsmodels"],
        ["xavier", "yuki", "zanele", "amir"],
    ),
    "ads": (
        [("ctr-predictor", "ctr"), ("bid-shading", "regression"), ("audience-expander", "binary"), ("creative-scorer", "ctr"),
         ("budget-pacer", "regression"), ("click-fraud", "binary")],
        ["tensorflow", "pytorch", "lightgbm"],
        ["beatriz", "caleb", "dana", "emeka"],
    ),
    "payments": (
        [("routing-optimizer", "binary"), ("fraud-screening", "binary"), ("retry-timing", "regression"), ("decline-predictor", "binary"),
         ("fx-spread", "regression")],
        ["xgboost", "lightgbm", "catboost"],
        ["farah", "gustav", "helga"],
    ),
    "logistics": (
        [("eta-predictor", "regression"), ("route-cost", "regression"), ("delivery-window", "multiclass"), ("parcel-volume", "forecast"),
         ("address-matcher", "binary")],
        ["lightgbm", "pytorch", "xgboost", "sklearn"],
        ["ikram", "jonas", "keiko", "luis"],
    ),
    "speech": (
        [("asr-callcenter", "asr"), ("asr-voice-notes", "asr"), ("speaker-diarizer", "multiclass"), ("keyword-spotter", "binary"),
         ("emotion-recognizer", "multiclass")],
        ["pytorch", "onnx"],
        ["mei", "nils", "oksana"],
    ),
}
REGIONS = ["eu", "us", "uk", "de", "fr", "br", "in", "jp", "apac", "latam", "global"]
VARIANTS = ["", "v2", "v3", "lite", "xl", "distilled", "baseline", "exp", "online", "batch", "mobile", "gbdt"]
CI_ACTORS = ["ci@acme.io", "github-actions", "airflow-retrain"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FEATURES = ["device fingerprint", "merchant category", "session length", "time-of-day", "geo distance", "basket size",
            "holiday calendar", "weather", "price history", "embedding", "click history", "account age"]
ALGORITHMS = {"xgboost": "gradient-boosted trees", "lightgbm": "LightGBM", "catboost": "CatBoost", "sklearn": "logistic regression",
              "pytorch": "transformer", "tensorflow": "wide-and-deep network", "onnx": "exported ONNX graph",
              "prophet": "Prophet", "statsmodels": "SARIMAX"}
FIRST_DESCRIPTIONS = [
    "Baseline {algo} on {dataset}",
    "First {algo} for {task} in {region_name}",
    "Initial model: {algo}, default hyperparameters, trained on {dataset}",
    "Port of the legacy rules engine to a {algo}\nSame features as the rules, scored offline on {dataset}",
]
NEXT_DESCRIPTIONS = [
    "Retrained on {month} data",
    "Retrained with {month} data; no code change",
    "Added {feature} features",
    "Tuned learning rate and depth; {metric} {direction}",
    "Recalibrated the decision threshold on {month} data",
    "Fixed label leakage in the {feature} feature\nMetrics dropped as expected; the previous version over-reported",
    "Class weights for the rare class",
    "Larger training window (18 months)",
    "Dropped the {feature} feature (stale upstream table)",
    "Distilled from the previous version for lower latency",
    "Données de {month} incluses; same pipeline",
    "Hotfix: schema change upstream, retrained on {dataset}",
]
REGION_NAMES = {"eu": "Europe", "us": "the US", "uk": "the UK", "de": "Germany", "fr": "France", "br": "Brazil",
                "in": "India", "jp": "Japan", "apac": "APAC", "latam": "Latin America", "global": "all markets"}

# The artifacts: tiny, shared by every version that uses them (content -> one blob each).
MODEL_FILES = {
    "xgboost": ("model.json", "application/json"),
    "lightgbm": ("model.txt", "text/plain"),
    "catboost": ("model.cbm", None),
    "sklearn": ("model.pkl", None),
    "pytorch": ("model.pt", None),
    "tensorflow": ("saved_model/saved_model.pb", None),
    "onnx": ("model.onnx", "application/onnx"),
    "prophet": ("model.json", "application/json"),
    "statsmodels": ("model.pkl", None),
}


def blob_bytes(name: str, size: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{name}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


class Blobs:
    def __init__(self):
        self.by_name = {}  # logical name -> (bytes, digest)

    def get(self, name: str, size: int):
        if name not in self.by_name:
            data = blob_bytes(name, size)
            self.by_name[name] = (data, sha256(data))
        return self.by_name[name]


# --- generation ---------------------------------------------------------------------------------


class Writer:
    def __init__(self, root: str):
        self.root = root
        self.files = 0
        self.bytes = 0
        self.dirs = set()

    def put(self, key: str, data: bytes):
        path = os.path.join(self.root, key)
        d = os.path.dirname(path)
        if d not in self.dirs:
            os.makedirs(d, exist_ok=True)
            self.dirs.add(d)
        with open(path, "wb") as f:
            f.write(data)
        self.files += 1
        self.bytes += len(data)


def model_names(rng: random.Random, n: int):
    """n distinct, valid model names; about one in ten without a namespace."""
    names, seen = [], set()
    teams = list(TEAMS)
    while len(names) < n:
        team = rng.choice(teams)
        task, _ = rng.choice(TEAMS[team][0])
        parts = [task, rng.choice(REGIONS)]
        variant = rng.choice(VARIANTS)
        if variant:
            parts.append(variant)
        base = "-".join(parts)
        name = base if rng.random() < 0.1 else f"{team}/{base}"
        k = 2
        candidate = name
        while candidate in seen:
            candidate = f"{name}-{k}"
            k += 1
        seen.add(candidate)
        names.append((candidate, team, task, parts[1]))
    return names


def params_for(rng, framework, family):
    if framework in ("xgboost", "lightgbm", "catboost"):
        p = {"learning_rate": flt(rng.choice([0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.2])),
             "max_depth": rng.choice([4, 5, 6, 7, 8, 10, 12]), "n_estimators": rng.choice([200, 300, 500, 800, 1200, 2000]),
             "subsample": flt(rng.choice([0.7, 0.8, 0.9, 1.0])), "early_stopping": rng.random() < 0.8}
        if family in ("binary", "ctr"):
            p["objective"] = "binary"
            if rng.random() < 0.4:
                p["scale_pos_weight"] = flt(rng.choice([4.0, 8.0, 12.0, 25.0]))
        else:
            p["objective"] = "regression"
        return p
    if framework in ("pytorch", "tensorflow", "onnx"):
        p = {"learning_rate": flt(rng.choice([0.0001, 0.0003, 0.0005, 0.001, 0.003])), "epochs": rng.choice([5, 10, 20, 40, 80]),
             "batch_size": rng.choice([32, 64, 128, 256, 512, 1024]), "optimizer": rng.choice(["adam", "adamw", "sgd"]),
             "dropout": flt(rng.choice([0.0, 0.1, 0.2, 0.3])), "mixed_precision": rng.random() < 0.5}
        if family in ("multiclass", "ner", "ranking", "asr"):
            p["backbone"] = rng.choice(["bert-base", "distilbert", "xlm-roberta-base", "e5-small", "wav2vec2-base", "resnet50"])
        if family == "detection":
            p["backbone"] = rng.choice(["yolov8s", "yolov8m", "detr-resnet50", "rtdetr-l"])
            p["image_size"] = rng.choice([512, 640, 800, 1024])
        return p
    if framework == "prophet":
        return {"seasonality_mode": rng.choice(["additive", "multiplicative"]), "changepoint_prior_scale": flt(rng.choice([0.01, 0.05, 0.1, 0.5])),
                "horizon_days": rng.choice([14, 28, 56, 91])}
    if framework == "statsmodels":
        return {"order": rng.choice(["(1,1,1)", "(2,1,2)", "(1,0,1)"]), "seasonal_period": rng.choice([7, 12, 52]), "horizon_days": rng.choice([14, 28])}
    return {"C": flt(rng.choice([0.1, 0.5, 1.0, 2.0, 10.0])), "penalty": rng.choice(["l1", "l2", "elasticnet"]),
            "class_weight": rng.choice(["balanced", "none"]), "max_iter": rng.choice([200, 500, 1000])}


def generate(out: str, n_models: int, n_versions: int, seed: int, check: int, quiet: bool):
    rng = random.Random(seed)
    w = Writer(out)
    blobs = Blobs()
    t0 = time.monotonic()
    registry_created = dt.datetime(2024, 1, 8, 9, 30, 0, 123000, tzinfo=dt.timezone.utc)
    w.put("shelf.json", canonical({
        "conditional_writes": "verified", "created_at": timestamp(registry_created), "created_by": "platform@acme.io",
        "created_with": "scripts/gen-registry.py", "format": 1, "kind": "registry", "name": "acme-models (synthetic)",
    }))
    checked = 0

    def enc(doc):
        nonlocal checked
        data = canonical(doc)
        if checked < check:
            checked += 1
            if spec_canonical(doc) != data:
                raise SystemExit(f"gen-registry: internal error: json.dumps is not canonical for {data[:200]!r}")
        return data

    catalog_models = {}
    latest_time = registry_created
    for i, (name, team, task, region) in enumerate(model_names(rng, n_models)):
        tasks, frameworks, people = TEAMS[team]
        family = dict(tasks)[task]
        framework = rng.choice(frameworks)
        dataset = f"{task.split('-')[0]}-{rng.choice(['2024q1', '2024q2', '2024q3', '2024q4', '2025q1', '2025q2'])}"
        owners = rng.sample(people, k=min(len(people), rng.choice([1, 2, 2, 3])))
        labels = {"team": team, "framework": framework}
        if rng.random() < 0.7:
            labels["region"] = region
        if rng.random() < 0.5:
            labels["dataset"] = dataset
        if rng.random() < 0.3:
            labels["owner"] = owners[0]
        if rng.random() < 0.2:
            labels["tier"] = rng.choice(["critical", "standard", "experimental"])
        quality = rng.random()  # where this model sits in its family's range
        family_metrics = METRIC_FAMILIES[family]
        keys = [k for k in family_metrics if rng.random() < 0.9] or list(family_metrics)[:1]
        prefix = rng.choice(["", "", "", "test.", "val."])
        values = {}
        for k in keys:
            lo, hi, _ = family_metrics[k]
            values[k] = lo + (hi - lo) * min(1.0, max(0.0, quality + rng.uniform(-0.15, 0.15)))
        params = params_for(rng, framework, family)
        model_file, media_type = MODEL_FILES[framework]
        model_size = rng.choice([1536, 2048, 3072, 4096])
        extra = [("config.json", "application/json", 96 + 32 * rng.randrange(4))]
        if rng.random() < 0.5:
            extra.append(("features.json" if family not in ("asr", "ner", "multiclass") else "tokenizer.json", "application/json", 512))
        t = registry_created + dt.timedelta(days=rng.uniform(0, 600), milliseconds=rng.randrange(1000))
        prev_bytes = None
        summaries = []
        events = []
        first_time = None
        stage = None
        for v in range(1, n_versions + 1):
            if v > 1:
                t += dt.timedelta(days=rng.uniform(0.5, 30), seconds=rng.uniform(0, 86400))
            t = t.replace(microsecond=(t.microsecond // 1000) * 1000)
            actor = rng.choice(owners) if rng.random() < 0.7 else rng.choice(CI_ACTORS)
            leak_fix = False
            if v == 1:
                description = rng.choice(FIRST_DESCRIPTIONS)
            else:
                description = rng.choice(NEXT_DESCRIPTIONS)
                leak_fix = description.startswith("Fixed label leakage")
            headline = keys[0]
            better = family_metrics[headline][2]
            for k in keys:
                lo, hi, higher = family_metrics[k]
                step = (hi - lo) * (rng.uniform(-0.01, 0.03) if v > 1 else 0.0)
                if leak_fix:
                    step = -(hi - lo) * 0.05
                values[k] = values[k] + (step if higher else -step)
                values[k] = min(hi * 1.02 if hi <= 1.0 else hi * 1.2, max(lo * 0.8, values[k]))
                if hi <= 1.0:
                    values[k] = min(values[k], 0.9999)
            description = description.format(
                algo=ALGORITHMS[framework], dataset=dataset, task=task.replace("-", " "), region_name=REGION_NAMES[region],
                month=MONTHS[t.month - 1], feature=rng.choice(FEATURES), metric=prefix + headline,
                direction="up" if better else "down",
            )
            version_labels = dict(labels)
            if v == n_versions or rng.random() < 0.15:
                stage = rng.choice(["production", "staging", "shadow"]) if v == n_versions else "staging"
            if stage:
                version_labels["stage"] = stage
            if rng.random() < 0.3:
                params = dict(params)
                if "learning_rate" in params:
                    params["learning_rate"] = flt(min(0.5, max(0.0001, params["learning_rate"] * rng.choice([0.5, 1.0, 2.0]))))
            artifacts = []
            data, digest = blobs.get(f"{framework}:{model_file}:{model_size}", model_size)
            art = {"digest": digest, "path": model_file, "size": len(data)}
            if media_type:
                art["media_type"] = media_type
            artifacts.append(art)
            for path, mt, size in extra:
                data, digest = blobs.get(f"{path}:{size}", size)
                artifacts.append({"digest": digest, "media_type": mt, "path": path, "size": len(data)})
            metrics = {prefix + k: flt(x) for k, x in values.items()}
            ts = timestamp(t)
            manifest = {
                "artifacts": artifacts, "created_at": ts, "created_by": actor, "description": description, "format": 1,
                "kind": "manifest", "labels": version_labels, "metrics": metrics, "model": name, "params": params,
                "version": v,
            }
            manifest_bytes = enc(manifest)
            content_id = sha256(manifest_bytes)
            entry = {
                "actor": actor,
                "event": {"content_id": content_id, "manifest": manifest, "type": "register", "version": v},
                "format": 1, "kind": "log-entry", "model": name,
                "prev": sha256(prev_bytes) if prev_bytes is not None else None,
                "seq": v, "time": ts, "versions": v,
            }
            entry_bytes = enc(entry)
            w.put(f"models/{name}/_log/{v:020d}.json", entry_bytes)
            w.put(f"models/{name}/_versions/{v:020d}.json", manifest_bytes)
            prev_bytes = entry_bytes
            first_time = first_time or ts
            events.append({
                "actor": actor, "seq": v, "summary": f"registered v{v}", "time": ts, "type": "register",
                "version": v,
            })
            summaries.append({
                "artifacts": len(artifacts), "content_id": content_id, "created_at": ts, "created_by": actor,
                "description": description, "labels": version_labels, "metrics": metrics, "seq": v,
                "size": sum(a["size"] for a in artifacts), "version": v,
            })
        head = {"digest": sha256(prev_bytes), "seq": n_versions}
        w.put(f"models/{name}/_index.json", enc({
            "created_at": first_time, "format": 1, "head": head, "kind": "model-index", "model": name,
            "updated_at": summaries[-1]["created_at"], "versions": summaries, "events": events,
        }))
        catalog_models[name] = {
            "created_at": first_time, "head": head, "latest": summaries[-1],
            "updated_at": summaries[-1]["created_at"], "versions": n_versions,
        }
        latest_time = max(latest_time, t)
        if not quiet and (i + 1) % 1000 == 0:
            print(f"gen-registry: {i + 1} models, {w.files} files, {time.monotonic() - t0:.0f} s", file=sys.stderr)

    for data, digest in blobs.by_name.values():
        hexd = digest.split(":")[1]
        w.put(f"blobs/sha256/{hexd[:2]}/{hexd}", data)
    catalog_time = timestamp(latest_time + dt.timedelta(seconds=1))
    catalog = enc({"format": 1, "generation": 1, "kind": "catalog", "models": catalog_models, "updated_at": catalog_time})
    w.put("catalog/00000000000000000001.json", catalog)
    w.put("catalog/head.json", enc({"format": 1, "generation": 1, "kind": "catalog-head"}))
    print(f"gen-registry: {n_models} models x {n_versions} versions -> {out}: {w.files} files, "
          f"{w.bytes / 1e6:.1f} MB, {len(blobs.by_name)} blobs, catalog {len(catalog)} bytes, "
          f"{time.monotonic() - t0:.1f} s", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="folder to write the registry into")
    ap.add_argument("--models", type=int, default=10000)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", type=int, default=2000,
                    help="re-encode the first N documents with the spec's reference encoder (default 2000)")
    ap.add_argument("--force", action="store_true", help="remove OUT first if it is not empty")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.models < 1 or a.versions < 1:
        ap.error("--models and --versions must be at least 1")
    if os.path.exists(a.out) and os.listdir(a.out):
        if not a.force:
            ap.error(f"{a.out} is not empty (use --force to replace it)")
        shutil.rmtree(a.out)
    os.makedirs(a.out, exist_ok=True)
    generate(a.out, a.models, a.versions, a.seed, a.check, a.quiet)


if __name__ == "__main__":
    main()
