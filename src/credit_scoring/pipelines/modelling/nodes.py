"""Nodes of the modelling pipeline: pure functions from data and parameters to data.

Kedro passes node inputs positionally, in the order the pipeline lists them, hence the long signatures.

Model selection uses cross-validation on the training split only; the holdout is predicted by every candidate
but only read to report, never to choose a model, a threshold or a hyper-parameter.
"""

# ruff: noqa: PLR0917

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from credit_scoring.cost import (
    CostWeights,
    approve_all_cost_per_client,
    client_costs,
    confusion_counts,
    cost_curve,
    decisions,
    paired_cost_difference,
    validate_probabilities,
)
from credit_scoring.features.segments import SEGMENTATIONS
from credit_scoring.pipelines.modelling import figures
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CalibrationSettings,
    CandidateResult,
    EvaluationRule,
    assign_folds,
    comparison_row,
    cross_validate,
    features_and_target,
    fold_indices,
    ids_fingerprint,
    refit,
    served_probabilities,
    split_holdout,
    validate_model_input,
)
from credit_scoring.pipelines.modelling.guards import (
    feature_auc_report,
    reliability_curves,
    warn_on_high_auc,
    warn_on_overfitting,
)
from credit_scoring.pipelines.modelling.params import (
    CalibrationParams,
    CandidateSpec,
    CostParams,
    GuardParams,
    RefineParams,
    RegistryParams,
    RiskReportParams,
    SelectionParams,
    SplitParams,
    TuningSpec,
    parse,
    parse_candidates,
    parse_excluded_features,
)
from credit_scoring.pipelines.modelling.risk_report import (
    cost_sensitivity,
    discrimination,
    score_bands,
    segment_comparison,
    segment_metrics,
    unavailable_segments,
)
from credit_scoring.pipelines.modelling.tuning import refined_study, tune
from credit_scoring.records import (
    COST_CURVE_COLUMNS,
    DEFAULT_BAND_MULTIPLES,
    CostSensitivityRow,
    ModelMetrics,
    ScoreBands,
    Segments,
    cost_curve_points,
)
from credit_scoring.registry import (
    CHAMPION_FAILS_SCORING,
    CHAMPION_NONE,
    CHAMPION_OK,
    CHAMPION_UNLOADABLE,
    GateEvidence,
    ModelRelease,
    PromotionDecision,
    RegisteredModel,
    model_signature,
    synthetic_input_example,
)
from credit_scoring.registry import decide_promotion as promotion_gate
from credit_scoring.serving.calibration import cross_fitted
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec

logger = logging.getLogger(__name__)


def evaluation_rule(settings: SplitParams) -> EvaluationRule:
    return EvaluationRule(settings.id_column, settings.holdout_salt, settings.holdout_fraction)


