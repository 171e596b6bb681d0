"""Nodes of the modelling pipeline: pure functions from data and parameters to data.

Kedro passes node inputs positionally, in the order the pipeline lists them, hence the long signatures.

Model selection uses cross-validation on the training split only; the holdout is predicted by every candidate
but only read to report, never to choose a model, a threshold or a hyper-parameter.
"""

# ruff: noqa: PLR0917

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from credit_scoring.cost import (
    approve_all_cost_per_client,
    confusion_counts,
    cost_curve,
    cost_per_client,
    decisions,
)
from credit_scoring.pipelines.modelling import figures
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CandidateResult,
    assign_folds,
    comparison_row,
    cross_validate,
    features_and_target,
    fold_indices,
    refit,
    split_holdout,
    validate_model_input,
)
from credit_scoring.pipelines.modelling.guards import calibration_study, feature_auc_report, warn_on_high_auc
from credit_scoring.pipelines.modelling.params import (
    CalibrationParams,
    CandidateSpec,
    CostParams,
    GuardParams,
    RegistryParams,
    SplitParams,
    TuningSpec,
    parse,
    parse_candidates,
)
from credit_scoring.pipelines.modelling.tuning import tune
from credit_scoring.registry import ModelRelease, PromotionDecision, RegisteredModel, model_signature
from credit_scoring.registry import decide_promotion as promotion_gate
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec

logger = logging.getLogger(__name__)


