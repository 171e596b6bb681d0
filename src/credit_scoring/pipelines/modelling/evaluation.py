"""Honest evaluation: stratified holdout and folds, cross-validated out-of-fold predictions, metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from credit_scoring.cost import (
    CostWeights,
    ThresholdChoice,
    best_threshold,
    confusion_counts,
    cost_per_client,
)
from credit_scoring.cost import decisions as decide

FOLD_COLUMN = "FOLD"

#: Called after each fold with (fold number, out-of-fold probabilities so far, mask of rows predicted).
FoldCallback = Callable[[int, np.ndarray, np.ndarray], None]


@dataclass
class CrossValidation:
    """Out-of-fold probabilities and per-fold measurements of one candidate."""

    oof_proba: np.ndarray
    fold_auc: list[float]
    fold_train_auc: list[float]
    fold_fit_time_s: list[float]
    fold_predict_time_s: list[float]
    threshold: ThresholdChoice

    @property
    def auc(self) -> float:
        return float(np.mean(self.fold_auc))

    @property
    def auc_std(self) -> float:
        return float(np.std(self.fold_auc))


@dataclass
class CandidateResult:
    """A candidate after cross-validation and, once refitted on the whole training split, on the holdout."""

    name: str
    spec: dict[str, Any]
    cv: CrossValidation
    estimator: Any = None
    refit_time_s: float = float("nan")
    holdout_proba: np.ndarray | None = None
    holdout_predict_time_s: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)


def validate_model_input(table: pd.DataFrame, id_column: str, target: str, n_folds: int) -> None:
    """Raise a clear error when the model input cannot be split and cross-validated."""
    missing = [name for name in (id_column, target) if name not in table.columns]
    if missing:
        raise ValueError(f"model_input_table lacks required columns {missing}")
    if table.shape[1] < 3:
        raise ValueError("model_input_table has no feature column besides the id and the target")
    duplicated = table[id_column][table[id_column].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"model_input_table has duplicated {id_column}: {duplicated.head(5).tolist()}")
    labels = table[target]
    invalid = labels[~labels.isin([0, 1]) | labels.isna()]
    if not invalid.empty:
        shown = pd.unique(invalid.astype(object)).tolist()[:5]
        raise ValueError(f"model_input_table.{target} must be 0 or 1; offending values: {shown}")
    counts = labels.value_counts()
    smallest = int(counts.min()) if len(counts) == 2 else 0
    needed = 2 * n_folds
    if smallest < needed:
        raise ValueError(
            f"model_input_table.{target} has {smallest} rows in its smallest class; at least {needed} are "
            f"needed for a stratified holdout and {n_folds} folds"
        )


def split_holdout(
    table: pd.DataFrame, target: str, holdout_fraction: float, random_state: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified split into (training, holdout), each with a fresh 0..n-1 index, in the original order."""
    train_index, holdout_index = train_test_split(
        np.arange(len(table)), test_size=holdout_fraction, stratify=table[target], random_state=random_state
    )
    training = table.iloc[np.sort(train_index)].reset_index(drop=True)
    holdout = table.iloc[np.sort(holdout_index)].reset_index(drop=True)
    return training, holdout


