"""Nodes of the search: the configured candidates, the Optuna studies and the finer second search, all on
the same folds and the same business cost; then every candidate refitted and the simplest good one selected.

Model selection reads the training split only: the holdout is predicted by every candidate but only to
report, never to choose a model, a threshold or a hyper-parameter.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from credit_scoring.pipelines.modelling.budget import fold_progress
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CalibrationSettings,
    CandidateResult,
    comparison_row,
    cross_validate,
    features_and_target,
    refit,
)
from credit_scoring.pipelines.modelling.guards import warn_on_high_auc, warn_on_overfitting
from credit_scoring.pipelines.modelling.params import CandidateSpec, ModellingSettings, TuningSpec
from credit_scoring.pipelines.modelling.preparation import training_data
from credit_scoring.pipelines.modelling.tuning import refined_study, tune, tuning_sample
from credit_scoring.pipelines.progress import Progress, duration

logger = logging.getLogger(__name__)


def cross_validate_candidates(
    *, training_table: pd.DataFrame, cv_folds: pd.DataFrame, settings: ModellingSettings
) -> dict[str, CandidateResult]:
    """Out-of-fold predictions and the cost-minimising threshold of each configured candidate, in order."""
    X, y, folds, features = training_data(training_table, cv_folds, settings.split)
    results = {}
    for name, spec in settings.candidates.items():
        estimator = build_estimator(spec, features, settings.random_state, settings.n_jobs)
        cv = cross_validate(
            estimator,
            X,
            y,
            folds,
            settings.weights,
            early_stopping_rounds=spec.early_stopping_rounds,
            progress=fold_progress(name, len(folds)),
        )
        logger.info(
            "%s: CV AUC %.4f ± %.4f, cost per client %.4f at threshold %.3f, %.1f s per fold",
            name,
            cv.auc,
            cv.auc_std,
            cv.threshold.cost_per_client,
            cv.threshold.threshold,
            np.mean(cv.fold_fit_time_s),
        )
        results[name] = CandidateResult(name=name, spec=spec.model_dump(), cv=cv)
    return results


def _study_result(
    study: TuningSpec,
    training_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    settings: ModellingSettings,
    **extra: object,
) -> tuple[CandidateResult, pd.DataFrame]:
    """The study's trials on the tuning sample (``modelling.budget``), then its best candidate cross-validated
    on every training row when the trials read a sample: the candidate is compared, calibrated and
    thresholded on every row's out-of-fold score, as the configured candidates are."""
    X, y, folds, features = training_data(training_table, cv_folds, settings.split)
    sample, sample_folds = tuning_sample(folds, y, settings.budget.sample_rows(len(y)), settings.random_state)
    sampled = len(sample) < len(y)
    if sampled:
        logger.info("%s: trials on %d of %d rows (modelling.budget)", study.name, len(sample), len(y))
    outcome = tune(
        study,
        X.iloc[sample] if sampled else X,
        y[sample],
        sample_folds,
        features,
        weights=settings.weights,
        random_state=settings.random_state,
        n_jobs=settings.n_jobs,
    )
    cv = outcome.cv
    if sampled:
        cv = cross_validate(
            build_estimator(outcome.spec, features, settings.random_state, settings.n_jobs),
            X,
            y,
            folds,
            settings.weights,
            early_stopping_rounds=outcome.spec.early_stopping_rounds,
            progress=fold_progress(f"{study.name} (best trial, every row)", len(folds)),
        )
    extra = {
        "n_trials": len(outcome.trials),
        "timed_out": outcome.timed_out,
        "tuning_rows": len(sample),
        "tuning_sample_cv_auc": outcome.cv.auc,
        **extra,
    }
    result = CandidateResult(name=study.name, spec=outcome.spec.model_dump(), cv=cv, extra=extra)
    return result, outcome.trials


def tune_candidate(
    *, training_table: pd.DataFrame, cv_folds: pd.DataFrame, settings: ModellingSettings, study: str
) -> tuple[CandidateResult, pd.DataFrame]:
    """The Optuna study ``modelling.tuning.<study>`` on the same folds: its best candidate and its trials."""
    return _study_result(settings.tuning[study], training_table, cv_folds, settings)


