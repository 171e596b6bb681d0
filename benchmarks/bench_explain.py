"""Benchmark: online explanation of one application (top reasons) against a plain predict_proba. Prints JSON.

The budget is 15 ms for the top reasons of one row. Measured in one process, on the same row:

- reference: ``model.predict_proba(row)`` (what the scoring route does anyway; for LightGBM, the small-batch
  path of `credit_scoring.serving.small_batch`);
- ``pipeline_predict_proba``: the fitted pipeline's own pandas path (cleaning, category encoding, LightGBM's
  DataFrame conversion), which the small-batch path replaces for a few rows;
- ``encode``: the small-batch encoding alone (a frame row to the classifier's matrix);
- ``contributions``: SHAP values only, with the explainer the project uses (LightGBM's own TreeSHAP,
  ``pred_contrib=True``, for LightGBM models);
- ``explain``: top reasons with labels, values and sentences (what the API returns);
- ``shap_tree_explainer``: the shap package's TreeExplainer on the same matrix (the alternative considered).

The model is ``data/06_models/model_bundle.pkl`` when it exists (``--bundle``), else a LightGBM model with
``--trees`` trees (default 500) fitted on synthetic rows carrying every feature of the feature dictionary.

    python benchmarks/bench_explain.py                       # the trained bundle if present
    python benchmarks/bench_explain.py --synthetic --trees 500
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "src"))
sys.path.insert(0, str(PROJECT_ROOT))

from credit_scoring.serving.explain import ScoreExplainer  # noqa: E402
from credit_scoring.serving.model import CreditScoringModel  # noqa: E402

BUDGET_MS = 15.0


def timings_ms(call: Callable[[], Any], repeats: int, warmup: int = 5) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 3),
        "min_ms": round(samples[0], 3),
        # CPU time of this process: close to the wall time an idle machine would show
        "cpu_median_ms": round(statistics.median(cpu), 3),
    }


def synthetic_bundle(n_trees: int) -> tuple[CreditScoringModel, pd.DataFrame]:
    from credit_scoring.pipelines.modelling.candidates import build_estimator  # noqa: PLC0415
    from credit_scoring.pipelines.modelling.params import CandidateSpec  # noqa: PLC0415
    from credit_scoring.serving.model import FeatureSpec  # noqa: PLC0415
    from tests.fixtures.explain_models import dictionary_model_input  # noqa: PLC0415

    table = dictionary_model_input(5000, seed=0)
    X, y = table.drop(columns=["SK_ID_CURR", "TARGET"]), table["TARGET"]
    spec = FeatureSpec.from_frame(X)
    params = {"n_estimators": n_trees, "num_leaves": 31, "min_child_samples": 20, "learning_rate": 0.05}
    estimator = build_estimator(CandidateSpec(family="lgbm", params=params), spec, 0).fit(X, y)
    return CreditScoringModel(estimator, spec, 0.3, f"lgbm_{n_trees}_trees"), X


def trained_bundle(path: Path) -> tuple[CreditScoringModel, pd.DataFrame]:
    with path.open("rb") as handle:
        model = pickle.load(handle)
    rows = pd.read_parquet(PROJECT_ROOT / "data/05_model_input/scoring_input_table.parquet")
    return model, rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, default=PROJECT_ROOT / "data/06_models/model_bundle.pkl")
    parser.add_argument("--synthetic", action="store_true", help="always use a synthetic LightGBM model")
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args()

    if args.bundle.exists() and not args.synthetic:
        model, rows = trained_bundle(args.bundle)
        source = str(args.bundle.relative_to(PROJECT_ROOT))
    else:
        model, rows = synthetic_bundle(args.trees)
        source = "synthetic"
    started = time.perf_counter()
    explainer = ScoreExplainer(model)
    setup_ms = (time.perf_counter() - started) * 1000
    row = rows.iloc[[len(rows) // 2]]
    results: dict[str, Any] = {
        "model": model.model_name,
        "source": source,
        "classifier": type(model.classifier).__name__,
        "n_trees": getattr(model.classifier, "n_estimators_", None),
        "n_features": len(model.features),
        "method": explainer.method,
        "explainer_setup_ms": round(setup_ms, 1),
        "budget_ms": BUDGET_MS,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    measured = {
        "predict_proba": lambda: model.predict_proba(row),
        "pipeline_predict_proba": lambda: model.estimator.predict_proba(model.prepare(row)),
        "encode": lambda: model.encode_small_batch(row),
        "contributions": lambda: explainer.contributions(row),
        "explain": lambda: explainer.explain(row, top_k=args.top_k, language="en"),
    }
    if explainer.method in {"lightgbm", "tree_shap"}:
        import shap  # noqa: PLC0415

        # shap warns on every call that its LightGBM output format changed: said once is enough
        warnings.filterwarnings("ignore", message="LightGBM binary classifier", category=UserWarning)
        tree_explainer = shap.TreeExplainer(model.classifier)
        measured["shap_tree_explainer"] = lambda: tree_explainer.shap_values(model.model_matrix(row))
        shap_values = np.asarray(tree_explainer.shap_values(model.model_matrix(row)))
        own, _ = explainer.contributions(row)
        results["max_abs_difference_vs_shap"] = float(np.abs(shap_values.reshape(own.shape) - own).max())
    for name, call in measured.items():
        results[name] = timings_ms(call, args.repeats)
    reference = results["predict_proba"]["median_ms"]
    for name in measured:
        if name != "predict_proba":
            results[name]["ratio_to_predict_proba"] = round(results[name]["median_ms"] / reference, 2)
    results["explain_within_budget"] = results["explain"]["p95_ms"] <= BUDGET_MS
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
