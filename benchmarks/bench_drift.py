"""Benchmark of the drift pipeline at the real Home Credit sizes (307,511 reference vs 48,744 current rows).

The demo tables (``data/02_intermediate/staged_application_*.parquet`` and ``data/05_model_input/*``, 30,000
+ 6,000 clients) are resampled with replacement to the full sizes (new client ids, the same columns and
distributions), then the drift pipeline runs in memory (no MLflow) with the project's parameters. The model is
``data/06_models/model_bundle.pkl`` when it exists, else a small LightGBM fitted here. Prints JSON: seconds
per node (median over ``--repeats``), the total, and the same run at demo size for a ratio measured in the
same process (the machine is shared: compare ratios, not seconds).

Usage (from the project root, after data_processing):
    python benchmarks/bench_drift.py               # full size, 1 repeat, plus the demo-size reference
    python benchmarks/bench_drift.py --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
JSON_OUT = sys.stdout
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.stdout = sys.stderr  # stdout carries the JSON alone

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from credit_scoring.pipelines.drift.datasets import PredictionLogDataset  # noqa: E402
from credit_scoring.pipelines.drift.pipeline import create_pipeline  # noqa: E402

FULL_TRAIN, FULL_TEST = 307_511, 48_744
DATA = PROJECT_ROOT / "data"  # --data-dir changes it (e.g. a frozen copy while the pipelines rewrite data/)


def resample(frame: pd.DataFrame, rows: int, seed: int, ids: np.ndarray) -> pd.DataFrame:
    """``rows`` rows drawn with replacement (the same draw for tables sharing ``seed``), ids renumbered."""
    picked = np.random.default_rng(seed).integers(0, len(frame), rows)
    keyed = frame.set_index("SK_ID_CURR")
    out = keyed.iloc[picked].reset_index(drop=True)
    out.insert(0, "SK_ID_CURR", ids)
    return out


def inputs(rows_train: int, rows_test: int) -> dict[str, Any]:
    train_apps = pd.read_parquet(DATA / "02_intermediate/staged_application_train.parquet")
    test_apps = pd.read_parquet(DATA / "02_intermediate/staged_application_test.parquet")
    model_input = pd.read_parquet(DATA / "05_model_input/model_input_table.parquet")
    scoring = pd.read_parquet(DATA / "05_model_input/scoring_input_table.parquet")
    # align the model input on the applications' order so one draw picks the same clients in both
    model_input = model_input.set_index("SK_ID_CURR").loc[train_apps["SK_ID_CURR"]].reset_index()
    scoring = scoring.set_index("SK_ID_CURR").loc[test_apps["SK_ID_CURR"]].reset_index()
    train_ids = np.arange(100_000, 100_000 + rows_train)
    test_ids = np.arange(1_000_000, 1_000_000 + rows_test)
    model_input_full = resample(model_input, rows_train, 1, train_ids)
    return {
        "staged_application_train": resample(train_apps, rows_train, 1, train_ids),
        "staged_application_test": resample(test_apps, rows_test, 2, test_ids),
        "model_input_table": model_input_full,
        "scoring_input_table": resample(scoring, rows_test, 2, test_ids),
        "modelling_holdout_table": model_input_full.sample(frac=0.2, random_state=0),
    }


def model_bundle(model_input: pd.DataFrame) -> Any:
    path = DATA / "06_models/model_bundle.pkl"
    if path.exists():
        with path.open("rb") as file:
            return pickle.load(file)
    from credit_scoring.pipelines.modelling.candidates import build_estimator  # noqa: PLC0415
    from credit_scoring.pipelines.modelling.params import CandidateSpec  # noqa: PLC0415
    from credit_scoring.serving.model import CreditScoringModel, FeatureSpec  # noqa: PLC0415

    sample = model_input.sample(n=min(len(model_input), 30_000), random_state=0)
    X, y = sample.drop(columns=["SK_ID_CURR", "TARGET"]), sample["TARGET"]
    spec = FeatureSpec.from_frame(X)
    candidate = CandidateSpec(family="lgbm", imbalance="class_weight", params={"n_estimators": 100})
    estimator = build_estimator(candidate, spec, random_state=0, n_jobs=1).fit(X, y)
    return CreditScoringModel(estimator, spec, threshold=0.5, model_name="bench_lgbm")


def measure(rows_train: int, rows_test: int, repeats: int, params: dict[str, Any]) -> dict[str, Any]:
    data = inputs(rows_train, rows_test)
    bundle = model_bundle(data["model_input_table"])
    runs = [run_nodes(data, bundle, params) for _ in range(repeats)]
    per_node = {name: statistics.median(run[name] for run in runs) for name in runs[0]}
    nodes = [name for name in per_node if name != "_columns" and not name.startswith("cpu:")]
    return {
        "reference_rows": rows_train,
        "current_rows": rows_test,
        "compared_columns": runs[0]["_columns"],
        "seconds_total_median": statistics.median(sum(run[name] for name in nodes) for run in runs),
        # CPU time of this process: what the run costs on an idle machine (wall time grows with the load)
        "cpu_seconds_total_median": statistics.median(
            sum(run[f"cpu:{name}"] for name in nodes) for run in runs
        ),
        "seconds_per_node_median": {name: round(per_node[name], 2) for name in nodes},
        "cpu_seconds_per_node_median": {name: round(per_node[f"cpu:{name}"], 2) for name in nodes},
    }


def run_nodes(data: dict[str, Any], bundle: Any, params: dict[str, Any]) -> dict[str, float]:
    """Calls the node functions in the pipeline's order, timing each (outputs kept in a dict)."""
    pipeline = create_pipeline()
    values: dict[str, Any] = {
        **data,
        "model_bundle": bundle,
        "prediction_log": PredictionLogDataset(url="sqlite:///unused.db").load(),
        "params:drift": params,
        "params:random_state": 42,
        "drift_alert_webhook": None,
    }
    seconds: dict[str, float] = {}
    for node in pipeline.nodes:
        started, cpu = time.perf_counter(), time.process_time()
        result = node.func(*(values[name] for name in node.inputs))
        seconds[node.name] = time.perf_counter() - started
        seconds[f"cpu:{node.name}"] = time.process_time() - cpu
        outputs = node.outputs
        if len(outputs) == 1:
            values[outputs[0]] = result
        else:
            values.update(zip(outputs, result, strict=True))
    seconds["_columns"] = len(values["drift_column_results"])
    return seconds


def main() -> None:
    global DATA  # noqa: PLW0603 (one setting for the whole script)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-reference", action="store_true", help="skip the demo-size reference run")
    parser.add_argument("--data-dir", type=Path, default=DATA, help="folder holding the Kedro data layers")
    args = parser.parse_args()
    DATA = args.data_dir
    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_drift.yml").read_text())["drift"]
    started = time.time()
    result: dict[str, Any] = {"benchmark": "drift", "load_average_at_start": os.getloadavg()}
    if not args.no_reference:
        result["demo_size"] = measure(30_000, 6_000, args.repeats, params)
    result["full_size"] = measure(FULL_TRAIN, FULL_TEST, args.repeats, params)
    if "demo_size" in result:
        result["full_over_demo_ratio"] = round(
            result["full_size"]["seconds_total_median"] / result["demo_size"]["seconds_total_median"], 2
        )
    result["sampling"] = params["sampling"]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["load_average_at_end"] = os.getloadavg()
    result["wall_seconds"] = round(time.time() - started, 1)
    json.dump(result, JSON_OUT, indent=2, default=float)
    JSON_OUT.write("\n")


if __name__ == "__main__":
    main()
