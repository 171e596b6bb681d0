"""Population and characteristic stability indices (PSI / CSI) with the usual 0.1 / 0.25 bands.

PSI = sum over bins of (current share - reference share) * ln(current share / reference share). Numeric
values are binned on the reference quantiles (every reference bin holds about the same share), categories
are their own bins; missing values always form a bin of their own: a feed that stops sending a field drifts.
Empty bins get a small floor share instead of zero, so the logarithm stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Share given to an empty bin (instead of 0, whose logarithm is infinite).
EMPTY_BIN_SHARE = 1e-4
MISSING_BIN = "(missing)"


@dataclass(frozen=True)
class StabilityBands:
    """PSI below ``moderate``: stable; below ``significant``: a moderate shift; above: a significant one."""

    moderate: float = 0.1
    significant: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.moderate < self.significant:
            raise ValueError(
                "Stability bands must satisfy 0 < moderate < significant, "
                f"got {self.moderate} and {self.significant}"
            )

    def band(self, index: float) -> str:
        """``stable``, ``moderate`` or ``significant``."""
        if index >= self.significant:
            return "significant"
        if index >= self.moderate:
            return "moderate"
        return "stable"


def psi_from_shares(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI of two share vectors over the same bins (each summing to 1, or all zero for an empty side)."""
    reference = np.clip(np.asarray(reference, dtype=float), EMPTY_BIN_SHARE, None)
    current = np.clip(np.asarray(current, dtype=float), EMPTY_BIN_SHARE, None)
    reference, current = reference / reference.sum(), current / current.sum()
    return float(np.sum((current - reference) * np.log(current / reference)))


def numeric_bin_edges(reference: pd.Series, bins: int = 10) -> np.ndarray:
    """Inner edges at the reference quantiles (duplicates merged: point masses such as zeros get one bin)."""
    values = pd.to_numeric(reference, errors="coerce").dropna().to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return np.array([], dtype=float)
    quantiles = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(quantiles)


def numeric_shares(values: pd.Series, edges: np.ndarray) -> np.ndarray:
    """Shares of the bins ``(-inf, e0], (e0, e1], ..., (ek, inf)`` plus a last bin for missing values."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    missing = ~np.isfinite(numbers)
    counts = np.bincount(np.searchsorted(edges, numbers[~missing], side="left"), minlength=edges.size + 1)
    counts = np.append(counts, missing.sum()).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def category_shares(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Shares of ``levels`` (the last one being the missing bin); unseen levels count in an extra bin."""
    text = values.astype("string").fillna(MISSING_BIN)
    counts = text.value_counts()
    known = np.array([counts.get(level, 0) for level in levels], dtype=float)
    unseen = float(counts.sum() - known.sum())
    shares = np.append(known, unseen)
    return shares / shares.sum() if shares.sum() else shares


def stability_index(reference: pd.Series, current: pd.Series, bins: int = 10) -> float:
    """PSI of one variable (CSI when the variable is a model feature); see the module docstring.

    Numeric and boolean series are binned on the reference quantiles; text and categories by level (a level
    unseen in the reference falls in a bin of its own). Raises when either side is empty.
    """
    if len(reference) == 0 or len(current) == 0:
        raise ValueError(
            f"Cannot compute a stability index for {reference.name!r}: "
            f"{len(reference)} reference and {len(current)} current values"
        )
    if _is_numeric(reference) and _is_numeric(current):
        edges = numeric_bin_edges(reference, bins)
        return psi_from_shares(numeric_shares(reference, edges), numeric_shares(current, edges))
    levels = [*sorted(set(reference.astype("string").dropna().unique())), MISSING_BIN]
    return psi_from_shares(category_shares(reference, levels), category_shares(current, levels))


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def characteristic_stability(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[str],
    bins: int = 10,
    bands: StabilityBands | None = None,
) -> pd.DataFrame:
    """CSI of each column present on both sides, with its band; columns missing on either side are skipped."""
    bands = bands or StabilityBands()
    rows = []
    for column in columns:
        if column not in reference.columns or column not in current.columns:
            continue
        index = stability_index(reference[column], current[column], bins)
        rows.append({"column": column, "csi": index, "band": bands.band(index)})
    return pd.DataFrame(rows, columns=["column", "csi", "band"])