def split_model_input(
    model_input_table: pd.DataFrame, split: dict[str, Any], excluded_features: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, holdout) by a hash of the client id, after checking the table can be modelled.

    A client's side never depends on the other clients: adding clients leaves every earlier client where it
    was, so no later holdout holds a client an earlier model (with the same rule) was trained on.

    ``excluded_features`` (protected attributes) are dropped from the training table here, the one place:
    every candidate, tuning trial and the served model's feature list are built from it, so no model learns
    from them. The holdout keeps them: the fairness report measures decisions by gender on it, and a
    champion trained before the exclusion is still judged with its own features.
    """
    settings = parse(SplitParams, split, "modelling.split")
    validate_model_input(model_input_table, settings.id_column, settings.target, settings.n_folds)
    excluded = parse_excluded_features(
        excluded_features, model_input_table.columns, id_column=settings.id_column, target=settings.target
    )
    table = model_input_table.astype({settings.target: np.int64})
    training, holdout = split_holdout(table, evaluation_rule(settings))
    training = training.drop(columns=list(excluded))
    if excluded:
        logger.info("Excluded from the model's features (modelling.excluded_features): %s", list(excluded))
    for name, part in (("training", training), ("holdout", holdout)):
        if part[settings.target].nunique() < 2:
            raise ValueError(
                f"The {name} split has a single class: too few clients ({len(table)}) for a holdout of "
                f"{settings.holdout_fraction:.0%}"
            )
    logger.info(
        "Model input split by id hash: %d training rows (%.2f%% defaults), %d holdout rows (%.2f%%), "
        "%d features",
        len(training),
        100 * training[settings.target].mean(),
        len(holdout),
        100 * holdout[settings.target].mean(),
        training.shape[1] - 2,
    )
    return training, holdout


def make_cv_folds(training_table: pd.DataFrame, split: dict[str, Any], random_state: int) -> pd.DataFrame:
    """The stratified folds every candidate and every tuning trial is evaluated on (fewer on big data)."""
    settings = parse(SplitParams, split, "modelling.split")
    n_folds = settings.folds_for(len(training_table))
    return assign_folds(training_table, settings.id_column, settings.target, n_folds, random_state)


def check_feature_leakage(
    training_table: pd.DataFrame, cv_folds: pd.DataFrame, split: dict[str, Any], guards: dict[str, Any]
) -> pd.DataFrame:
    """AUC of each feature alone; features above the leakage limit are flagged (or fail the run if set)."""
    settings = parse(SplitParams, split, "modelling.split")
    limits = parse(GuardParams, guards, "modelling.guards")
    fold_indices(cv_folds, training_table, settings.id_column)  # checks alignment
    report = feature_auc_report(
        training_table,
        cv_folds[FOLD_COLUMN].to_numpy(),
        settings.id_column,
        settings.target,
        limits.leakage_auc,
    )
    suspects = report.loc[report["suspect_leakage"], ["feature", "auc"]]
    if not suspects.empty:
        listed = ", ".join(f"{row.feature} (AUC {row.auc:.3f})" for row in suspects.itertuples())
        message = f"Possible target leakage: these features alone reach AUC > {limits.leakage_auc}: {listed}"
        if limits.fail_on_leakage:
            raise ValueError(message)
        logger.warning(message)
    return report


def _training_data(training_table: pd.DataFrame, cv_folds: pd.DataFrame, settings: SplitParams):
    X, y = features_and_target(training_table, settings.id_column, settings.target)
    return X, y, fold_indices(cv_folds, training_table, settings.id_column), FeatureSpec.from_frame(X)


def cross_validate_candidates(
    training_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    split: dict[str, Any],
    candidates: dict[str, Any],
    cost: dict[str, Any],
    n_jobs: int,
    random_state: int,
) -> dict[str, CandidateResult]:
    """Out-of-fold predictions and the cost-minimising threshold of each configured candidate, in order."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    X, y, folds, features = _training_data(training_table, cv_folds, settings)
    results = {}
    for name, spec in parse_candidates(candidates).items():
        estimator = build_estimator(spec, features, random_state, n_jobs)
        cv = cross_validate(estimator, X, y, folds, weights, early_stopping_rounds=spec.early_stopping_rounds)
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


def tune_candidate(
    training_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    split: dict[str, Any],
    tuning: dict[str, Any],
    cost: dict[str, Any],
    n_jobs: int,
    random_state: int,
) -> tuple[CandidateResult, pd.DataFrame]:
    """Optuna search on the same folds; returns the best candidate's cross-validation and the trials table."""
    settings = parse(SplitParams, split, "modelling.split")
    study = parse(TuningSpec, tuning, "modelling.tuning")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    X, y, folds, features = _training_data(training_table, cv_folds, settings)
    outcome = tune(study, X, y, folds, features, weights=weights, random_state=random_state, n_jobs=n_jobs)
    extra = {"n_trials": len(outcome.trials), "timed_out": outcome.timed_out}
    result = CandidateResult(name=study.name, spec=outcome.spec.model_dump(), cv=outcome.cv, extra=extra)
    return result, outcome.trials


