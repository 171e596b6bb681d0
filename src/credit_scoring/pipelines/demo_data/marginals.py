"""Sampling from the marginal statistics of ``profile.json``: inverse CDFs, level shares, missing rates.

Every sampler takes uniforms ``u`` in (0, 1) instead of drawing its own randomness, so that callers can couple
columns through a Gaussian copula (``u = Φ(score)``) and stay deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import ndtr

ColumnProfile = Mapping[str, Any]


def quantile_knots(column: ColumnProfile) -> tuple[np.ndarray, np.ndarray]:
    """Return the (probability, value) knots of a numeric column's quantile function.

    The profile's quantiles ignore point masses between knots; a zero share larger than the knots imply (e.g.
    80% zeros when only the 0.7 quantile is 0) is restored by a flat segment at zero.
    """
    quantiles = column["quantiles"]
    probs = np.array([float(q) for q in quantiles])
    values = np.array([float(v) for v in quantiles.values()])
    order = np.argsort(probs)
    probs, values = probs[order], np.maximum.accumulate(values[order])
    zero_share = float(column.get("zero_share") or 0.0)
    if zero_share > 0 and values[0] <= 0 <= values[-1]:
        start = probs[np.argmax(values >= 0)] if values[0] < 0 else 0.0
        end = min(start + zero_share, 1.0)
        keep = (probs < start) | (probs > end)
        probs = np.concatenate([probs[keep], [start, end]])
        values = np.concatenate([values[keep], [0.0, 0.0]])
        order = np.argsort(probs, kind="stable")
        probs, values = probs[order], np.maximum.accumulate(values[order])
    return probs, values


def inverse_cdf(u: np.ndarray, column: ColumnProfile) -> np.ndarray:
    """Map uniforms to values of a numeric column: discrete value shares if profiled, else its quantiles."""
    shares = column.get("value_shares")
    if shares:
        values = np.array([float(v) for v in shares])
        return values[draw_index(u, np.array(list(shares.values()), dtype=float))]
    probs, values = quantile_knots(column)
    out = np.interp(u, probs, values)
    return np.round(out) if column.get("integer") else out


def draw_index(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Index of the category each uniform falls in, categories taking ``shares`` (normalised) of (0, 1)."""
    cumulative = np.cumsum(shares / shares.sum())
    return np.minimum(np.searchsorted(cumulative, u, side="right"), len(shares) - 1)


def level_shares(column: ColumnProfile) -> tuple[np.ndarray, np.ndarray]:
    """Levels of a categorical column and their shares among non-missing values (normalised)."""
    levels = column["levels"]
    names = np.array(list(levels), dtype=object)
    shares = np.array(list(levels.values()), dtype=float)
    return names, shares / shares.sum()


def ordered_levels(train_column: ColumnProfile, column: ColumnProfile) -> tuple[np.ndarray, np.ndarray]:
    """Levels of ``column`` sorted from the safest to the riskiest by the train default rate per level.

    Levels without a profiled default rate (too rare) sit at the overall rate, i.e. in the middle.
    """
    names, shares = level_shares(column)
    rates = train_column.get("default_rate_by_level") or {}
    known = [r for r in rates.values() if r is not None]
    middle = float(np.average(known)) if known else 0.0
    risk = np.array([rates.get(name, middle) for name in names], dtype=float)
    order = np.argsort(risk, kind="stable")
    return names[order], shares[order]


def uniform(score: np.ndarray) -> np.ndarray:
    """Standard normal score to a uniform in the open interval (0, 1)."""
    return np.clip(ndtr(score), 1e-12, 1 - 1e-12)


def as_object(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """String column as an object array with ``None`` where missing."""
    out = values.astype(object)
    if missing is not None:
        out[missing] = None
    return out
