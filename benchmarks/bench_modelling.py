"""Benchmark of the modelling pipeline; prints JSON.

Two measurements:

- ``run``: the whole modelling pipeline (in memory, no MLflow) with the project's parameters on a model
  input table: the real ``data/05_model_input/model_input_table.parquet`` when it exists (``--source
  auto``), else a synthetic table of the same layout (``--rows``, ``--numeric``, ``--categorical``). With
  ``--raw-dir DIR``, data_processing first runs on the raw CSVs of DIR (in a temporary folder: the project's
  ``data/`` is not touched; a history table absent from DIR is read as a header-only file, as for a client
  base with no history), then modelling on its model input table.
  Reports the time per node, and compares the selected model with a plain LightGBM reference (400 trees,
  LightGBM's default parameters, no class weights, threshold tuned on its out-of-fold predictions the same
  way) cross-validated on the same folds and refitted on the same training rows: both CV AUCs and costs,
  both holdout costs, and the paired bootstrap interval of the holdout cost difference.
- ``compare``: the same comparison against the outputs of the last ``kedro run --pipelines modelling``
  (training and holdout tables, ``06_models/model_bundle.pkl``, ``08_reporting/model_metrics.json``; the
  folds are rebuilt from the same parameters and seed), without training the pipeline again.
- ``full``: the full-scale estimate (307,511 clients). Fitting the whole budget at that size takes long on two
  cores, so the median time of one fit of each model family is measured on a full-size training fold and
  multiplied by the number of fits the configured budget makes (an upper bound: pruned trials stop early).

Usage (from the project root):
    python benchmarks/bench_modelling.py run                    # demo scale, real table if present
    python benchmarks/bench_modelling.py run --source synthetic --rows 30000
    python benchmarks/bench_modelling.py run --raw-dir ../shared/homecredit/real_dev   # real rows
    python benchmarks/bench_modelling.py compare                # after `kedro run --pipelines modelling`
    python benchmarks/bench_modelling.py full --repeats 3
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# stdout carries the JSON result alone: Kedro's logging (configured at import) and progress go to stderr
JSON_OUT = sys.stdout
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # tests.fixtures
sys.stdout = sys.stderr

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from kedro.framework.hooks import hook_impl  # noqa: E402
from kedro.framework.hooks.manager import _create_hook_manager  # noqa: E402
from kedro.framework.session import KedroSession  # noqa: E402
from kedro.framework.startup import bootstrap_project  # noqa: E402
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset  # noqa: E402
from kedro.runner import SequentialRunner  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from credit_scoring.cost import CostWeights, client_costs, cost_per_client, paired_cost_difference  # noqa: E402
from credit_scoring.pipeline_registry import register_pipelines  # noqa: E402
from credit_scoring.pipelines.modelling import create_pipeline  # noqa: E402
from credit_scoring.pipelines.modelling.candidates import build_estimator  # noqa: E402
from credit_scoring.pipelines.modelling.evaluation import (  # noqa: E402
    cross_validate,
    features_and_target,
    fold_indices,
)
from credit_scoring.pipelines.modelling.params import CandidateSpec, modelling_settings, parse_candidates  # noqa: E402
from credit_scoring.pipelines.modelling.preparation import make_cv_folds  # noqa: E402
from credit_scoring.raw.schema import table_columns  # noqa: E402
from credit_scoring.raw.tables import RAW_FILES  # noqa: E402
from credit_scoring.serving.model import FeatureSpec  # noqa: E402
from tests.fixtures.model_input import synthetic_model_input  # noqa: E402

MODEL_INPUT = PROJECT_ROOT / "data" / "05_model_input"
FULL_SCALE_ROWS = 307_511


class NoChampion(AbstractDataset):
    """The registry is out of the benchmark: there is no champion to compare with."""

    def load(self) -> None:
        return None

    def save(self, data: Any) -> None:
        raise NotImplementedError

    def _describe(self) -> dict[str, Any]:
        return {}


class NoRegistry(AbstractDataset):
    """Registration is out of the benchmark: nothing is published and nothing serves."""

    def load(self) -> None:
        return None

    def save(self, data: Any) -> None:
        pass

    def _describe(self) -> dict[str, Any]:
        return {}


class KeptDataset(MemoryDataset):
    """In memory, and never released by the runner, so the metrics can be read after the run."""

    def _release(self) -> None:
        pass


class NodeTimer:
    """Kedro hooks recording the wall time of every node."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    @hook_impl
    def before_node_run(self, node: Any) -> None:
        self.started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node: Any) -> None:
        self.seconds[node.name] = round(time.perf_counter() - self.started[node.name], 3)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def project_params() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_modelling.yml").read_text())["modelling"]


