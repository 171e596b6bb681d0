"""Vectorised one-to-many expansion: child rows from per-parent counts, without Python loops per row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .marginals import inverse_cdf, uniform


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent index of each child row and the child's position (0, 1, ...) within its parent."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(counts.shape[0]), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(parent.shape[0]) - np.repeat(starts, counts)
    return parent, position


def child_counts(score: np.ndarray, rows_per_parent: Mapping[str, Any]) -> np.ndarray:
    """Number of child rows of each parent (at least 1), from the profile's rows-per-parent quantiles."""
    column = {"quantiles": rows_per_parent["quantiles"], "integer": True}
    return np.maximum(inverse_cdf(uniform(score), column), 1).astype(np.int64)


def noisy(rng: np.random.Generator, driver: np.ndarray, loading: float) -> np.ndarray:
    """Standard normal score correlated ``loading`` with the standard normal ``driver`` (row-level noise)."""
    return loading * driver + np.sqrt(1 - loading**2) * rng.standard_normal(driver.shape[0])
