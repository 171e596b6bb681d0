"""Optuna search (TPE sampler, median pruning across folds) minimising the cross-validated business cost."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mlflow
import numpy as np
import optuna
import pandas as pd

from credit_scoring.cost import CostWeights, best_threshold
from credit_scoring.pipelines.modelling.budget import trial_progress
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import CrossValidation, cross_validate
from credit_scoring.pipelines.modelling.params import (
    SPEC_KEYS,
    CandidateSpec,
    RefineParams,
    SearchDimension,
    TuningSpec,
)
from credit_scoring.serving.model import FeatureSpec

logger = logging.getLogger(__name__)


@dataclass
class TuningOutcome:
    """The best candidate found, its cross-validation, and one row per trial."""

    spec: CandidateSpec
    cv: CrossValidation
    trials: pd.DataFrame
    timed_out: bool


Folds = list[tuple[np.ndarray, np.ndarray]]


def tuning_sample(folds: Folds, y: np.ndarray, size: int, random_state: int) -> tuple[np.ndarray, Folds]:
    """The training positions the trials read and their folds: ``size`` rows drawn at random within each
    fold and class (every fold keeps its share of rows and of defaulters), or every row when ``size`` is
    not smaller. The sample's folds are the original folds restricted to the sample."""
    if size >= len(y):
        return np.arange(len(y)), folds
    rng = np.random.default_rng(random_state)
    share = size / len(y)
    chosen = []
    for _, validation in folds:
        for label in np.unique(y[validation]):
            rows = validation[y[validation] == label]
            size_here = min(len(rows), max(1, round(share * len(rows))))
            chosen.append(rng.choice(rows, size=size_here, replace=False))
    positions = np.sort(np.concatenate(chosen))
    fold_of = np.empty(len(y), dtype=np.int64)
    for number, (_, validation) in enumerate(folds):
        fold_of[validation] = number
    sample_fold = fold_of[positions]
    return positions, [
        (np.flatnonzero(sample_fold != number), np.flatnonzero(sample_fold == number))
        for number in range(len(folds))
    ]


def suggest(trial: optuna.Trial, name: str, dimension: SearchDimension, n_rows: int) -> Any:
    if dimension.type == "categorical":
        return trial.suggest_categorical(name, dimension.choices)
    if dimension.type == "int":
        high = dimension.high if dimension.high_share is None else dimension.high_share * n_rows
        low = int(dimension.low)
        return trial.suggest_int(name, low, max(low, int(high)), log=dimension.log)
    return trial.suggest_float(name, dimension.low, dimension.high, log=dimension.log)


def trial_spec(trial: optuna.Trial, tuning: TuningSpec, n_rows: int) -> CandidateSpec:
    """The candidate a trial evaluates: the base candidate with the sampled values put in place."""
    fields = tuning.base.model_dump()
    for name, dimension in tuning.search_space.items():
        value = suggest(trial, name, dimension, n_rows)
        if name in SPEC_KEYS:
            fields[name] = value
        else:
            fields["params"][name] = value
    return CandidateSpec.model_validate(fields)


def _current_value(spec: CandidateSpec, name: str) -> Any:
    return getattr(spec, name) if name in SPEC_KEYS else spec.params.get(name)


def _narrowed(dimension: SearchDimension, value: float, shrink: float, n_rows: int) -> SearchDimension:
    """The range ``shrink`` times as wide, centred on ``value`` (log scale for log dimensions), inside the
    original range."""
    low = float(dimension.low)
    high = float(
        dimension.high if dimension.high_share is None else max(low, int(dimension.high_share * n_rows))
    )
    scale, unscale = (np.log, np.exp) if dimension.log else (float, float)
    half_width = shrink * (scale(high) - scale(low)) / 2
    centre = float(np.clip(scale(value), scale(low), scale(high)))
    new_low = float(unscale(max(scale(low), centre - half_width)))
    new_high = float(unscale(min(scale(high), centre + half_width)))
    if dimension.type == "int":
        new_low, new_high = float(np.floor(new_low)), float(np.ceil(new_high))
    return SearchDimension(type=dimension.type, low=new_low, high=new_high, log=dimension.log)


def refined_study(study: TuningSpec, best: CandidateSpec, refine: RefineParams, n_rows: int) -> TuningSpec:
    """A second, finer study around ``best`` (the first study's best candidate): every numeric dimension
    narrowed around its best value, every categorical one fixed to its best choice."""
    base = study.base.model_dump()
    space: dict[str, SearchDimension] = {}
    for name, dimension in study.search_space.items():
        value = _current_value(best, name)
        if dimension.type == "categorical":
            if name in SPEC_KEYS:
                base[name] = value
            else:
                base["params"][name] = value
            continue
        space[name] = _narrowed(dimension, float(value), refine.shrink, n_rows)
    return TuningSpec.model_validate(
        {
            **study.model_dump(),
            "name": f"{study.name}_refined",
            "base": base,
            "search_space": {name: dimension.model_dump() for name, dimension in space.items()},
            "n_trials": refine.n_trials,
            "timeout_s": refine.timeout_s,
        }
    )