def project_reporting_params() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_reporting.yml").read_text())["reporting"]


def tables(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    if args.raw_dir is not None:
        return processed_raw_dir(args.raw_dir)
    real = MODEL_INPUT / "model_input_table.parquet"
    if args.source == "real" or (args.source == "auto" and real.exists()):
        return pd.read_parquet(real), pd.read_parquet(MODEL_INPUT / "scoring_input_table.parquet"), str(real)
    shape = {"n_numeric": args.numeric, "n_categorical": args.categorical}
    train = synthetic_model_input(args.rows, seed=0, **shape)
    scoring = synthetic_model_input(max(args.rows // 6, 10), seed=1, with_target=False, **shape)
    return train, scoring, "synthetic"


def _relocated(config: Any, raw: Path, work: Path) -> Any:
    """The catalog configuration with ``data/...`` paths moved: raw files to ``raw``, others to ``work``."""
    if isinstance(config, dict):
        return {key: _relocated(value, raw, work) for key, value in config.items()}
    if isinstance(config, str) and config.startswith("data/01_raw/"):
        return str(raw / config.removeprefix("data/01_raw/"))
    if isinstance(config, str) and config.startswith("data/"):
        return str(work / config.removeprefix("data/"))
    return config


def _raw_folder(raw_dir: Path, raw: Path) -> list[str]:
    """``raw`` holds links to the CSVs of ``raw_dir`` and header-only files for the tables it lacks."""
    raw.mkdir(parents=True)
    header_only = []
    for table, file in RAW_FILES.items():
        if (raw_dir / file).exists():
            (raw / file).symlink_to((raw_dir / file).resolve())
        else:
            (raw / file).write_text(",".join(table_columns(table)) + "\n")
            header_only.append(file)
    return header_only


def processed_raw_dir(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The model inputs that the data_processing pipeline makes of ``raw_dir`` (in a temporary folder)."""
    bootstrap_project(PROJECT_ROOT)
    with KedroSession.create(project_path=PROJECT_ROOT) as session:
        context = session.load_context()
        catalog_config, params = context.config_loader["catalog"], context.params
    pipeline = register_pipelines()["data_processing"]
    with tempfile.TemporaryDirectory(prefix="bench_raw_") as folder:
        work = Path(folder)
        header_only = _raw_folder(raw_dir, work / "01_raw")
        config = _relocated(catalog_config, work / "01_raw", work)
        used = pipeline.datasets()
        catalog = DataCatalog.from_config({name: config[name] for name in used if name in config})
        for name in sorted(used):
            if name.startswith("params:"):
                value: Any = params
                for key in name.removeprefix("params:").split("."):
                    value = value[key]
                catalog[name] = MemoryDataset(value, copy_mode="assign")
        started = time.perf_counter()
        SequentialRunner().run(pipeline, catalog)
        print(f"data_processing on {raw_dir}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        source = f"{raw_dir} (header-only: {', '.join(header_only) or 'none'})"
        return catalog.load("model_input_table"), catalog.load("scoring_input_table"), source


def bench_run(args: argparse.Namespace) -> dict[str, Any]:
    params = project_params()
    if args.n_jobs is not None:
        params["n_jobs"] = args.n_jobs
    train, scoring, source = tables(args)
    catalog, timer, total = run_modelling(train, scoring, params)
    metrics = catalog.load("model_metrics")
    comparison = against_reference(
        metrics,
        catalog.load("model_bundle"),
        catalog.load("modelling_training_table"),
        catalog.load("modelling_holdout_table"),
        catalog.load("cv_folds"),
        params,
    )
    return {
        "benchmark": "modelling_pipeline_run",
        "source": source,
        "rows": len(train),
        "features": train.shape[1] - 2,
        "n_jobs": params["n_jobs"],
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "total_s": round(total, 1),
        "node_s": dict(sorted(timer.seconds.items(), key=lambda item: -item[1])),
        "selected_model": metrics["model_name"],
        "cv_auc": round(metrics["cv_auc"], 4),
        "holdout_auc": round(metrics["holdout_auc"], 4),
        "business_cost_per_client": round(metrics["business_cost_per_client"], 4),
        "approve_all_cost": round(metrics["approve_all_cost"], 4),
        **comparison,
        "candidates": candidate_rows(catalog.load("model_comparison")),
        "peak_rss_mb": peak_rss_mb(),
    }


def run_modelling(
    train: pd.DataFrame, scoring: pd.DataFrame, params: dict[str, Any]
) -> tuple[DataCatalog, NodeTimer, float]:
    """The modelling pipeline in memory (no MLflow, no registry) on the model input tables: its catalog
    (metrics, comparison, bundle, training and holdout tables and folds are kept), node times, total time."""
    pipeline = create_pipeline()
    catalog = DataCatalog(
        {
            "model_input_table": MemoryDataset(train),
            "scoring_input_table": MemoryDataset(scoring),
            "champion_model": NoChampion(),
            "registered_model": NoRegistry(),
            **{
                name: KeptDataset(copy_mode="assign")
                for name in (
                    "model_metrics",
                    "model_comparison",
                    "model_bundle",
                    "modelling_training_table",
                    "modelling_holdout_table",
                    "cv_folds",
                )
            },
            "params:random_state": MemoryDataset(42),
            "params:modelling": MemoryDataset(params),
            "params:reporting": MemoryDataset(project_reporting_params()),
        }
    )
    timer = NodeTimer()
    hooks = _create_hook_manager()
    hooks.register(timer)
    started = time.perf_counter()
    SequentialRunner().run(pipeline, catalog, hook_manager=hooks)
    return catalog, timer, time.perf_counter() - started


def candidate_rows(comparison: pd.DataFrame) -> list[dict[str, Any]]:
    """Every candidate's cross-validated and holdout AUC and cost, simplest first."""
    columns = [
        "model_name",
        "cv_auc",
        "cv_business_cost_per_client",
        "holdout_auc",
        "holdout_business_cost_per_client",
        "selected",
    ]
    return comparison.loc[:, columns].round(4).to_dict(orient="records")


def bench_compare(args: argparse.Namespace) -> dict[str, Any]:
    """The reference against the persisted outputs of the last modelling run."""
    params = project_params()
    if args.n_jobs is not None:
        params["n_jobs"] = args.n_jobs
    training = pd.read_parquet(MODEL_INPUT / "modelling_training_table.parquet")
    holdout = pd.read_parquet(MODEL_INPUT / "modelling_holdout_table.parquet")
    metrics = json.loads((PROJECT_ROOT / "data/08_reporting/model_metrics.json").read_text())
    with (PROJECT_ROOT / "data/06_models/model_bundle.pkl").open("rb") as handle:
        model = pickle.load(handle)
    folds = make_cv_folds(training_table=training, settings=modelling_settings(params, 42))
    return {
        "benchmark": "modelling_run_against_plain_lightgbm",
        "rows": len(training) + len(holdout),
        "features": training.shape[1] - 2,
        "n_jobs": params["n_jobs"],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "selected_model": metrics["model_name"],
        "cv_auc": round(metrics["cv_auc"], 4),
        "holdout_auc": round(metrics["holdout_auc"], 4),
        "business_cost_per_client": round(metrics["business_cost_per_client"], 4),
        "approve_all_cost": round(metrics["approve_all_cost"], 4),
        **against_reference(metrics, model, training, holdout, folds, params),
        "peak_rss_mb": peak_rss_mb(),
    }


def against_reference(  # noqa: PLR0917
    metrics: dict[str, Any],
    model: Any,
    training: pd.DataFrame,
    holdout: pd.DataFrame,
    cv_folds: pd.DataFrame,
    params: dict[str, Any],
) -> dict[str, Any]:
    """The selected model's figures beside the plain reference's, and the paired holdout cost difference."""
    reference = plain_lightgbm_reference(training, holdout, cv_folds, params)
    weights = CostWeights(**params["cost"])
    y_holdout = holdout["TARGET"].to_numpy()
    served = model.predict_proba(holdout.drop(columns=["SK_ID_CURR", "TARGET"]))
    pipeline_costs = client_costs(y_holdout, served, metrics["threshold"], weights)
    reference_costs = client_costs(y_holdout, reference.pop("holdout_proba"), reference["threshold"], weights)
    difference = paired_cost_difference(pipeline_costs, reference_costs, seed=0)
    return {
        "threshold": metrics["threshold"],
        "cv_auc_std": round(metrics["cv_auc_std"], 4),
        "cv_business_cost_per_client": round(metrics["cv_business_cost_per_client"], 4),
        "business_cost_at_0_5": round(metrics["business_cost_at_0_5"], 4),
        "train_validation_auc_gap": round(metrics["train_validation_auc_gap"], 4),
        "reference": {k: round(v, 4) if isinstance(v, float) else v for k, v in reference.items()},
        "holdout_cost_pipeline_minus_reference": {
            "mean": round(difference.mean, 4),
            "low": round(difference.low, 4),
            "high": round(difference.high, 4),
            "confidence": difference.confidence,
        },
        "pipeline_beats_reference_on_holdout_cost": bool(pipeline_costs.mean() < reference_costs.mean()),
        "pipeline_beats_reference_on_cv_cost": bool(
            metrics["cv_business_cost_per_client"] < reference["cv_business_cost_per_client"]
        ),
    }


#: LightGBM's own defaults (build_estimator's defaults are the project's), with 400 trees: the reference.
PLAIN_LIGHTGBM = {
    "n_estimators": 400,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 20,
    "subsample": 1.0,
    "subsample_freq": 0,
    "colsample_bytree": 1.0,
    "reg_lambda": 0.0,
}


def plain_lightgbm_reference(
    training: pd.DataFrame, holdout: pd.DataFrame, cv_folds: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """The plain reference on the pipeline's folds: OOF threshold, refit on all training rows, holdout."""
    weights = CostWeights(**params["cost"])
    X, y = features_and_target(training, "SK_ID_CURR", "TARGET")
    X_holdout, y_holdout = features_and_target(holdout, "SK_ID_CURR", "TARGET")
    spec = CandidateSpec(family="lgbm", imbalance="none", params=PLAIN_LIGHTGBM)
    estimator = build_estimator(spec, FeatureSpec.from_frame(X), random_state=42, n_jobs=params["n_jobs"])
    started = time.perf_counter()
    cv = cross_validate(estimator, X, y, fold_indices(cv_folds, training, "SK_ID_CURR"), weights)
    model = estimator.fit(X, y)
    proba = model.predict_proba(X_holdout)[:, 1]
    return {
        "model": "lightgbm_400_trees_default_params",
        "cv_auc": cv.auc,
        "cv_auc_std": cv.auc_std,
        "cv_business_cost_per_client": cv.threshold.cost_per_client,
        "threshold": cv.threshold.threshold,
        "holdout_auc": float(roc_auc_score(y_holdout, proba)),
        "business_cost_per_client": cost_per_client(y_holdout, proba, cv.threshold.threshold, weights),
        "train_validation_auc_gap": float(np.mean(cv.fold_train_auc)) - cv.auc,
        "total_s": round(time.perf_counter() - started, 1),
        "holdout_proba": proba,
    }


def median_fit_seconds(spec: CandidateSpec, X: pd.DataFrame, y: Any, n_jobs: int, repeats: int) -> float:
    features = FeatureSpec.from_frame(X)
    times = []
    for _ in range(repeats):
        estimator = build_estimator(spec, features, random_state=0, n_jobs=n_jobs)
        started = time.perf_counter()
        estimator.fit(X, y)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_full(args: argparse.Namespace) -> dict[str, Any]:
    """Median single-fit times at full scale, times the number of fits the default budget makes."""
    params = project_params()
    n_jobs = args.n_jobs if args.n_jobs is not None else params["n_jobs"]
    folds = params["split"]["n_folds"]
    train_rows = int(FULL_SCALE_ROWS * (1 - params["split"]["holdout_fraction"]) * (folds - 1) / folds)
    table = synthetic_model_input(train_rows, n_numeric=args.numeric, n_categorical=args.categorical, seed=0)
    X, y = table.drop(columns=["SK_ID_CURR", "TARGET"]), table["TARGET"].to_numpy()
    fits: dict[str, float] = {}
    per_candidate = {}
    for name, configured in parse_candidates(params["candidates"]).items():
        spec = configured
        if spec.early_stopping_rounds:  # stands for an early-stopped fit of a few hundred trees
            spec = spec.model_copy(update={"params": {**spec.params, "n_estimators": 300}})
        per_candidate[name] = round(median_fit_seconds(spec, X, y, n_jobs, args.repeats), 2)
        fits[name] = per_candidate[name] * (folds + 1)  # folds, then the refit on the whole training split
    # tuning trials: a mid-range configuration of each family stands for the average trial
    mid_range = {"n_estimators": 300, "num_leaves": 24}
    lgbm = CandidateSpec(family="lgbm", imbalance="class_weight", params=mid_range)
    logreg = CandidateSpec(family="logreg", imbalance="class_weight")
    trial_fit = {
        "lgbm": median_fit_seconds(lgbm, X, y, n_jobs, args.repeats),
        "logreg": median_fit_seconds(logreg, X, y, n_jobs, args.repeats),
    }
    tuning = {
        study: trial_fit[spec["base"]["family"]] * (spec["n_trials"] * folds + 1)  # trials, then the refit
        for study, spec in params["tuning"].items()
    }
    return {
        "benchmark": "modelling_full_scale_estimate",
        "clients": FULL_SCALE_ROWS,
        "training_fold_rows": train_rows,
        "features": X.shape[1],
        "n_jobs": n_jobs,
        "repeats": args.repeats,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "median_fit_s": per_candidate,
        "median_trial_fit_s": {family: round(seconds, 2) for family, seconds in trial_fit.items()},
        "estimated_baselines_s": round(sum(fits.values())),
        "estimated_tuning_s": {study: round(seconds) for study, seconds in tuning.items()},
        "estimated_total_s_upper_bound": round(sum(fits.values()) + sum(tuning.values())),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.WARNING)
    logging.basicConfig(handlers=[to_stderr], level=logging.WARNING, force=True)  # warnings only
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", nargs="?", choices=("run", "compare", "full"), default="run")
    parser.add_argument("--source", choices=("auto", "real", "synthetic"), default="auto")
    parser.add_argument(
        "--raw-dir", type=Path, default=None, help="run data_processing on this folder's raw CSVs (run mode)"
    )
    parser.add_argument("--rows", type=int, default=30_000, help="synthetic rows (run mode)")
    parser.add_argument("--numeric", type=int, default=200, help="synthetic numeric features")
    parser.add_argument("--categorical", type=int, default=16, help="synthetic categorical features")
    parser.add_argument("--n-jobs", type=int, default=None, help="LightGBM threads (default: parameters)")
    parser.add_argument("--repeats", type=int, default=3, help="fits per model family (full mode)")
    args = parser.parse_args(argv)
    modes = {"run": bench_run, "compare": bench_compare, "full": bench_full}
    result = modes[args.mode](args)
    json.dump(result, JSON_OUT, indent=2)
    print(file=JSON_OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
