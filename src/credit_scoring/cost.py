"""Business cost of credit decisions and the choice of the decision threshold.

Convention used everywhere (pipelines, registered model, API): the positive class is a default
(``TARGET = 1``); a client whose predicted probability of default is ``>= threshold`` is refused. A false
negative is a defaulter who was granted credit (expensive); a false positive is a good client who was refused
(lost margin).
The functions are pure and work on plain arrays, so the API and the pipelines share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

#: Thresholds searched by default: 0.000, 0.001, ..., 1.000.
DEFAULT_THRESHOLDS = np.round(np.linspace(0.0, 1.0, 1001), 3)


@dataclass(frozen=True)
class CostWeights:
    """Cost of each kind of error, in units of "one wrongly refused good client"."""

    false_negative: float = 10.0
    false_positive: float = 1.0

    def __post_init__(self) -> None:
        if self.false_negative < 0 or self.false_positive < 0:
            raise ValueError(
                f"Cost weights must be non-negative, got false_negative={self.false_negative}, "
                f"false_positive={self.false_positive}"
            )
        if self.false_negative + self.false_positive == 0:
            raise ValueError("At least one cost weight must be positive")

    @property
    def bayes_threshold(self) -> float:
        """Optimal threshold for perfectly calibrated probabilities: FP / (FP + FN)."""
        return self.false_positive / (self.false_positive + self.false_negative)


@dataclass(frozen=True)
class ConfusionCounts:
    """Counts of a binary confusion matrix (positive = default)."""

    tn: int
    fp: int
    fn: int
    tp: int

    @property
    def n(self) -> int:
        return self.tn + self.fp + self.fn + self.tp


@dataclass(frozen=True)
class ThresholdChoice:
    """The cost-minimising threshold and the cost per client it achieves on the data it was chosen on."""

    threshold: float
    cost_per_client: float


def validate_labels(y_true: ArrayLike) -> np.ndarray:
    """Return the labels as an int array, or raise if any label is not 0 or 1."""
    labels = np.asarray(y_true)
    if labels.ndim != 1:
        raise ValueError(f"Labels must be one-dimensional, got shape {labels.shape}")
    if labels.size == 0:
        raise ValueError("Labels are empty: cannot compute a business cost on no clients")
    valid = np.isin(labels, (0, 1))
    if not valid.all():
        offending = pd.unique(labels[~valid])[:10].tolist()
        raise ValueError(f"Labels must be 0 or 1; offending values: {offending}")
    return labels.astype(np.int64)


def validate_probabilities(proba: ArrayLike, n_expected: int) -> np.ndarray:
    """Return the probabilities as floats, or raise if they are missing, out of [0, 1] or misaligned."""
    values = np.asarray(proba, dtype=np.float64)
    if values.shape != (n_expected,):
        raise ValueError(f"Expected {n_expected} probabilities (one per label), got shape {values.shape}")
    invalid = ~np.isfinite(values) | (values < 0) | (values > 1)
    if invalid.any():
        offending = values[invalid][:10].tolist()
        raise ValueError(f"Probabilities must be finite and within [0, 1]; offending values: {offending}")
    return values


def decisions(proba: ArrayLike, threshold: float) -> np.ndarray:
    """1 (refuse: predicted default) where the probability reaches the threshold, else 0 (grant)."""
    return (np.asarray(proba, dtype=np.float64) >= threshold).astype(np.int64)


def confusion_counts(y_true: ArrayLike, y_pred: ArrayLike) -> ConfusionCounts:
    """Confusion matrix counts for 0/1 labels and 0/1 decisions."""
    labels = validate_labels(y_true)
    predicted = validate_labels(y_pred)
    if predicted.shape != labels.shape:
        raise ValueError(f"{labels.size} labels but {predicted.size} decisions")
    tp = int(np.sum((labels == 1) & (predicted == 1)))
    fp = int(np.sum((labels == 0) & (predicted == 1)))
    fn = int(np.sum((labels == 1) & (predicted == 0)))
    tn = int(labels.size - tp - fp - fn)
    return ConfusionCounts(tn=tn, fp=fp, fn=fn, tp=tp)


def business_cost(counts: ConfusionCounts, weights: CostWeights) -> float:
    """Total cost: ``false_negative * FN + false_positive * FP``."""
    return weights.false_negative * counts.fn + weights.false_positive * counts.fp


def cost_per_client(y_true: ArrayLike, proba: ArrayLike, threshold: float, weights: CostWeights) -> float:
    """Average business cost per client when refusing every probability ``>= threshold``."""
    labels = validate_labels(y_true)
    values = validate_probabilities(proba, labels.size)
    counts = confusion_counts(labels, decisions(values, threshold))
    return business_cost(counts, weights) / counts.n


def approve_all_cost_per_client(y_true: ArrayLike, weights: CostWeights) -> float:
    """Cost per client of granting credit to everybody (every defaulter is a false negative)."""
    labels = validate_labels(y_true)
    return weights.false_negative * float(labels.sum()) / labels.size


def cost_curve(
    y_true: ArrayLike, proba: ArrayLike, weights: CostWeights, thresholds: ArrayLike | None = None
) -> pd.DataFrame:
    """Business cost at every threshold (one row per threshold), in O(n log n) with sorted probabilities.

    Columns: threshold, tn, fp, fn, tp, cost, cost_per_client.
    """
    labels = validate_labels(y_true)
    values = validate_probabilities(proba, labels.size)
    grid = DEFAULT_THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
        raise ValueError("Thresholds must be a non-empty one-dimensional array of finite numbers")
    all_sorted = np.sort(values)
    positives_sorted = np.sort(values[labels == 1])
    # number of probabilities >= t is n - (number strictly below t)
    refused = labels.size - np.searchsorted(all_sorted, grid, side="left")
    tp = positives_sorted.size - np.searchsorted(positives_sorted, grid, side="left")
    fp = refused - tp
    fn = positives_sorted.size - tp
    tn = labels.size - refused - fn
    cost = weights.false_negative * fn + weights.false_positive * fp
    return pd.DataFrame(
        {
            "threshold": grid,
            "tn": tn.astype(np.int64),
            "fp": fp.astype(np.int64),
            "fn": fn.astype(np.int64),
            "tp": tp.astype(np.int64),
            "cost": cost.astype(np.float64),
            "cost_per_client": cost / labels.size,
        }
    )


def best_threshold(
    y_true: ArrayLike, proba: ArrayLike, weights: CostWeights, thresholds: ArrayLike | None = None
) -> ThresholdChoice:
    """The threshold of the grid that minimises the business cost.

    When several consecutive thresholds reach the minimum (a flat valley), the middle one of the first such
    run is returned: it sits furthest from the thresholds where the cost starts rising again, so it is the
    least sensitive to sampling noise.
    """
    curve = cost_curve(y_true, proba, weights, thresholds)
    costs = curve["cost"].to_numpy()
    is_minimum = np.isclose(costs, costs.min(), rtol=0.0, atol=1e-9)
    start = int(np.argmax(is_minimum))
    stop = start
    while stop + 1 < is_minimum.size and is_minimum[stop + 1]:
        stop += 1
    middle = (start + stop) // 2
    return ThresholdChoice(
        threshold=float(curve["threshold"].iloc[middle]),
        cost_per_client=float(curve["cost_per_client"].iloc[middle]),
    )


def client_costs(y_true: ArrayLike, proba: ArrayLike, threshold: float, weights: CostWeights) -> np.ndarray:
    """The business cost of each client's decision (their mean is :func:`cost_per_client`)."""
    labels = validate_labels(y_true)
    refused = decisions(validate_probabilities(proba, labels.size), threshold) == 1
    return np.where(
        labels == 1,
        np.where(refused, 0.0, weights.false_negative),
        np.where(refused, weights.false_positive, 0.0),
    )