def assign_folds(
    table: pd.DataFrame, id_column: str, target: str, n_folds: int, random_state: int
) -> pd.DataFrame:
    """One row per training client: its id and the number of the fold that validates it."""
    fold = np.empty(len(table), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    for number, (_, validation) in enumerate(splitter.split(np.zeros(len(table)), table[target])):
        fold[validation] = number
    return pd.DataFrame({id_column: table[id_column].to_numpy(), FOLD_COLUMN: fold})


def fold_indices(
    folds: pd.DataFrame, table: pd.DataFrame, id_column: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training positions, validation positions) per fold, after checking the folds match the table."""
    if len(folds) != len(table) or not np.array_equal(
        folds[id_column].to_numpy(), table[id_column].to_numpy()
    ):
        raise ValueError(
            "cv_folds does not list the training table's clients in the same order: rebuild the folds"
        )
    fold = folds[FOLD_COLUMN].to_numpy()
    return [(np.flatnonzero(fold != number), np.flatnonzero(fold == number)) for number in np.unique(fold)]


def features_and_target(table: pd.DataFrame, id_column: str, target: str) -> tuple[pd.DataFrame, np.ndarray]:
    return table.drop(columns=[id_column, target]), table[target].to_numpy(dtype=np.int64)


def cross_validate(
    estimator: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    weights: CostWeights,
    *,
    train_auc: bool = True,
    after_fold: FoldCallback | None = None,
) -> CrossValidation:
    """Fit a clone per fold, predict its validation rows; choose the threshold on all out-of-fold rows."""
    oof = np.full(len(y), np.nan)
    done = np.zeros(len(y), dtype=bool)
    fold_auc, fold_train_auc, fit_times, predict_times = [], [], [], []
    for number, (train_rows, validation_rows) in enumerate(folds):
        model = clone(estimator)
        started = time.perf_counter()
        model.fit(X.iloc[train_rows], y[train_rows])
        fit_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        oof[validation_rows] = model.predict_proba(X.iloc[validation_rows])[:, 1]
        predict_times.append(time.perf_counter() - started)
        done[validation_rows] = True
        fold_auc.append(float(roc_auc_score(y[validation_rows], oof[validation_rows])))
        if train_auc:
            fold_train_auc.append(
                float(roc_auc_score(y[train_rows], model.predict_proba(X.iloc[train_rows])[:, 1]))
            )
        if after_fold is not None:
            after_fold(number, oof, done)
    return CrossValidation(
        oof_proba=oof,
        fold_auc=fold_auc,
        fold_train_auc=fold_train_auc,
        fold_fit_time_s=fit_times,
        fold_predict_time_s=predict_times,
        threshold=best_threshold(y, oof, weights),
    )


def refit(
    result: CandidateResult, estimator: Any, X: pd.DataFrame, y: np.ndarray, X_holdout: pd.DataFrame
) -> None:
    """Fit the candidate on the whole training split and predict the holdout (fills ``result`` in place)."""
    model = clone(estimator)
    started = time.perf_counter()
    model.fit(X, y)
    result.refit_time_s = time.perf_counter() - started
    started = time.perf_counter()
    result.holdout_proba = model.predict_proba(X_holdout)[:, 1].astype(np.float64)
    result.holdout_predict_time_s = time.perf_counter() - started
    result.estimator = model


def classification_metrics(
    y_true: np.ndarray, proba: np.ndarray, threshold: float, weights: CostWeights
) -> dict[str, float | int]:
    """AUC, accuracy, precision, recall, confusion counts and business cost at a threshold."""
    predicted = decide(proba, threshold)
    counts = confusion_counts(y_true, predicted)
    return {
        "auc": float(roc_auc_score(y_true, proba)),
        "accuracy": float(accuracy_score(y_true, predicted)),
        "precision": float(precision_score(y_true, predicted, zero_division=0)),
        "recall": float(recall_score(y_true, predicted, zero_division=0)),
        "tn": counts.tn,
        "fp": counts.fp,
        "fn": counts.fn,
        "tp": counts.tp,
        "business_cost_per_client": cost_per_client(y_true, proba, threshold, weights),
    }


def comparison_row(
    result: CandidateResult, y_train: np.ndarray, y_holdout: np.ndarray, weights: CostWeights
) -> dict:
    """The row of ``model_comparison.csv`` for one candidate."""
    cv = result.cv
    holdout = classification_metrics(y_holdout, result.holdout_proba, cv.threshold.threshold, weights)
    train_auc = float(np.mean(cv.fold_train_auc)) if cv.fold_train_auc else float("nan")
    n_holdout = len(y_holdout)
    return {
        "model_name": result.name,
        "family": result.spec.get("family"),
        "imbalance": result.spec.get("imbalance"),
        "cv_auc": cv.auc,
        "cv_auc_std": cv.auc_std,
        "cv_train_auc": train_auc,
        "train_validation_auc_gap": train_auc - cv.auc,
        "cv_business_cost_per_client": cv.threshold.cost_per_client,
        "cv_business_cost_at_0_5": cost_per_client(y_train, cv.oof_proba, 0.5, weights),
        "threshold": cv.threshold.threshold,
        "holdout_auc": holdout["auc"],
        "holdout_accuracy": holdout["accuracy"],
        "holdout_precision": holdout["precision"],
        "holdout_recall": holdout["recall"],
        "holdout_business_cost_per_client": holdout["business_cost_per_client"],
        "holdout_business_cost_at_0_5": cost_per_client(y_holdout, result.holdout_proba, 0.5, weights),
        "holdout_tn": holdout["tn"],
        "holdout_fp": holdout["fp"],
        "holdout_fn": holdout["fn"],
        "holdout_tp": holdout["tp"],
        "cv_fit_time_s": float(np.mean(cv.fold_fit_time_s)),
        "refit_time_s": result.refit_time_s,
        "predict_time_ms_per_1000": 1e6 * result.holdout_predict_time_s / max(n_holdout, 1),
        "sampling_strategy": result.spec.get("sampling_strategy"),
        "params": json.dumps(result.spec.get("params", {}), sort_keys=True),
    }
