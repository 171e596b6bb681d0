"""Honest evaluation: a holdout drawn by a hash of the client id, stratified folds, out-of-fold predictions.

The holdout is drawn by a hash of ``SK_ID_CURR`` rather than by row position: a client stays on the same side
whatever other clients are added or removed, so a later run's holdout never contains a client an earlier
model was trained on (with the same rule), and the promotion gate can compare models on clients neither saw.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import early_stopping
from sklearn.base import clone
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline as SkPipeline

from credit_scoring.cost import (
    CostWeights,
    ThresholdChoice,
    best_threshold,
    confusion_counts,
    cost_per_client,
)
from credit_scoring.cost import decisions as decide
from credit_scoring.serving.calibration import ProbabilityCalibrator, cross_fitted

FOLD_COLUMN = "FOLD"

#: Called after each fold with (fold number, out-of-fold probabilities so far, mask of rows predicted).
FoldCallback = Callable[[int, np.ndarray, np.ndarray], None]
#: Called after each fold with (fold number, seconds its fit took): progress of a long cross-validation.
ProgressCallback = Callable[[int, float], None]


@dataclass
class CrossValidation:
    """Out-of-fold probabilities and per-fold measurements of one candidate."""

    oof_proba: np.ndarray
    fold_auc: list[float]
    fold_train_auc: list[float]
    fold_fit_time_s: list[float]
    fold_predict_time_s: list[float]
    threshold: ThresholdChoice
    fold_cost: list[float] = field(default_factory=list)  # each fold's cost at the out-of-fold threshold
    fold_best_iteration: list[int] = field(default_factory=list)  # trees kept by early stopping

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
    calibrator: Any = None
    served_threshold: ThresholdChoice | None = None  # chosen on cross-fitted calibrated out-of-fold rows
    holdout_raw_proba: np.ndarray | None = None
    holdout_proba: np.ndarray | None = None  # calibrated: the served scale
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


def hash_unit_interval(ids: np.ndarray, salt: str) -> np.ndarray:
    """A number in [0, 1) per id: the first 8 bytes of sha256("<salt>:<id>"), over 2**64."""
    digests = (hashlib.sha256(f"{salt}:{int(value)}".encode()).digest()[:8] for value in ids)
    return (
        np.fromiter((int.from_bytes(d, "big") for d in digests), dtype=np.float64, count=len(ids)) / 2.0**64
    )


@dataclass(frozen=True)
class EvaluationRule:
    """The rule that puts a client in the holdout: ``hash_unit_interval(id, salt) < fraction``."""

    id_column: str
    salt: str
    fraction: float

    def to_dict(self) -> dict[str, Any]:
        return {"method": "sha256(salt:id)/2^64 < fraction", **asdict(self)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> EvaluationRule:
        return cls(id_column=str(raw["id_column"]), salt=str(raw["salt"]), fraction=float(raw["fraction"]))

    def held_out(self, ids: np.ndarray) -> np.ndarray:
        """True for the ids this rule keeps out of training."""
        return hash_unit_interval(np.asarray(ids), self.salt) < self.fraction


def split_holdout(table: pd.DataFrame, rule: EvaluationRule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training, holdout) by the hash rule, each with a fresh 0..n-1 index, in the original order."""
    held_out = rule.held_out(table[rule.id_column].to_numpy())
    return table.loc[~held_out].reset_index(drop=True), table.loc[held_out].reset_index(drop=True)


def ids_fingerprint(ids: np.ndarray) -> str:
    """sha256 of the sorted ids: equal fingerprints mean the same set of clients."""
    return hashlib.sha256(np.sort(np.asarray(ids, dtype=np.int64)).tobytes()).hexdigest()


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
    early_stopping_rounds: int | None = None,
    progress: ProgressCallback | None = None,
) -> CrossValidation:
    """Fit a clone per fold, predict its validation rows; choose the threshold on all out-of-fold rows.

    With ``early_stopping_rounds``, a boosted model stops adding trees when the AUC of its validation fold
    has not improved for that many rounds: the number of trees is chosen by the fold, and the refit on the
    whole training split uses the folds' mean (only training rows are ever read).
    """
    oof = np.full(len(y), np.nan)
    done = np.zeros(len(y), dtype=bool)
    fold_auc, fold_train_auc, fit_times, predict_times, best_iterations = [], [], [], [], []
    for number, (train_rows, validation_rows) in enumerate(folds):
        model = clone(estimator)
        started = time.perf_counter()
        if early_stopping_rounds:
            fit_with_early_stopping(
                model,
                X.iloc[train_rows],
                y[train_rows],
                X.iloc[validation_rows],
                y[validation_rows],
                rounds=early_stopping_rounds,
            )
            best_iterations.append(int(model.steps[-1][1].best_iteration_ or model.steps[-1][1].n_estimators))
        else:
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
        if progress is not None:
            progress(number, fit_times[-1])
    threshold = best_threshold(y, oof, weights)
    return CrossValidation(
        oof_proba=oof,
        fold_auc=fold_auc,
        fold_train_auc=fold_train_auc,
        fold_fit_time_s=fit_times,
        fold_predict_time_s=predict_times,
        threshold=threshold,
        fold_cost=[cost_per_client(y[rows], oof[rows], threshold.threshold, weights) for _, rows in folds],
        fold_best_iteration=best_iterations,
    )


