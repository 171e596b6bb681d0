"""Is the feature engineering worth its place? CV AUC of a plain LightGBM, before and after. Prints JSON.

Compares model-input tables (``model_input_table.parquet`` of two runs of data_processing, e.g. main's and a
branch's) on exactly the same clients and folds: a plain 400-tree LightGBM (``n_jobs=1``, fixed seed), five
stratified folds. With ``--before``, also scores the "after" table restricted to the "before" columns, which
separates new features from changed definitions of existing ones.

    python benchmarks/feature_engineering_auc.py --after data/05_model_input/model_input_table.parquet \\
        --before /path/to/main/data/05_model_input/model_input_table.parquet
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

IDENTIFIERS = ("SK_ID_CURR", "TARGET")
PLAIN_LIGHTGBM = {"n_estimators": 400, "learning_rate": 0.05, "n_jobs": 1, "random_state": 0, "verbose": -1}


def _features(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    features = frame[columns].copy()
    for column in columns:
        if not pd.api.types.is_numeric_dtype(features[column]):
            features[column] = features[column].astype("category")
    return features


def cross_validated_auc(
    frame: pd.DataFrame, columns: list[str], folds: list[tuple[np.ndarray, np.ndarray]]
) -> dict:
    """Out-of-fold AUC and the per-fold AUCs of a plain LightGBM on the given feature columns."""
    features, target = _features(frame, columns), frame["TARGET"].to_numpy()
    out_of_fold = np.zeros(len(frame))
    fold_aucs = []
    started = time.perf_counter()
    for train, valid in folds:
        model = lgb.LGBMClassifier(**PLAIN_LIGHTGBM).fit(features.iloc[train], target[train])
        out_of_fold[valid] = model.predict_proba(features.iloc[valid])[:, 1]
        fold_aucs.append(roc_auc_score(target[valid], out_of_fold[valid]))
    return {
        "features": len(columns),
        "cv_auc_mean": round(statistics.mean(fold_aucs), 5),
        "cv_auc_std": round(statistics.stdev(fold_aucs), 5),
        "out_of_fold_auc": round(roc_auc_score(target, out_of_fold), 5),
        "fold_aucs": [round(auc, 5) for auc in fold_aucs],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--after", type=Path, required=True, help="model_input_table.parquet with the features"
    )
    parser.add_argument("--before", type=Path, help="model_input_table.parquet to compare with")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    tables = {"after": pd.read_parquet(args.after)}
    if args.before:
        tables["before"] = pd.read_parquet(args.before)
    clients = sorted(set.intersection(*(set(t["SK_ID_CURR"]) for t in tables.values())))
    tables = {name: t.set_index("SK_ID_CURR").loc[clients].reset_index() for name, t in tables.items()}
    target = tables["after"]["TARGET"].to_numpy()
    if "before" in tables and not np.array_equal(target, tables["before"]["TARGET"].to_numpy()):
        raise ValueError("The two tables disagree on TARGET for the same clients: not the same data")
    splitter = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=args.seed)
    folds = list(splitter.split(np.zeros(len(target)), target))

    columns = {name: [c for c in t.columns if c not in IDENTIFIERS] for name, t in tables.items()}
    results = {
        "clients": len(clients),
        "default_rate": round(float(target.mean()), 4),
        "model": PLAIN_LIGHTGBM,
    }
    if "before" in tables:
        results["before"] = cross_validated_auc(tables["before"], columns["before"], folds)
        kept = [c for c in columns["after"] if c in set(columns["before"])]
        results["after_without_new_columns"] = cross_validated_auc(tables["after"], kept, folds)
        results["new_columns"] = [c for c in columns["after"] if c not in set(columns["before"])]
        results["removed_columns"] = [c for c in columns["before"] if c not in set(columns["after"])]
    results["after"] = cross_validated_auc(tables["after"], columns["after"], folds)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
