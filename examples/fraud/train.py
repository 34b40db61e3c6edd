"""Train a fraud-detection model on synthetic card transactions and write what Shelf records.

    python train.py make-data DIR            # the dataset: DIR/train.csv, DIR/test.csv
    python train.py train DIR OUT --n-estimators 100 --max-depth 3 [--class-weight balanced]

`train` fits a gradient-boosted classifier, evaluates precision, recall, F1 and ROC AUC on
the train, validation and test splits, and writes into OUT:
    model.joblib    the fitted model (a pickle: Shelf flags it as unsafe to load)
    metrics.json    {"train": {...}, "validation": {...}, "test": {...}}
    params.yaml     the hyperparameters and the data used
The data is generated (scikit-learn's make_classification), so the example needs no download
and gives the same numbers on every run.
"""

import argparse
import csv
import json
import os
import sys

import joblib
import numpy as np
import yaml
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

SEED = 7
FEATURES = ["amount", "hour", "merchant_risk", "distance_km", "card_age_days",
            "tx_last_hour", "tx_last_day", "foreign", "online", "chip"]


def make_data(out_dir):
    """Imbalanced transactions: about 3% fraud, split 80/20 into train.csv and test.csv."""
    x, y = make_classification(n_samples=6000, n_features=len(FEATURES), n_informative=6,
                               n_redundant=2, weights=[0.97], flip_y=0.01, class_sep=1.5,
                               random_state=SEED)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y,
                                                        random_state=SEED)
    os.makedirs(out_dir, exist_ok=True)
    for name, xs, ys in [("train", x_train, y_train), ("test", x_test, y_test)]:
        with open(os.path.join(out_dir, f"{name}.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(FEATURES + ["is_fraud"])
            for row, label in zip(xs, ys):
                w.writerow([f"{v:.6f}" for v in row] + [int(label)])


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    data = np.array(rows, dtype=float)
    return data[:, :-1], data[:, -1].astype(int)


def scores(model, x, y):
    proba = model.predict_proba(x)[:, 1]
    pred = (proba >= 0.5).astype(int)
    return {
        "precision": round(float(precision_score(y, pred, zero_division=0)), 4),
        "recall": round(float(recall_score(y, pred)), 4),
        "f1": round(float(f1_score(y, pred)), 4),
        "auc": round(float(roc_auc_score(y, proba)), 4),
    }


def train(data_dir, out_dir, args):
    x, y = load(os.path.join(data_dir, "train.csv"))
    x_test, y_test = load(os.path.join(data_dir, "test.csv"))
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, stratify=y,
                                                      random_state=SEED)
    weights = None
    if args.class_weight == "balanced":
        ratio = (y_train == 0).sum() / max((y_train == 1).sum(), 1)
        weights = np.where(y_train == 1, ratio, 1.0)
    model = GradientBoostingClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth,
                                       learning_rate=args.learning_rate, random_state=SEED)
    model.fit(x_train, y_train, sample_weight=weights)
    os.makedirs(out_dir, exist_ok=True)
    joblib.dump(model, os.path.join(out_dir, "model.joblib"))
    metrics = {"train": scores(model, x_train, y_train),
               "validation": scores(model, x_val, y_val),
               "test": scores(model, x_test, y_test)}
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    params = {"model": {"type": "GradientBoostingClassifier",
                        "n_estimators": args.n_estimators, "max_depth": args.max_depth,
                        "learning_rate": args.learning_rate,
                        "class_weight": args.class_weight or "none"},
              "data": {"features": len(FEATURES), "validation_share": 0.2, "seed": SEED}}
    with open(os.path.join(out_dir, "params.yaml"), "w") as f:
        yaml.safe_dump(params, f, sort_keys=True)
    print(json.dumps(metrics["test"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("make-data")
    make.add_argument("dir")
    fit = sub.add_parser("train")
    fit.add_argument("data")
    fit.add_argument("out")
    fit.add_argument("--n-estimators", type=int, default=100)
    fit.add_argument("--max-depth", type=int, default=3)
    fit.add_argument("--learning-rate", type=float, default=0.1)
    fit.add_argument("--class-weight", choices=["balanced"], default=None)
    args = parser.parse_args()
    if args.command == "make-data":
        make_data(args.dir)
    else:
        train(args.data, args.out, args)


if __name__ == "__main__":
    sys.exit(main())