def fit_with_early_stopping(
    pipeline: Any, X: pd.DataFrame, y: np.ndarray, X_val: pd.DataFrame, y_val: np.ndarray, *, rounds: int
) -> Any:
    """Fit a (clean → encode → resample → LightGBM) pipeline, stopping on the validation rows' AUC (the
    candidate's LightGBM ``metric`` is set to AUC when it stops early).

    The validation rows go through the same cleaning and encoding (fitted on the training rows only) but
    never through a resampler, which only acts while fitting.
    """
    preprocess = SkPipeline(
        [(name, clone(step)) for name, step in pipeline.steps[:-1] if not hasattr(step, "fit_resample")]
    )
    X_val_matrix = preprocess.fit(X, y).transform(X_val)
    return pipeline.fit(
        X,
        y,
        model__eval_X=X_val_matrix,
        model__eval_y=y_val,
        model__callbacks=[early_stopping(rounds, first_metric_only=False, verbose=False)],
    )


def refit(
    result: CandidateResult,
    estimator: Any,
    X: pd.DataFrame,
    y: np.ndarray,
    X_holdout: pd.DataFrame,
    *,
    calibration: CalibrationSettings,
) -> None:
    """Fit the candidate on the whole training split, calibrate it on its out-of-fold scores, and predict
    the holdout (fills ``result`` in place).

    The served threshold is chosen on cross-fitted calibrated out-of-fold probabilities, the scale the served
    model outputs; an early-stopped model is refitted with the mean number of trees its folds kept.
    """
    model = clone(estimator)
    if result.cv.fold_best_iteration:
        model.set_params(model__n_estimators=max(1, round(float(np.mean(result.cv.fold_best_iteration)))))
    started = time.perf_counter()
    model.fit(X, y)
    result.refit_time_s = time.perf_counter() - started
    oof = result.cv.oof_proba
    result.calibrator = ProbabilityCalibrator(calibration.method).fit(oof, y)
    calibrated_oof = cross_fitted(oof, y, calibration.fold, calibration.method)
    result.served_threshold = best_threshold(y, calibrated_oof, calibration.weights)
    started = time.perf_counter()
    result.holdout_raw_proba, result.holdout_proba = served_probabilities(model, result.calibrator, X_holdout)
    result.holdout_predict_time_s = time.perf_counter() - started
    result.estimator = model


def served_probabilities(
    estimator: Any, calibrator: ProbabilityCalibrator, X: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(raw score, served calibrated probability) of each row by a refitted candidate."""
    raw = estimator.predict_proba(X)[:, 1].astype(np.float64)
    return raw, calibrator.transform(raw)


@dataclass(frozen=True)
class CalibrationSettings:
    """How to calibrate: the method, the out-of-fold fold numbers (to cross-fit) and the cost weights."""

    method: str
    fold: np.ndarray
    weights: CostWeights


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


#: The columns of ``model_comparison.csv`` a study fills from its search (`search._study_result`).
STUDY_COLUMNS = ("n_trials", "timed_out", "tuning_rows", "tuning_sample_cv_auc")


def comparison_row(
    result: CandidateResult, y_train: np.ndarray, y_holdout: np.ndarray, weights: CostWeights
) -> dict:
    """The row of ``model_comparison.csv`` for one candidate."""
    cv = result.cv
    served = result.served_threshold
    holdout = classification_metrics(y_holdout, result.holdout_proba, served.threshold, weights)
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
        "cv_business_cost_std": float(np.std(cv.fold_cost)) if cv.fold_cost else float("nan"),
        "cv_business_cost_calibrated": served.cost_per_client,
        "threshold": served.threshold,
        "raw_threshold": cv.threshold.threshold,
        "n_trees": float(np.mean(cv.fold_best_iteration)) if cv.fold_best_iteration else float("nan"),
        "holdout_auc": holdout["auc"],
        "holdout_accuracy": holdout["accuracy"],
        "holdout_precision": holdout["precision"],
        "holdout_recall": holdout["recall"],
        "holdout_business_cost_per_client": holdout["business_cost_per_client"],
        "holdout_business_cost_at_0_5": cost_per_client(y_holdout, result.holdout_proba, 0.5, weights),
        "holdout_business_cost_uncalibrated": cost_per_client(
            y_holdout, result.holdout_raw_proba, cv.threshold.threshold, weights
        ),
        "holdout_tn": holdout["tn"],
        "holdout_fp": holdout["fp"],
        "holdout_fn": holdout["fn"],
        "holdout_tp": holdout["tp"],
        "cv_fit_time_s": float(np.mean(cv.fold_fit_time_s)),
        "refit_time_s": result.refit_time_s,
        "predict_time_ms_per_1000": 1e6 * result.holdout_predict_time_s / max(n_holdout, 1),
        "sampling_strategy": result.spec.get("sampling_strategy"),
        "params": json.dumps(result.spec.get("params", {}), sort_keys=True),
        # a study's search (modelling.budget): its trials, whether its time cap fired, the rows its trials
        # read and its best trial's AUC on them; empty for a configured candidate
        **{key: result.extra.get(key) for key in STUDY_COLUMNS},
    }