def split_model_input(
    model_input_table: pd.DataFrame, split: dict[str, Any], random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified (training, holdout) split of the model input, after checking it can be modelled."""
    settings = parse(SplitParams, split, "modelling.split")
    validate_model_input(model_input_table, settings.id_column, settings.target, settings.n_folds)
    table = model_input_table.astype({settings.target: np.int64})
    training, holdout = split_holdout(table, settings.target, settings.holdout_fraction, random_state)
    logger.info(
        "Model input split: %d training rows (%.2f%% defaults), %d holdout rows (%.2f%%), %d features",
        len(training),
        100 * training[settings.target].mean(),
        len(holdout),
        100 * holdout[settings.target].mean(),
        table.shape[1] - 2,
    )
    return training, holdout


def make_cv_folds(training_table: pd.DataFrame, split: dict[str, Any], random_state: int) -> pd.DataFrame:
    """The stratified folds every candidate and every tuning trial is evaluated on."""
    settings = parse(SplitParams, split, "modelling.split")
    return assign_folds(training_table, settings.id_column, settings.target, settings.n_folds, random_state)


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
        cv = cross_validate(build_estimator(spec, features, random_state, n_jobs), X, y, folds, weights)
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


def combine_trials(*trials: pd.DataFrame) -> pd.DataFrame:
    """One table of every tuning trial of every study."""
    return pd.concat(trials, ignore_index=True, sort=False)


def refit_candidates(
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    n_jobs: int,
    random_state: int,
    baseline_results: dict[str, CandidateResult],
    *tuned_results: CandidateResult,
) -> dict[str, CandidateResult]:
    """Fit every candidate on the whole training split and predict the holdout (for reporting only)."""
    settings = parse(SplitParams, split, "modelling.split")
    X, y = features_and_target(training_table, settings.id_column, settings.target)
    X_holdout, _ = features_and_target(holdout_table, settings.id_column, settings.target)
    features = FeatureSpec.from_frame(X)
    results = {**baseline_results, **{result.name: result for result in tuned_results}}
    for result in results.values():
        estimator = build_estimator(CandidateSpec.model_validate(result.spec), features, random_state, n_jobs)
        refit(result, estimator, X, y, X_holdout)
    return results


def compare_candidates(
    candidate_results: dict[str, CandidateResult],
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    guards: dict[str, Any],
) -> tuple[pd.DataFrame, str]:
    """One row per candidate (simplest first) and the selected one: the lowest cross-validated business cost
    (ties: higher CV AUC, then the simpler candidate)."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    limits = parse(GuardParams, guards, "modelling.guards")
    y_train = training_table[settings.target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[settings.target].to_numpy(dtype=np.int64)
    comparison = pd.DataFrame(
        [comparison_row(result, y_train, y_holdout, weights) for result in candidate_results.values()]
    )
    ranking = comparison.assign(order=np.arange(len(comparison))).sort_values(
        ["cv_business_cost_per_client", "cv_auc", "order"], ascending=[True, False, True]
    )
    selected = str(ranking["model_name"].iloc[0])
    comparison["selected"] = comparison["model_name"] == selected
    for row in comparison.itertuples():
        warn_on_high_auc(row.model_name, row.cv_auc, limits.auc_warning, "Cross-validated")
        warn_on_high_auc(row.model_name, row.holdout_auc, limits.auc_warning, "Holdout")
    logger.info("Selected %s on cross-validated business cost", selected)
    return comparison, selected


def holdout_fingerprint(holdout_table: pd.DataFrame, id_column: str, target: str) -> str:
    """A short hash of the holdout's ids and labels: equal fingerprints mean the same holdout."""
    payload = holdout_table[[id_column, target]].to_numpy(dtype=np.int64).tobytes()
    return hashlib.sha256(payload).hexdigest()[:16]


def evaluate_selected_model(
    candidate_results: dict[str, CandidateResult],
    selected_model: str,
    training_table: pd.DataFrame,
    holdout_table: pd.DataFrame,
    cv_folds: pd.DataFrame,
    feature_leakage_report: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    guards: dict[str, Any],
    calibration: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Final metrics of the selected model, its cost-versus-threshold curves and its reliability curves."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    limits = parse(GuardParams, guards, "modelling.guards")
    calibration_settings = parse(CalibrationParams, calibration, "modelling.calibration")
    result = candidate_results[selected_model]
    y_train = training_table[settings.target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[settings.target].to_numpy(dtype=np.int64)
    row = comparison_row(result, y_train, y_holdout, weights)
    calibration_summary, reliability = calibration_study(
        y_train,
        result.cv.oof_proba,
        cv_folds[FOLD_COLUMN].to_numpy(),
        y_holdout,
        result.holdout_proba,
        weights=weights,
        method=calibration_settings.method,
        n_bins=calibration_settings.n_bins,
    )
    metrics: dict[str, Any] = {
        "model_name": selected_model,
        "cv_auc": row["cv_auc"],
        "cv_auc_std": row["cv_auc_std"],
        "holdout_auc": row["holdout_auc"],
        "holdout_accuracy": row["holdout_accuracy"],
        "holdout_precision": row["holdout_precision"],
        "holdout_recall": row["holdout_recall"],
        "threshold": row["threshold"],
        "business_cost_per_client": row["holdout_business_cost_per_client"],
        "business_cost_at_0_5": row["holdout_business_cost_at_0_5"],
        "approve_all_cost": approve_all_cost_per_client(y_holdout, weights),
        "n_features": int(training_table.shape[1] - 2),
        "training_time_s": row["refit_time_s"],
        "cv_business_cost_per_client": row["cv_business_cost_per_client"],
        "cv_train_auc": row["cv_train_auc"],
        "train_validation_auc_gap": row["train_validation_auc_gap"],
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
        **calibration_summary,
        "auc_above_kaggle_best": bool(max(row["cv_auc"], row["holdout_auc"]) > limits.auc_warning),
        "leakage_suspects": feature_leakage_report.loc[
            feature_leakage_report["suspect_leakage"], "feature"
        ].tolist(),
    }
    curve = pd.concat(
        [
            cost_curve(y_train, result.cv.oof_proba, weights).assign(sample="out-of-fold (training)"),
            cost_curve(y_holdout, result.holdout_proba, weights).assign(sample="holdout"),
        ],
        ignore_index=True,
    )
    return metrics, curve, reliability


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


def plot_calibration(calibration_curve_table: pd.DataFrame, model_metrics: dict[str, Any]) -> Figure:
    return figures.calibration_figure(
        calibration_curve_table, model_metrics["brier_score"], model_metrics["brier_score_calibrated"]
    )


def build_model_bundle(
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    training_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
) -> CreditScoringModel:
    """The selected fitted pipeline with its feature list and threshold: the model the API serves."""
    settings = parse(SplitParams, split, "modelling.split")
    costs = parse(CostParams, cost, "modelling.cost")
    X, _ = features_and_target(training_table, settings.id_column, settings.target)
    name = model_metrics["model_name"]
    return CreditScoringModel(
        estimator=candidate_results[name].estimator,
        feature_spec=FeatureSpec.from_frame(X),
        threshold=model_metrics["threshold"],
        model_name=name,
        cost_weights=costs.model_dump(),
    )


def evaluate_champion(
    champion_model: RegisteredModel | None,
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
) -> dict[str, Any]:
    """The champion's business cost on this run's holdout, at its own threshold (None: no champion)."""
    settings = parse(SplitParams, split, "modelling.split")
    weights = parse(CostParams, cost, "modelling.cost").weights()
    evaluation: dict[str, Any] = {
        "version": None,
        "business_cost_per_client": None,
        "error": None,
        "note": "",
    }
    if champion_model is None:
        return evaluation
    evaluation["version"] = champion_model.version
    fingerprint = holdout_fingerprint(holdout_table, settings.id_column, settings.target)
    if champion_model.tags.get("holdout_fingerprint", fingerprint) != fingerprint:
        # the champion was evaluated on another holdout, so it may have been trained on some of these rows
        evaluation["note"] = "the champion was trained with another holdout: its cost here may be optimistic"
        logger.warning("Champion v%s: %s", champion_model.version, evaluation["note"])
    X, y = features_and_target(holdout_table, settings.id_column, settings.target)
    try:
        proba = champion_model.model.predict_proba(X)
    except (ValueError, KeyError, TypeError) as error:
        # a champion that cannot score today's features must not block every future release
        logger.warning("Champion v%s cannot score the holdout: %s", champion_model.version, error)
        evaluation["error"] = str(error)
        return evaluation
    evaluation["business_cost_per_client"] = cost_per_client(
        y, proba, champion_model.model.threshold, weights
    )
    return evaluation


def decide_promotion(
    model_metrics: dict[str, Any], champion_evaluation: dict[str, Any], registry: dict[str, Any]
) -> dict[str, Any]:
    """The promotion gate's decision for the newly trained model, as a JSON-ready dictionary."""
    settings = parse(RegistryParams, registry, "modelling.registry")
    decision = promotion_gate(
        challenger_cost=model_metrics["business_cost_per_client"],
        champion_cost=champion_evaluation["business_cost_per_client"],
        champion_version=champion_evaluation["version"],
        min_improvement=settings.min_improvement,
    )
    if champion_evaluation.get("error"):
        decision = PromotionDecision(
            True,
            f"champion v{champion_evaluation['version']} cannot score the holdout: "
            f"{champion_evaluation['error']}",
            decision.challenger_cost,
            None,
            champion_evaluation["version"],
        )
    decision = replace(decision, note=champion_evaluation.get("note", ""))
    logger.info(
        "Promotion gate: %s (%s)", "promote" if decision.promote else "keep champion", decision.reason
    )
    return decision.to_dict()


def package_model_release(
    model_bundle: CreditScoringModel,
    model_metrics: dict[str, Any],
    promotion_decision: dict[str, Any],
    scoring_input_table: pd.DataFrame,
    registry: dict[str, Any],
) -> ModelRelease:
    """What the registry needs: model, signature, input example (production rows), metrics, decision."""
    settings = parse(RegistryParams, registry, "modelling.registry")
    example = scoring_input_table.head(settings.input_example_rows).reindex(columns=model_bundle.features)
    return ModelRelease(
        model=model_bundle,
        signature=model_signature(model_bundle),
        input_example=example.reset_index(drop=True),
        metrics=model_metrics,
        decision=PromotionDecision(**promotion_decision),
    )


def score_applications(
    model_bundle: CreditScoringModel, scoring_input_table: pd.DataFrame, split: dict[str, Any]
) -> pd.DataFrame:
    """Batch predictions for the production clients (application_test): id, probability, decision."""
    settings = parse(SplitParams, split, "modelling.split")
    if settings.id_column not in scoring_input_table.columns:
        raise ValueError(f"scoring_input_table lacks the id column {settings.id_column!r}")
    predictions = model_bundle.predict(None, scoring_input_table)
    predictions.insert(0, settings.id_column, scoring_input_table[settings.id_column].to_numpy())
    predictions["threshold"] = model_bundle.threshold
    predictions["model_name"] = model_bundle.model_name
    return predictions.reset_index(drop=True)


def mlflow_metrics(
    model_metrics: dict[str, Any], model_comparison: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Numeric metrics of the selected model, and each candidate's main metrics prefixed by its name."""
    logged: dict[str, dict[str, float]] = {}
    for key, value in model_metrics.items():
        if isinstance(value, bool | int | float | np.number) and np.isfinite(float(value)):
            logged[key] = {"value": float(value), "step": 0}
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