def tune(
    tuning: TuningSpec,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    features: FeatureSpec,
    *,
    weights: CostWeights,
    random_state: int,
    n_jobs: int,
) -> TuningOutcome:
    """Run the study; the objective is the out-of-fold business cost per client at its best threshold.

    After each fold the trial reports the cost on the folds done so far, so the median pruner can stop a
    hopeless trial early. The seeded TPE sampler makes the search reproducible unless the time cap fires.
    """
    sampler = optuna.samplers.TPESampler(seed=random_state)
    pruner: optuna.pruners.BasePruner = (
        optuna.pruners.MedianPruner(
            n_startup_trials=tuning.pruner_startup_trials, n_warmup_steps=tuning.pruner_warmup_folds
        )
        if tuning.pruning
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner, study_name=tuning.name)
    best: dict[str, Any] = {}

    def objective(trial: optuna.Trial) -> float:
        spec = trial_spec(trial, tuning, len(y))
        estimator = build_estimator(spec, features, random_state, n_jobs)

        def report_fold(number: int, oof: np.ndarray, done: np.ndarray) -> None:
            trial.report(best_threshold(y[done], oof[done], weights).cost_per_client, number)
            folds_left = number < len(folds) - 1  # after the last fold the trial is complete: keep it
            if folds_left and trial.should_prune():
                raise optuna.TrialPruned()

        cv = cross_validate(
            estimator,
            X,
            y,
            folds,
            weights,
            after_fold=report_fold,
            early_stopping_rounds=spec.early_stopping_rounds,
        )
        trial.set_user_attr("cv_auc", cv.auc)
        trial.set_user_attr("cv_auc_std", cv.auc_std)
        trial.set_user_attr("cv_train_auc", float(np.mean(cv.fold_train_auc)))
        trial.set_user_attr("threshold", cv.threshold.threshold)
        if cv.fold_best_iteration:
            trial.set_user_attr("n_trees", float(np.mean(cv.fold_best_iteration)))
        cost = cv.threshold.cost_per_client
        if not best or cost < best["cost"]:
            best.update(cost=cost, spec=spec, cv=cv)
        return cost

    callbacks = [trial_progress(tuning.name, tuning.n_trials, tuning.timeout_s)]
    if tuning.log_trials_as_nested_runs:
        callbacks.append(log_trial_as_nested_run(tuning.name))
    started = time.perf_counter()
    study.optimize(objective, n_trials=tuning.n_trials, timeout=tuning.timeout_s, callbacks=callbacks)
    timed_out = len(study.trials) < tuning.n_trials
    if timed_out:
        logger.warning(
            "Study %s stopped by its %.0f s time cap after %d of %d trials (%.0f s): its result depends on "
            "the machine's speed; raise timeout_s for a reproducible search",
            tuning.name,
            tuning.timeout_s,
            len(study.trials),
            tuning.n_trials,
            time.perf_counter() - started,
        )
    if not best:
        raise RuntimeError(f"Study {tuning.name} completed no trial: raise n_trials or timeout_s")
    return TuningOutcome(spec=best["spec"], cv=best["cv"], trials=trials_table(study), timed_out=timed_out)


def trials_table(study: optuna.Study) -> pd.DataFrame:
    """One row per trial: state, objective, AUC, threshold, duration and sampled parameters."""
    rows = []
    for trial in study.trials:
        duration = trial.duration.total_seconds() if trial.duration is not None else float("nan")
        rows.append(
            {
                "study": study.study_name,
                "trial": trial.number,
                "state": trial.state.name,
                "cv_business_cost_per_client": trial.value,
                "folds_evaluated": len(trial.intermediate_values),
                "cv_auc": trial.user_attrs.get("cv_auc"),
                "cv_auc_std": trial.user_attrs.get("cv_auc_std"),
                "cv_train_auc": trial.user_attrs.get("cv_train_auc"),
                "threshold": trial.user_attrs.get("threshold"),
                "n_trees": trial.user_attrs.get("n_trees"),
                "duration_s": duration,
                **{f"param_{name}": value for name, value in trial.params.items()},
            }
        )
    return pd.DataFrame(rows)


def log_trial_as_nested_run(study_name: str) -> Callable[[optuna.Study, optuna.trial.FrozenTrial], None]:
    """Optuna callback logging each finished trial as a nested MLflow run of the active (kedro-mlflow) run.

    The one place where a node talks to MLflow directly: trials are many and only known inside the search.
    Does nothing when no MLflow run is active (plain runs, unit tests).
    """

    def callback(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if mlflow.active_run() is None:
            return
        with mlflow.start_run(run_name=f"{study_name}-trial-{trial.number:03d}", nested=True):
            mlflow.set_tags({"study": study_name, "trial": trial.number, "state": trial.state.name})
            mlflow.log_params(trial.params)
            for step, value in trial.intermediate_values.items():
                mlflow.log_metric("cost_per_client_after_fold", value, step=step)
            if trial.value is not None:
                mlflow.log_metric("cv_business_cost_per_client", trial.value)
            for name, value in trial.user_attrs.items():
                if isinstance(value, int | float) and np.isfinite(value):
                    mlflow.log_metric(name, value)

    return callback
