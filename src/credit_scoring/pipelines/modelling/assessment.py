"""Nodes that assess the selected model: its metrics (AUC, Gini, KS, calibration, score bands, segments,
cost-ratio sensitivity) in ``model_metrics.json``, their MLflow form, and the run's figures.

Probabilities, the threshold and the holdout costs are on the served (calibrated) scale.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from credit_scoring.cost import (
    CostWeights,
    approve_all_cost_per_client,
    confusion_counts,
    cost_curve,
    decisions,
)
from credit_scoring.features.segments import SEGMENTATIONS
from credit_scoring.pipelines.modelling import figures
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CandidateResult,
    comparison_row,
    ids_fingerprint,
    served_probabilities,
)
from credit_scoring.pipelines.modelling.guards import reliability_curves
from credit_scoring.pipelines.modelling.params import ModellingSettings, SplitParams
from credit_scoring.pipelines.modelling.preparation import evaluation_rule
from credit_scoring.pipelines.modelling.risk_report import (
    cost_sensitivity,
    discrimination,
    score_bands,
    segment_comparison,
    segment_metrics,
    unavailable_segments,
)
from credit_scoring.records import (
    COST_CURVE_COLUMNS,
    DEFAULT_BAND_MULTIPLES,
    CostSensitivityRow,
    ModelMetrics,
    ScoreBands,
    Segments,
    cost_curve_points,
)
from credit_scoring.serving.calibration import cross_fitted

logger = logging.getLogger(__name__)


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
    settings: ModellingSettings,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Final metrics of the selected model, its cost-versus-threshold curves and its reliability curves.

    Probabilities, the threshold and the holdout costs are on the served (calibrated) scale; the raw
    model's holdout cost at its own out-of-fold threshold is kept beside them for comparison. The risk
    report (Gini, KS, score bands, cost-ratio sensitivity) reads the holdout and, for the production clients'
    risk bands, ``scoring_input_table`` as this model scores it.
    """
    split, weights, limits = settings.split, settings.weights, settings.guards
    calibration_settings = settings.calibration
    result = candidate_results[selected_model]
    y_train = training_table[split.target].to_numpy(dtype=np.int64)
    y_holdout = holdout_table[split.target].to_numpy(dtype=np.int64)
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
        "holdout_fingerprint": holdout_fingerprint(holdout_table, split.id_column, split.target),
        "evaluation_rule": evaluation_rule(split).to_dict(),
        "training_ids_sha256": ids_fingerprint(training_table[split.id_column].to_numpy()),
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
            cost_ratios=settings.risk_report.cost_ratios,
            production_proba=_production_probabilities(result, scoring_input_table, split),
        ),
        "segments": holdout_segments(
            holdout_table,
            training_table,
            result.holdout_proba,
            target=split.target,
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
    result: CandidateResult, scoring_input_table: pd.DataFrame, split: SplitParams
) -> np.ndarray:
    """The selected model's served probabilities for the production clients (none when there are none)."""
    if scoring_input_table.empty:
        return np.empty(0)
    X = scoring_input_table.drop(columns=[split.id_column, split.target], errors="ignore")
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
    *,
    candidate_results: dict[str, CandidateResult],
    selected_model: str,
    holdout_table: pd.DataFrame,
    settings: ModellingSettings,
) -> Figure:
    probabilities = {name: result.holdout_proba for name, result in candidate_results.items()}
    return figures.roc_figure(holdout_table[settings.split.target].to_numpy(), probabilities, selected_model)


def plot_precision_recall(
    *,
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    holdout_table: pd.DataFrame,
    settings: ModellingSettings,
) -> Figure:
    name = model_metrics["model_name"]
    return figures.precision_recall_figure(
        holdout_table[settings.split.target].to_numpy(),
        candidate_results[name].holdout_proba,
        model_metrics["threshold"],
        name,
    )


def plot_cost_threshold(cost_threshold_curve: pd.DataFrame, model_metrics: dict[str, Any]) -> Figure:
    return figures.cost_threshold_figure(
        cost_threshold_curve, model_metrics["threshold"], model_metrics["approve_all_cost"]
    )


def plot_confusion_matrix(
    *,
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    holdout_table: pd.DataFrame,
    settings: ModellingSettings,
) -> Figure:
    proba = candidate_results[model_metrics["model_name"]].holdout_proba
    counts = confusion_counts(
        holdout_table[settings.split.target], decisions(proba, model_metrics["threshold"])
    )
    return figures.confusion_matrix_figure(counts, model_metrics["threshold"], settings.weights)


def plot_cost_sensitivity(model_metrics: dict[str, Any]) -> Figure:
    rows = [CostSensitivityRow.model_validate(row) for row in model_metrics["cost_sensitivity"]]
    return figures.cost_sensitivity_figure(rows)


def plot_calibration(calibration_curve_table: pd.DataFrame, model_metrics: dict[str, Any]) -> Figure:
    return figures.calibration_figure(
        calibration_curve_table, model_metrics["brier_score_raw"], model_metrics["brier_score"]
    )


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
