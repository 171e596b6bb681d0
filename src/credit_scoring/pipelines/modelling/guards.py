"""Guards against fooling ourselves: single-feature leakage, too-good AUCs, overfitting, calibration."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, roc_auc_score

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


def warn_on_overfitting(name: str, gap: float, limit: float) -> bool:
    """Log a warning when the train AUC exceeds the validation AUC by more than ``limit``."""
    if np.isfinite(gap) and gap > limit:
        logger.warning(
            "%s: train AUC exceeds cross-validated AUC by %.3f (limit %.3f): the model memorises its "
            "training rows; prefer stronger regularisation",
            name,
            gap,
            limit,
        )
        return True
    return False


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


def reliability_curves(
    y_holdout: np.ndarray, raw_proba: np.ndarray, calibrated_proba: np.ndarray, n_bins: int
) -> tuple[dict[str, float], pd.DataFrame]:
    """Brier scores and reliability curves on the holdout, of the raw scores and the served probabilities."""
    summary = {
        "brier_score_raw": float(brier_score_loss(y_holdout, raw_proba)),
        "brier_score": float(brier_score_loss(y_holdout, calibrated_proba)),
        "holdout_mean_probability": float(np.mean(calibrated_proba)),
    }
    curves = [
        _reliability(y_holdout, raw_proba, n_bins, "raw"),
        _reliability(y_holdout, calibrated_proba, n_bins, "calibrated (served)"),
    ]
    return summary, pd.concat(curves, ignore_index=True)


def _reliability(y: np.ndarray, proba: np.ndarray, n_bins: int, version: str) -> pd.DataFrame:
    observed, predicted = calibration_curve(y, proba, n_bins=n_bins, strategy="quantile")
    return pd.DataFrame({"version": version, "mean_predicted": predicted, "observed_rate": observed})