def refine_search(
    *,
    training_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    split: dict[str, Any],
    refine: dict[str, Any],
    cost: dict[str, Any],
    n_jobs: int,
    random_state: int,
    baseline_results: dict[str, CandidateResult],
    **studies: Any,
) -> tuple[dict[str, CandidateResult], pd.DataFrame]:
    """A finer second study (``modelling.refine``) on the family of the cheapest candidate so far, around the
    best trial of that family's study. ``studies`` holds, for each study ``key``, ``<key>_spec`` (its
    parameters) and ``<key>_result`` (its best candidate). Returns the refined candidate (none when turned
    off, when no study tunes that family, or when the study has no numeric range to narrow) and its trials."""
    settings = parse(RefineParams, refine, "modelling.refine")
    if settings.n_trials == 0:
        return {}, pd.DataFrame()
    keys = [name.removesuffix("_spec") for name in studies if name.endswith("_spec")]
    specs = {key: parse(TuningSpec, studies[f"{key}_spec"], f"modelling.tuning.{key}") for key in keys}
    results = {key: studies[f"{key}_result"] for key in keys}
    candidates = [*baseline_results.values(), *results.values()]
    cheapest = min(candidates, key=lambda result: result.cv.threshold.cost_per_client)
    family = cheapest.spec["family"]
    matching = [key for key in keys if specs[key].base.family == family]
    if not matching:
        logger.info(
            "No finer search: no study tunes %s, the family of the cheapest, %s", family, cheapest.name
        )
        return {}, pd.DataFrame()
    key = min(matching, key=lambda key: results[key].cv.threshold.cost_per_client)
    X, y, folds, features = _training_data(
        training_table, cv_folds, parse(SplitParams, split, "modelling.split")
    )
    study = refined_study(specs[key], CandidateSpec.model_validate(results[key].spec), settings, len(y))
    if not study.search_space:
        logger.info("No finer search: study %s has no numeric range to narrow", specs[key].name)
        return {}, pd.DataFrame()
    weights = parse(CostParams, cost, "modelling.cost").weights()
    outcome = tune(study, X, y, folds, features, weights=weights, random_state=random_state, n_jobs=n_jobs)
    extra = {"n_trials": len(outcome.trials), "timed_out": outcome.timed_out, "refines": specs[key].name}
    result = CandidateResult(name=study.name, spec=outcome.spec.model_dump(), cv=outcome.cv, extra=extra)
    return {study.name: result}, outcome.trials


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
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    calibration: dict[str, Any],
    n_jobs: int,
    random_state: int,
    candidates: dict[str, CandidateResult],
) -> dict[str, CandidateResult]:
    """Fit every candidate on the whole training split, calibrate it on its out-of-fold scores, choose its
    threshold on the calibrated scale, and predict the holdout (for reporting only)."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    method = parse(CalibrationParams, calibration, "modelling.calibration").method
    X, y, _, features = _training_data(training_table, cv_folds, settings)
    X_holdout, _ = features_and_target(holdout_table, settings.id_column, settings.target)
    calibrate = CalibrationSettings(method=method, fold=cv_folds[FOLD_COLUMN].to_numpy(), weights=weights)
    results = dict(candidates)
    for result in results.values():
        estimator = build_estimator(CandidateSpec.model_validate(result.spec), features, random_state, n_jobs)
        refit(result, estimator, X, y, X_holdout, calibration=calibrate)
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
    candidate_results: dict[str, CandidateResult],
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    guards: dict[str, Any],
    selection: dict[str, Any],
) -> tuple[pd.DataFrame, str]:
    """One row per candidate (simplest first) and the selected one: the simplest candidate whose
    cross-validated business cost is within the fold-to-fold noise of the cheapest (see select_candidate)."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    limits = parse(GuardParams, guards, "modelling.guards")
    rule = parse(SelectionParams, selection, "modelling.selection")
    y_train = training_table[settings.target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[settings.target].to_numpy(dtype=np.int64)
    comparison = pd.DataFrame(
        [comparison_row(result, y_train, y_holdout, weights) for result in candidate_results.values()]
    )
    fold_costs = {name: result.cv.fold_cost for name, result in candidate_results.items()}
    selected = select_candidate(comparison, fold_costs, rule.standard_errors)
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
        rule.standard_errors,
    )
    return comparison, selected


def holdout_fingerprint(holdout_table: pd.DataFrame, id_column: str, target: str) -> str:
    """A short hash of the holdout's ids and labels: equal fingerprints mean the same holdout."""
    payload = holdout_table[[id_column, target]].to_numpy(dtype=np.int64).tobytes()
    return hashlib.sha256(payload).hexdigest()[:16]