@dataclass(frozen=True)
class CostDifference:
    """Mean per-client cost difference (a minus b) with its paired bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    confidence: float
    n_clients: int
    n_resamples: int

    @property
    def a_is_cheaper(self) -> bool:
        """True when the whole interval lies below zero: a saves money beyond sampling noise."""
        return self.high < 0.0


def paired_cost_difference(
    costs_a: ArrayLike,
    costs_b: ArrayLike,
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> CostDifference:
    """Percentile bootstrap of the mean of ``costs_a - costs_b`` over the same clients (paired).

    Pairing matters: both decisions are taken on the same clients, so most of the client-to-client noise
    cancels and the interval is far narrower than the difference of two separate intervals.
    """
    a, b = np.asarray(costs_a, dtype=np.float64), np.asarray(costs_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"Paired costs need two equal, non-empty 1-d arrays, got {a.shape} and {b.shape}")
    if not 0.0 < confidence < 1.0 or n_resamples < 1:
        raise ValueError(f"Need 0 < confidence < 1 and n_resamples >= 1, got {confidence}, {n_resamples}")
    difference = a - b
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples, dtype=np.float64)
    chunk = max(1, 2_000_000 // difference.size)  # bounds the index matrix to ~16 MB
    for start in range(0, n_resamples, chunk):
        stop = min(start + chunk, n_resamples)
        rows = rng.integers(0, difference.size, size=(stop - start, difference.size))
        means[start:stop] = difference[rows].mean(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return CostDifference(
        mean=float(difference.mean()),
        low=float(low),
        high=float(high),
        confidence=confidence,
        n_clients=int(difference.size),
        n_resamples=n_resamples,
    )