def refine_search(
    *,
    training_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    settings: ModellingSettings,
    baseline_results: dict[str, CandidateResult],
    **study_results: CandidateResult,
) -> tuple[dict[str, CandidateResult], pd.DataFrame]:
    """A finer second study (``modelling.refine``) on the family of the cheapest candidate so far, around the
    best trial of that family's study (``study_results``: each study's best candidate, by study key).
    Returns the refined candidate (none when turned off, when no study tunes that family, or when the study
    has no numeric range to narrow) and its trials."""
    refine = settings.refine
    if refine.n_trials == 0:
        return {}, pd.DataFrame()
    cheapest = min(
        [*baseline_results.values(), *study_results.values()],
        key=lambda result: result.cv.threshold.cost_per_client,
    )
    family = cheapest.spec["family"]
    matching = [key for key in study_results if settings.tuning[key].base.family == family]
    if not matching:
        logger.info(
            "No finer search: no study tunes %s, the family of the cheapest, %s", family, cheapest.name
        )
        return {}, pd.DataFrame()
    key = min(matching, key=lambda key: study_results[key].cv.threshold.cost_per_client)
    best = CandidateSpec.model_validate(study_results[key].spec)
    tuning_rows = settings.budget.sample_rows(len(training_table))
    study = refined_study(settings.tuning[key], best, refine, n_rows=tuning_rows)
    if not study.search_space:
        logger.info("No finer search: study %s has no numeric range to narrow", settings.tuning[key].name)
        return {}, pd.DataFrame()
    result, trials = _study_result(
        study, training_table, cv_folds, settings, refines=settings.tuning[key].name
    )
    return {study.name: result}, trials


def gather_candidates(
    baseline_results: dict[str, CandidateResult],
    refined_results: dict[str, CandidateResult],
    **study_results: CandidateResult,
) -> dict[str, CandidateResult]:
    """Every candidate, simplest first: the configured baselines, the tuned studies, the finer search."""
    return {
        **baseline_results,
        **{result.name: result for result in study_results.values()},
        **refined_results,
    }


def combine_trials(*trials: pd.DataFrame) -> pd.DataFrame:
    """One table of every tuning trial of every study."""
    return pd.concat(trials, ignore_index=True, sort=False)


def refit_candidates(
    *,
    candidates: dict[str, CandidateResult],
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    settings: ModellingSettings,
) -> dict[str, CandidateResult]:
    """Fit every candidate on the whole training split, calibrate it on its out-of-fold scores, choose its
    threshold on the calibrated scale, and predict the holdout (for reporting only)."""
    split = settings.split
    X, y, _, features = training_data(training_table, cv_folds, split)
    X_holdout, _ = features_and_target(holdout_table, split.id_column, split.target)
    calibrate = CalibrationSettings(
        method=settings.calibration.method, fold=cv_folds[FOLD_COLUMN].to_numpy(), weights=settings.weights
    )
    results = dict(candidates)
    progress = Progress(logger, f"Refits on {len(y):,} rows", len(results), "candidates")
    for done, result in enumerate(results.values(), start=1):
        spec = CandidateSpec.model_validate(result.spec)
        estimator = build_estimator(spec, features, settings.random_state, settings.n_jobs)
        refit(result, estimator, X, y, X_holdout, calibration=calibrate)
        progress.step(done, f"{result.name} in {duration(result.refit_time_s)}")
    return results


def select_candidate(
    comparison: pd.DataFrame, fold_costs: dict[str, list[float]], standard_errors: float
) -> str:
    """The simplest candidate (configuration order) whose cross-validated cost is within ``standard_errors``
    paired standard errors of the cheapest one's: a lead smaller than the fold-to-fold noise is not trusted.
    """
    best = str(comparison.loc[comparison["cv_business_cost_per_client"].idxmin(), "model_name"])
    for name in comparison["model_name"]:
        differences = np.asarray(fold_costs[name]) - np.asarray(fold_costs[best])
        noise = differences.std(ddof=1) / np.sqrt(differences.size) if differences.size > 1 else 0.0
        if differences.mean() <= standard_errors * noise:
            return str(name)
    return best


def compare_candidates(
    *,
    candidate_results: dict[str, CandidateResult],
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    settings: ModellingSettings,
) -> tuple[pd.DataFrame, str]:
    """One row per candidate (simplest first) and the selected one: the simplest candidate whose
    cross-validated business cost is within the fold-to-fold noise of the cheapest (see select_candidate)."""
    target, limits = settings.split.target, settings.guards
    y_train = training_table[target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[target].to_numpy(dtype=np.int64)
    comparison = pd.DataFrame(
        [
            comparison_row(result, y_train, y_holdout, settings.weights)
            for result in candidate_results.values()
        ]
    )
    fold_costs = {name: result.cv.fold_cost for name, result in candidate_results.items()}
    standard_errors = settings.selection.standard_errors
    selected = select_candidate(comparison, fold_costs, standard_errors)
    comparison["selected"] = comparison["model_name"] == selected
    for row in comparison.itertuples():
        warn_on_high_auc(row.model_name, row.cv_auc, limits.auc_warning, "Cross-validated")
        warn_on_high_auc(row.model_name, row.holdout_auc, limits.auc_warning, "Holdout")
        warn_on_overfitting(row.model_name, row.train_validation_auc_gap, limits.max_auc_gap)
    cheapest = comparison.loc[comparison["cv_business_cost_per_client"].idxmin(), "model_name"]
    logger.info(
        "Selected %s (cheapest in cross-validation: %s; simplest within %.1f paired standard errors)",
        selected,
        cheapest,
        standard_errors,
    )
    return comparison, selected