def evaluate_selected_model(
    *,
    candidate_results: dict[str, CandidateResult],
    selected_model: str,
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    scoring_input_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    feature_leakage_report: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    guards: dict[str, Any],
    calibration: dict[str, Any],
    risk_report: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Final metrics of the selected model, its cost-versus-threshold curves and its reliability curves.

    Probabilities, the threshold and the holdout costs are on the served (calibrated) scale; the raw
    model's holdout cost at its own out-of-fold threshold is kept beside them for comparison. The risk
    report (Gini, KS, score bands, cost-ratio sensitivity) reads the holdout and, for the production clients'
    risk bands, ``scoring_input_table`` as this model scores it.
    """
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    limits = parse(GuardParams, guards, "modelling.guards")
    calibration_settings = parse(CalibrationParams, calibration, "modelling.calibration")
    report = parse(RiskReportParams, risk_report, "modelling.risk_report")
    result = candidate_results[selected_model]
    y_train = training_table[settings.target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[settings.target].to_numpy(dtype=np.int64)
    row = comparison_row(result, y_train, y_holdout, weights)
    calibration_summary, reliability = reliability_curves(
        y_holdout, result.holdout_raw_proba, result.holdout_proba, calibration_settings.n_bins
    )
    calibrated_oof = cross_fitted(
        result.cv.oof_proba, y_train, cv_folds[FOLD_COLUMN].to_numpy(), calibration_settings.method
    )
    metrics: dict[str, Any] = {
        "model_name": selected_model,
        "cv_auc": row["cv_auc"],
        "cv_auc_std": row["cv_auc_std"],
        "n_folds": int(cv_folds[FOLD_COLUMN].nunique()),
        "holdout_auc": row["holdout_auc"],
        "holdout_accuracy": row["holdout_accuracy"],
        "holdout_precision": row["holdout_precision"],
        "holdout_recall": row["holdout_recall"],
        "probability_scale": "calibrated",
        "calibration_method": calibration_settings.method,
        "threshold": row["threshold"],
        "business_cost_per_client": row["holdout_business_cost_per_client"],
        "business_cost_at_0_5": row["holdout_business_cost_at_0_5"],
        "business_cost_uncalibrated": row["holdout_business_cost_uncalibrated"],
        "raw_threshold": row["raw_threshold"],
        "approve_all_cost": approve_all_cost_per_client(y_holdout, weights),
        "n_features": int(training_table.shape[1] - 2),
        "n_trees": row["n_trees"] if np.isfinite(row["n_trees"]) else None,  # None: not early-stopped
        "training_time_s": row["refit_time_s"],
        "cv_business_cost_per_client": row["cv_business_cost_per_client"],
        "cv_business_cost_std": row["cv_business_cost_std"],
        "cv_business_cost_calibrated": row["cv_business_cost_calibrated"],
        "cv_train_auc": row["cv_train_auc"],
        "train_validation_auc_gap": row["train_validation_auc_gap"],
        "large_train_validation_gap": bool(row["train_validation_auc_gap"] > limits.max_auc_gap),
        "holdout_tn": row["holdout_tn"],
        "holdout_fp": row["holdout_fp"],
        "holdout_fn": row["holdout_fn"],
        "holdout_tp": row["holdout_tp"],
        "predict_time_ms_per_1000": row["predict_time_ms_per_1000"],
        "false_negative_cost": weights.false_negative,
        "false_positive_cost": weights.false_positive,
        "bayes_threshold": weights.bayes_threshold,
        "n_train": len(training_table),
        "n_holdout": len(holdout_table),
        "holdout_default_rate": float(y_holdout.mean()),
        "holdout_fingerprint": holdout_fingerprint(holdout_table, settings.id_column, settings.target),
        "evaluation_rule": evaluation_rule(settings).to_dict(),
        "training_ids_sha256": ids_fingerprint(training_table[settings.id_column].to_numpy()),
        **calibration_summary,
        "auc_above_kaggle_best": bool(max(row["cv_auc"], row["holdout_auc"]) > limits.auc_warning),
        "leakage_suspects": feature_leakage_report.loc[
            feature_leakage_report["suspect_leakage"], "feature"
        ].tolist(),
        **_risk_report(
            result,
            y_holdout,
            threshold=row["threshold"],
            weights=weights,
            out_of_fold=(y_train, calibrated_oof),
            cost_ratios=report.cost_ratios,
            production_proba=_production_probabilities(result, scoring_input_table, settings),
        ),
        "segments": holdout_segments(
            holdout_table,
            training_table,
            result.holdout_proba,
            target=settings.target,
            threshold=row["threshold"],
            weights=weights,
        ),
    }
    curve = pd.concat(
        [
            cost_curve(y_train, calibrated_oof, weights).assign(sample="out-of-fold (training)"),
            cost_curve(y_holdout, result.holdout_proba, weights).assign(sample="holdout"),
        ],
        ignore_index=True,
    )[list(COST_CURVE_COLUMNS)]
    cost_curve_points(curve.to_dict(orient="records"))  # the record the API serves: fails here, not there
    return ModelMetrics.written(metrics), curve, reliability


def _production_probabilities(
    result: CandidateResult, scoring_input_table: pd.DataFrame, settings: SplitParams
) -> np.ndarray:
    """The selected model's served probabilities for the production clients (none when there are none)."""
    if scoring_input_table.empty:
        return np.empty(0)
    X = scoring_input_table.drop(columns=[settings.id_column, settings.target], errors="ignore")
    return served_probabilities(result.estimator, result.calibrator, X)[1]


def _risk_report(
    result: CandidateResult,
    y_holdout: np.ndarray,
    *,
    threshold: float,
    weights: CostWeights,
    out_of_fold: tuple[np.ndarray, np.ndarray],
    cost_ratios: tuple[float, ...],
    production_proba: np.ndarray,
) -> dict[str, Any]:
    """Gini, KS, score bands and cost-ratio sensitivity of the selected model (keys of model_metrics)."""
    ranking = discrimination(y_holdout, result.holdout_proba)
    bands = score_bands(
        y_holdout,
        result.holdout_proba,
        threshold=threshold,
        multiples=DEFAULT_BAND_MULTIPLES,
        tie_breaker=result.holdout_raw_proba,
        production_proba=production_proba,
    )
    unit = weights.false_positive or 1.0  # with free refusals, costs in units of 1
    sensitivity = cost_sensitivity(
        cost_ratios,
        choose_on=out_of_fold,
        measure_on=(y_holdout, result.holdout_proba),
        false_positive=unit,
        decision_ratio=weights.false_negative / weights.false_positive if weights.false_positive else None,
    )
    _log_risk_report(bands, sensitivity)
    return {"gini": ranking.gini, "ks": ranking.ks, "score_bands": bands, "cost_sensitivity": sensitivity}


def holdout_segments(
    holdout_table: pd.DataFrame,
    training_table: pd.DataFrame,
    holdout_proba: np.ndarray,
    *,
    target: str,
    threshold: float,
    weights: CostWeights,
) -> Segments:
    """The holdout by segment (`credit_scoring.features.segments`): thin-file clients, clients without a
    bureau record, and each contract type (the levels of training and holdout, so that a level absent from
    the holdout shows with no client). A segmentation whose columns the model input lacks says so."""
    comparisons = {}
    for segmentation in SEGMENTATIONS:
        missing = [column for column in segmentation.columns if column not in holdout_table]
        if missing:
            comparisons[segmentation.name] = unavailable_segments(segmentation.definition, missing)
            continue
        # the training table may lack a column the model does not use (modelling.excluded_features)
        seen = [table for table in (training_table, holdout_table) if set(segmentation.columns) <= set(table)]
        comparisons[segmentation.name] = segment_comparison(
            holdout_table[target].to_numpy(dtype=np.int64),
            holdout_proba,
            segmentation.assign(holdout_table),
            segmentation.levels(seen),
            definition=segmentation.definition,
            threshold=threshold,
            weights=weights,
        )
    segments = Segments(**comparisons)
    _log_segments(segments)
    return segments


def _log_segments(segments: Segments) -> None:
    for name in Segments.model_fields:
        comparison = getattr(segments, name)
        if comparison.unavailable_reason:
            logger.warning("No %s segments: %s", name, comparison.unavailable_reason)
        for row in comparison.rows:
            logger.info(
                "Segment %s=%s: %d holdout clients, default rate %s, AUC %s, cost %s per client, approval %s",
                name,
                row.segment,
                row.count,
                "-" if row.default_rate is None else f"{100 * row.default_rate:.1f}%",
                "-" if row.auc is None else f"{row.auc:.3f}",
                "-" if row.cost_per_client is None else f"{row.cost_per_client:.4f}",
                "-" if row.approval_rate is None else f"{100 * row.approval_rate:.1f}%",
            )


def _log_risk_report(bands: ScoreBands, sensitivity: list[CostSensitivityRow]) -> None:
    broken = [
        f"{kind} {row.band}"
        for kind, rows in (("decile", bands.deciles), ("risk band", bands.risk_bands))
        for row in rows
        if row.rank_order_ok is False
    ]
    if broken:
        logger.warning(
            "Rank ordering broken on the holdout: the observed default rate falls at %s", ", ".join(broken)
        )
    for row in sensitivity:
        logger.info(
            "FN:FP %g:1: threshold %.3f, holdout cost %.4f per client, approval rate %.1f%%",
            row.cost_ratio,
            row.threshold,
            row.cost_per_client,
            100 * row.approval_rate,
        )


def plot_roc_curves(
    candidate_results: dict[str, CandidateResult],
    selected_model: str,
    holdout_table: pd.DataFrame,
    split: dict,
) -> Figure:
    settings = parse(SplitParams, split, "modelling.split")
    probabilities = {name: result.holdout_proba for name, result in candidate_results.items()}
    return figures.roc_figure(holdout_table[settings.target].to_numpy(), probabilities, selected_model)


def plot_precision_recall(
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    holdout_table: pd.DataFrame,
    split: dict,
) -> Figure:
    settings = parse(SplitParams, split, "modelling.split")
    name = model_metrics["model_name"]
    return figures.precision_recall_figure(
        holdout_table[settings.target].to_numpy(),
        candidate_results[name].holdout_proba,
        model_metrics["threshold"],
        name,
    )


def plot_cost_threshold(cost_threshold_curve: pd.DataFrame, model_metrics: dict[str, Any]) -> Figure:
    return figures.cost_threshold_figure(
        cost_threshold_curve, model_metrics["threshold"], model_metrics["approve_all_cost"]
    )


def plot_confusion_matrix(
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
) -> Figure:
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    proba = candidate_results[model_metrics["model_name"]].holdout_proba
    counts = confusion_counts(holdout_table[settings.target], decisions(proba, model_metrics["threshold"]))
    return figures.confusion_matrix_figure(counts, model_metrics["threshold"], weights)


def plot_cost_sensitivity(model_metrics: dict[str, Any]) -> Figure:
    rows = [CostSensitivityRow.model_validate(row) for row in model_metrics["cost_sensitivity"]]
    return figures.cost_sensitivity_figure(rows)


def plot_calibration(calibration_curve_table: pd.DataFrame, model_metrics: dict[str, Any]) -> Figure:
    return figures.calibration_figure(
        calibration_curve_table, model_metrics["brier_score_raw"], model_metrics["brier_score"]
    )


def build_model_bundle(
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    training_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
) -> CreditScoringModel:
    """The selected fitted pipeline with its calibrator, feature list and threshold (calibrated scale)."""
    settings = parse(SplitParams, split, "modelling.split")
    costs = parse(CostParams, cost, "modelling.cost")
    X, _ = features_and_target(training_table, settings.id_column, settings.target)
    name = model_metrics["model_name"]
    result = candidate_results[name]
    return CreditScoringModel(
        estimator=result.estimator,
        feature_spec=FeatureSpec.from_frame(X),
        threshold=model_metrics["threshold"],
        model_name=name,
        cost_weights=costs.model_dump(),
        calibrator=result.calibrator,
    )


def evaluate_champion(
    champion_model: RegisteredModel | None, holdout_table: pd.DataFrame, split: dict[str, Any]
) -> dict[str, Any]:
    """The current champion's state, its probabilities on this run's holdout, and which holdout clients it
    was not trained on (from the evaluation rule recorded in its tags). Never raises: a champion that cannot
    be loaded or cannot score is reported, and the gate decides what happens to it."""
    settings = parse(SplitParams, split, "modelling.split")
    evaluation: dict[str, Any] = {
        "status": CHAMPION_NONE,
        "version": None,
        "error": None,
        "note": "",
        "proba": None,
        "unseen": None,
    }
    if champion_model is None:
        return evaluation
    evaluation["version"] = champion_model.version
    if champion_model.model is None:
        evaluation.update(status=CHAMPION_UNLOADABLE, error=champion_model.load_error)
        logger.warning("Champion v%s cannot be loaded: %s", champion_model.version, champion_model.load_error)
        return evaluation
    X, _ = features_and_target(holdout_table, settings.id_column, settings.target)
    try:
        proba = np.asarray(champion_model.model.predict_proba(X), dtype=np.float64)
        validate_probabilities(proba, len(X))
    except Exception as error:  # any failure of the champion is reported, never fatal to the run
        message = f"{type(error).__name__}: {error}"
        logger.warning("Champion v%s cannot score the holdout: %s", champion_model.version, message)
        evaluation.update(status=CHAMPION_FAILS_SCORING, error=message)
        return evaluation
    unseen, note = _rows_unseen_by(champion_model, holdout_table, settings)
    evaluation.update(
        status=CHAMPION_OK, proba=proba, unseen=unseen, note=note, threshold=champion_model.model.threshold
    )
    if note:
        logger.warning("Champion v%s: %s", champion_model.version, note)
    return evaluation


def _rows_unseen_by(
    champion: RegisteredModel, holdout_table: pd.DataFrame, settings: SplitParams
) -> tuple[np.ndarray, str]:
    """Which holdout rows the champion was not trained on, and a note when the evaluation set changed."""
    current = evaluation_rule(settings)
    ids = holdout_table[settings.id_column].to_numpy()
    try:
        rule = EvaluationRule.from_dict(json.loads(champion.tags["evaluation_rule"]))
    except (KeyError, TypeError, ValueError):
        note = (
            "the champion's training clients are not recorded (no readable evaluation_rule tag): it may have "
            "been trained on some of these holdout clients, so its cost here may be optimistic"
        )
        return np.ones(len(ids), dtype=bool), note
    if rule != current:
        unseen = rule.held_out(ids)
        note = (
            f"the evaluation rows changed (champion rule {rule.to_dict()}, now {current.to_dict()}): both "
            f"models are compared on the {int(unseen.sum())} of {len(ids)} holdout clients neither was "
            "trained on"
        )
        return unseen, note
    fingerprint = holdout_fingerprint(holdout_table, settings.id_column, settings.target)
    if champion.tags.get("holdout_fingerprint", fingerprint) != fingerprint:
        note = (
            "the evaluation rows changed since the champion was trained (clients added or removed); by the "
            "same hash rule none of the current holdout clients was in its training set"
        )
        return np.ones(len(ids), dtype=bool), note
    return np.ones(len(ids), dtype=bool), ""


def decide_promotion(
    model_bundle: CreditScoringModel,
    model_metrics: dict[str, Any],
    champion_evaluation: dict[str, Any],
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    registry: dict[str, Any],
    random_state: int,
) -> dict[str, Any]:
    """The promotion gate's decision for the newly trained model, as a JSON-ready dictionary.

    Paired bootstrap intervals of per-client cost differences, on the same clients: challenger against
    approving everybody (the floor), and challenger against the champion on the clients neither saw.
    """
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    gate = parse(RegistryParams, registry, "modelling.registry")
    X, y = features_and_target(holdout_table, settings.id_column, settings.target)
    challenger = client_costs(y, model_bundle.predict_proba(X), model_bundle.threshold, weights)
    approve_all = weights.false_negative * y.astype(np.float64)

    def paired(a: np.ndarray, b: np.ndarray):
        return paired_cost_difference(
            a, b, n_resamples=gate.n_resamples, confidence=gate.confidence, seed=random_state
        )

    versus, champion_cost, n_compared = None, None, 0
    if champion_evaluation["status"] == CHAMPION_OK:
        unseen = champion_evaluation["unseen"]
        champion_proba = champion_evaluation["proba"]
        champion_threshold = float(champion_evaluation["threshold"])
        champion = client_costs(y[unseen], champion_proba[unseen], champion_threshold, weights)
        n_compared = int(unseen.sum())
        if n_compared >= gate.min_evaluation_rows and np.unique(y[unseen]).size == 2:
            versus = paired(challenger[unseen], champion)
            champion_cost = float(champion.mean())
    evidence = GateEvidence(
        challenger_cost=float(challenger.mean()),
        challenger_auc=float(model_metrics["holdout_auc"]),
        approve_all_cost=float(approve_all.mean()),
        floor=paired(challenger, approve_all),
        min_auc=gate.min_auc,
        champion_status=champion_evaluation["status"],
        champion_version=champion_evaluation["version"],
        champion_error=champion_evaluation["error"],
        champion_cost=champion_cost,
        versus_champion=versus,
        evaluation_note=champion_evaluation["note"],
    )
    decision = promotion_gate(evidence, force=gate.force).to_dict()
    decision["evaluation"] = {
        "rule": model_metrics["evaluation_rule"],
        "n_holdout": len(y),
        "n_compared_with_champion": n_compared,
        "holdout_fingerprint": model_metrics["holdout_fingerprint"],
    }
    logger.info(
        "Promotion gate: %s (%s)", "promote" if decision["promote"] else "no promotion", decision["reason"]
    )
    return decision


def package_model_release(
    model_bundle: CreditScoringModel,
    model_metrics: dict[str, Any],
    promotion_decision: dict[str, Any],
    training_table: pd.DataFrame,
    registry: dict[str, Any],
) -> ModelRelease:
    """What the registry needs: model, signature, a synthetic input example, metrics and the decision."""
    settings = parse(RegistryParams, registry, "modelling.registry")
    decision = {key: value for key, value in promotion_decision.items() if key != "evaluation"}
    return ModelRelease(
        model=model_bundle,
        signature=model_signature(model_bundle),
        input_example=synthetic_input_example(
            training_table, model_bundle.feature_spec, settings.input_example_rows
        ),
        metrics=model_metrics,
        decision=PromotionDecision(**decision),
    )


#: Columns of ``scoring_predictions`` besides the id.
PREDICTION_COLUMNS = ("probability", "prediction", "decision", "threshold", "model_name", "model_version")


def score_applications(
    served_model: RegisteredModel | None, scoring_input_table: pd.DataFrame, split: dict[str, Any]
) -> pd.DataFrame:
    """Batch predictions for the production clients by the model that serves after the gate (the champion),
    naming its version. With no usable champion the table is empty (and a warning says why): scores from a
    model nothing serves must not be published."""
    settings = parse(SplitParams, split, "modelling.split")
    if settings.id_column not in scoring_input_table.columns:
        raise ValueError(f"scoring_input_table lacks the id column {settings.id_column!r}")
    empty = pd.DataFrame(columns=[settings.id_column, *PREDICTION_COLUMNS])
    if served_model is None or served_model.model is None:
        why = "no champion" if served_model is None else f"champion v{served_model.version} cannot be loaded"
        logger.warning("No batch scores published: %s", why)
        return empty
    model = served_model.model
    try:
        predictions = model.predict(None, scoring_input_table)
    except Exception as error:  # a broken champion is reported, not fatal to the modelling run
        logger.warning("No batch scores published: champion v%s fails: %s", served_model.version, error)
        return empty
    predictions.insert(0, settings.id_column, scoring_input_table[settings.id_column].to_numpy())
    predictions["threshold"] = model.threshold
    predictions["model_name"] = model.model_name
    predictions["model_version"] = str(served_model.version)
    return predictions.reset_index(drop=True)


def mlflow_metrics(
    model_metrics: dict[str, Any], model_comparison: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Numeric metrics of the selected model (with the rank-ordering check as 0/1 and, per FN:FP ratio,
    ``cost_ratio_<ratio>.threshold`` and its cost and approval rate), and each candidate's main metrics
    prefixed by its name."""
    logged: dict[str, dict[str, float]] = {}
    for key, value in model_metrics.items():
        if isinstance(value, bool | int | float | np.number) and np.isfinite(float(value)):
            logged[key] = {"value": float(value), "step": 0}
    if model_metrics.get("score_bands"):
        logged["rank_ordering_ok"] = {
            "value": float(model_metrics["score_bands"]["rank_ordering_ok"]),
            "step": 0,
        }
    for row in model_metrics.get("cost_sensitivity") or []:
        for column in ("threshold", "cost_per_client", "approval_rate"):
            logged[f"cost_ratio_{row['cost_ratio']:g}.{column}"] = {"value": float(row[column]), "step": 0}
    if model_metrics.get("segments"):
        for name, value in segment_metrics(Segments.model_validate(model_metrics["segments"])).items():
            logged[name] = {"value": value, "step": 0}
    columns = [
        "cv_auc",
        "cv_auc_std",
        "cv_business_cost_per_client",
        "holdout_auc",
        "holdout_business_cost_per_client",
    ]
    for row in model_comparison.to_dict("records"):
        for column in columns:
            if np.isfinite(row[column]):
                logged[f"candidate.{row['model_name']}.{column}"] = {"value": float(row[column]), "step": 0}
    return logged
