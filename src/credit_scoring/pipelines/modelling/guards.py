"""Guards against fooling ourselves: single-feature leakage, too-good AUCs, and probability calibration."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from credit_scoring.cost import CostWeights, best_threshold, cost_per_client

logger = logging.getLogger(__name__)

#: Prior weight (in clients) pulling a rare level's default rate towards the overall rate.
TARGET_ENCODING_SMOOTHING = 20.0


def feature_auc_report(
    table: pd.DataFrame, fold: np.ndarray, id_column: str, target: str, leakage_auc: float
) -> pd.DataFrame:
    """AUC of every feature taken alone (direction-free: max(AUC, 1 - AUC)), highest first.

    Numbers are ranked as they are, with missing values as the lowest group. Categories are replaced by their
    out-of-fold default rate, so a column with one level per client does not look predictive by memorising.
    """
    y = table[target].to_numpy(dtype=np.int64)
    rows = []
    for name in table.columns:
        if name in (id_column, target):
            continue
        column = table[name]
        numeric = pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)
        score = _numeric_score(column) if numeric else _out_of_fold_rate(column, y, fold)
        auc = float(roc_auc_score(y, score)) if np.unique(score).size > 1 else 0.5
        rows.append(
            {
                "feature": name,
                "kind": "numeric" if numeric else "categorical",
                "auc": max(auc, 1.0 - auc),
                "missing_rate": float(column.isna().mean()),
            }
        )
    report = pd.DataFrame(rows, columns=["feature", "kind", "auc", "missing_rate"])
    report["suspect_leakage"] = report["auc"] > leakage_auc
    return report.sort_values(["auc", "feature"], ascending=[False, True], ignore_index=True)


def _numeric_score(column: pd.Series) -> np.ndarray:
    values = column.astype(np.float64).to_numpy()
    present = ~np.isnan(values)
    floor = values[present].min() - 1.0 if present.any() else 0.0
    return np.where(present, values, floor)


def _out_of_fold_rate(column: pd.Series, y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    levels = column.astype(object).where(column.notna(), "__missing__").astype(str).to_numpy()
    score = np.empty(len(y), dtype=np.float64)
    for number in np.unique(fold):
        fit_rows, apply_rows = fold != number, fold == number
        prior = y[fit_rows].mean()
        stats = (
            pd.DataFrame({"level": levels[fit_rows], "y": y[fit_rows]})
            .groupby("level")["y"]
            .agg(["sum", "count"])
        )
        smoothed = (stats["sum"] + TARGET_ENCODING_SMOOTHING * prior) / (
            stats["count"] + TARGET_ENCODING_SMOOTHING
        )
        score[apply_rows] = pd.Series(levels[apply_rows]).map(smoothed).fillna(prior).to_numpy()
    return score


def warn_on_high_auc(name: str, auc: float, limit: float, where: str) -> bool:
    """Log a warning when an AUC beats the best known score for this problem; return whether it did."""
    if auc > limit:
        logger.warning(
            "%s AUC of %s is %.4f, above %.2f (the best Kaggle score on this problem): suspect leakage or "
            "overfitting before trusting it",
            where,
            name,
            auc,
            limit,
        )
        return True
    return False


def _fit_calibrator(proba: np.ndarray, y: np.ndarray, method: str) -> Any:
    if method == "isotonic":
        return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(proba, y)
    return LogisticRegression(C=1e6).fit(_logit(proba).reshape(-1, 1), y)


def _apply_calibrator(calibrator: Any, proba: np.ndarray) -> np.ndarray:
    if isinstance(calibrator, IsotonicRegression):
        return np.clip(calibrator.predict(proba), 0.0, 1.0)
    return calibrator.predict_proba(_logit(proba).reshape(-1, 1))[:, 1]


def _logit(proba: np.ndarray) -> np.ndarray:
    clipped = np.clip(proba, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def calibration_study(
    y_train: np.ndarray,
    oof_proba: np.ndarray,
    fold: np.ndarray,
    y_holdout: np.ndarray,
    holdout_proba: np.ndarray,
    *,
    weights: CostWeights,
    method: str,
    n_bins: int,
) -> tuple[dict[str, float | bool], pd.DataFrame]:
    """Would calibrating the probabilities change the threshold or the cost?

    The calibrated out-of-fold probabilities are cross-fitted (each fold calibrated by a map learnt on the
    other folds) and the calibrated threshold is chosen on them, as the raw one was; the holdout is calibrated
    by a map learnt on all out-of-fold rows. Returns a summary and the reliability curves (holdout, raw and
    calibrated).
    """
    calibrated_oof = np.empty_like(oof_proba)
    for number in np.unique(fold):
        fit_rows, apply_rows = fold != number, fold == number
        calibrator = _fit_calibrator(oof_proba[fit_rows], y_train[fit_rows], method)
        calibrated_oof[apply_rows] = _apply_calibrator(calibrator, oof_proba[apply_rows])
    calibrated_holdout = _apply_calibrator(_fit_calibrator(oof_proba, y_train, method), holdout_proba)
    raw_choice = best_threshold(y_train, oof_proba, weights)
    calibrated_choice = best_threshold(y_train, calibrated_oof, weights)
    raw_cost = cost_per_client(y_holdout, holdout_proba, raw_choice.threshold, weights)
    calibrated_cost = cost_per_client(y_holdout, calibrated_holdout, calibrated_choice.threshold, weights)
    summary: dict[str, float | bool] = {
        "calibration_method": method,
        "brier_score": float(brier_score_loss(y_holdout, holdout_proba)),
        "brier_score_calibrated": float(brier_score_loss(y_holdout, calibrated_holdout)),
        "threshold_calibrated": calibrated_choice.threshold,
        "business_cost_per_client_calibrated": calibrated_cost,
        "calibration_changes_threshold": not np.isclose(raw_choice.threshold, calibrated_choice.threshold),
        "calibration_cost_change_per_client": calibrated_cost - raw_cost,
    }
    curves = [
        _reliability(y_holdout, holdout_proba, n_bins, "raw"),
        _reliability(y_holdout, calibrated_holdout, n_bins, "calibrated"),
    ]
    return summary, pd.concat(curves, ignore_index=True)


def _reliability(y: np.ndarray, proba: np.ndarray, n_bins: int, version: str) -> pd.DataFrame:
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"version": version, "mean_predicted": predicted, "observed_rate": observed})
