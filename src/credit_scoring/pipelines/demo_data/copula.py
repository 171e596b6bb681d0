"""Column sampling coupled to the latent factors: one helper object per generated table side.

A column's normal score mixes the ``application`` risk factor (with the loading fitted to the profile) and
optional named factors (wealth, youth, ...) that make related columns move together. Its uniform ``Φ(score)``
then goes through the column's inverse CDF or its risk-ordered levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .marginals import as_object, draw_index, inverse_cdf, ordered_levels, uniform


@dataclass
class ColumnSampler:
    """Samples the columns of one table side (train or test) from its profile, coupled to the risk factors.

    ``loadings`` holds each column's correlation with the *application* factor (already divided by its
    weight); ``factors`` holds named standard-normal client factors (wealth, youth...).
    """

    rng: np.random.Generator
    columns: Mapping[str, Mapping[str, Any]]
    train_columns: Mapping[str, Mapping[str, Any]]
    application: np.ndarray
    loadings: Mapping[str, float]
    missing_loadings: Mapping[str, float] = field(default_factory=dict)
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    factor_risk: dict[str, float] = field(default_factory=dict)
    """Correlation of each named factor with the application factor."""

    @property
    def n(self) -> int:
        return self.application.shape[0]

    def score(self, name: str, **mix: float) -> np.ndarray:
        """Standard normal score of column ``name`` correlated with the application factor by its loading.

        The loading is the total correlation: the named factors in ``mix`` may carry risk themselves, so the
        direct loading is reduced by theirs.
        """
        target = self.loadings.get(name, 0.0)
        direct = target - sum(w * self.factor_risk.get(f, 0.0) for f, w in mix.items())
        return self.mixed(float(np.clip(direct, -0.95, 0.95)), **mix)

    def mixed(self, risk: float, **mix: float) -> np.ndarray:
        """Standard normal score: loading ``risk`` on the application factor, ``mix`` weights on named
        factors.

        Named factors are correlated with the application factor (``factor_risk``) and, through it only, with
        each other; the idiosyncratic noise fills the remaining variance.
        """
        weights = np.array(list(mix.values()), dtype=float)
        links = np.array([self.factor_risk.get(f, 0.0) for f in mix], dtype=float)
        cross = float(weights @ links)
        explained = (
            risk**2
            + float(weights @ weights)
            + 2 * risk * cross
            + cross**2
            - float((weights * links) @ (weights * links))
        )
        if explained > 0.98:
            shrink = np.sqrt(0.98 / explained)
            risk, mix = risk * shrink, {k: w * shrink for k, w in mix.items()}
            explained = 0.98
        out = risk * self.application + np.sqrt(max(1.0 - explained, 0.0)) * self.rng.standard_normal(self.n)
        for factor, weight in mix.items():
            out = out + weight * self.factors[factor]
        return out

    def numeric(self, name: str, score: np.ndarray | None = None) -> np.ndarray:
        """Values of numeric column ``name`` (no missing values applied)."""
        score = self.score(name) if score is None else score
        return inverse_cdf(uniform(score), self.columns[name])

    def levels(self, name: str, score: np.ndarray | None = None, exclude: tuple[str, ...] = ()) -> np.ndarray:
        """Levels of categorical column ``name``, safest levels at low scores (risk order of the train
        profile)."""
        score = self.score(name) if score is None else score
        names, shares = ordered_levels(self.train_columns.get(name, {}), self.columns[name])
        keep = ~np.isin(names, exclude)
        names, shares = names[keep], shares[keep]
        return names[draw_index(uniform(score), shares)]

    def missing(self, name: str, rate: float | None = None, loading: float | None = None) -> np.ndarray:
        """Missing mask of column ``name`` at its profiled rate, linked to risk by its fitted loading."""
        rate = float(self.columns[name].get("missing_rate") or 0.0) if rate is None else rate
        if rate <= 0:
            return np.zeros(self.n, dtype=bool)
        loading = self.missing_loadings.get(name, 0.0) if loading is None else loading
        return uniform(self.mixed(float(np.clip(loading, -0.95, 0.95)))) > 1.0 - rate

    def text(
        self, name: str, score: np.ndarray | None = None, missing: np.ndarray | None = None
    ) -> np.ndarray:
        """Categorical column as an object array, missing at the profiled rate unless ``missing`` says."""
        values = self.levels(name, score)
        return as_object(values, self.missing(name) if missing is None else missing)

    def share(self, name: str, value: float) -> float:
        """Share of ``value`` among the non-missing values of a discrete numeric column."""
        shares = self.columns[name].get("value_shares") or {}
        return float(sum(s for k, s in shares.items() if float(k) == value))

    def flag(self, name: str, score: np.ndarray | None = None, share: float | None = None) -> np.ndarray:
        """0/1 column with the profiled share of ones; the highest scores get the ones."""
        share = self.share(name, 1.0) if share is None else share
        score = self.mixed(0.0) if score is None else score
        return (uniform(score) > 1.0 - share).astype(np.int64)
