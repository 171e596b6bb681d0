"""The binning step of a scorecard: each feature cut into a few optimal bins, each value replaced by its
bin's weight of evidence (WoE), for a logistic regression to weigh.

Optimal binning is optbinning's (``OptimalBinning``: pre-binning by a decision tree, then a constraint
programming solver that merges pre-bins under a minimum bin size and, by default, a monotone event rate).
Missing values are a bin of their own with their observed WoE: a missing external score is evidence, not an
average.

WoE of a bin = ln(share of the non-defaulters in the bin / share of the defaulters in the bin): positive where
defaults are rarer than on average, 0 for the population's own odds (a bin without a default or without a
non-default, and a category level unseen in training, also get 0).

The step keeps few features, as a scorecard a credit committee reads must: it bins the features with the
highest quick information value (deciles; the pre-screen only saves time), then keeps, by decreasing
information value of their optimal bins, those above ``min_iv`` whose WoE is not too correlated with a feature
already kept (a pair of near-duplicates makes the regression's signs arbitrary), up to ``max_features``.

A logged model that is a scorecard imports this module, and optbinning, at load time.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from optbinning import OptimalBinning
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

#: Label of the table row of category levels not seen in training (scored with WoE 0).
UNSEEN_LEVEL = "(level unseen in training)"


class WoeBinner(TransformerMixin, BaseEstimator):
    """Optimal bins per feature (optbinning) and the WoE of each value's bin; see the module's docstring.

    Fitted on a cleaned frame (`credit_scoring.serving.model.TabularCleaner`); ``transform`` returns the WoE
    of the kept features (``feature_names_out_``), in the order they were kept.
    """

    def __init__(
        self,
        categorical: tuple[str, ...] = (),
        *,
        max_n_bins: int = 5,
        min_bin_size: float = 0.05,
        max_n_prebins: int = 20,
        monotonic_trend: str | None = "auto_asc_desc",
        prescreen: int | None = 60,
        min_iv: float = 0.02,
        max_features: int = 20,
        max_correlation: float = 0.8,
    ):
        self.categorical = categorical
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.max_n_prebins = max_n_prebins
        self.monotonic_trend = monotonic_trend
        self.prescreen = prescreen
        self.min_iv = min_iv
        self.max_features = max_features
        self.max_correlation = max_correlation

    def fit(self, X: pd.DataFrame, y: Any) -> WoeBinner:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"WoeBinner needs a DataFrame of cleaned features, got {type(X).__name__}")
        y = np.asarray(y, dtype=np.int64)
        categorical = set(self.categorical)
        screened = quick_information_values(X, y, categorical)
        if self.prescreen is not None:
            screened = screened.iloc[: self.prescreen]
        binnings = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's warnings on constant or near-constant pre-bins
            for name in screened.index:
                is_categorical = name in categorical
                binning = OptimalBinning(
                    name=name,
                    dtype="categorical" if is_categorical else "numerical",
                    max_n_prebins=self.max_n_prebins,
                    max_n_bins=self.max_n_bins,
                    min_bin_size=self.min_bin_size,
                    monotonic_trend=None if is_categorical else self.monotonic_trend,
                )
                values = X[name].to_numpy(dtype=object if is_categorical else np.float64)
                binnings[name] = binning.fit(values, y)
        information = pd.Series(
            {name: information_value(binning) for name, binning in binnings.items()}, dtype=np.float64
        ).sort_values(ascending=False, kind="stable")
        self.information_value_ = information.to_dict()
        kept: list[str] = []
        woe: dict[str, np.ndarray] = {}
        for name in information.index:
            if len(kept) >= self.max_features or (information[name] < self.min_iv and kept):
                break  # the best feature is kept whatever its IV: a regression needs one column
            column = _woe(binnings[name], X[name])
            if any(_abs_correlation(column, woe[other]) > self.max_correlation for other in kept):
                continue
            kept.append(name)
            woe[name] = column
        self.binnings_ = {name: binnings[name] for name in kept}
        self.feature_names_out_ = kept
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "binnings_")
        return pd.DataFrame(
            {name: _woe(binning, X[name]) for name, binning in self.binnings_.items()},
            index=X.index,
            columns=self.feature_names_out_,
        )

    def bin_indices(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each value's row in its feature's `binning_table` (-1: a category level unseen in training)."""
        check_is_fitted(self, "binnings_")
        return pd.DataFrame(
            {
                name: binning.transform(
                    _values(binning, X[name]), metric="indices", metric_missing="empirical"
                )
                for name, binning in self.binnings_.items()
            },
            index=X.index,
            columns=self.feature_names_out_,
        ).astype(np.int64)

    def binning_table(self, name: str) -> pd.DataFrame:
        """The bins of a kept feature, in the order of `bin_indices`: its bins, then "Special" (no special
        codes are configured: always empty) and "Missing"; columns ``bin``, ``count``, ``n_event``,
        ``event_rate`` and ``woe`` (the value `transform` gives its rows)."""
        check_is_fitted(self, "binnings_")
        binning = self.binnings_[name]
        built = binning.binning_table.build(show_digits=4, add_totals=False)
        n_event = built["Event"].to_numpy(dtype=np.float64)
        n_nonevent = built["Non-event"].to_numpy(dtype=np.float64)
        labels = [
            str(label) if isinstance(label, str) else ", ".join(str(level) for level in list(label))
            for label in built["Bin"]
        ]
        return pd.DataFrame(
            {
                "bin": labels,
                "count": built["Count"].to_numpy(dtype=np.int64),
                "n_event": n_event.astype(np.int64),
                "event_rate": np.divide(
                    n_event, n_event + n_nonevent, out=np.zeros_like(n_event), where=n_event + n_nonevent > 0
                ),
                "woe": bin_woe(n_event, n_nonevent),
            }
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "binnings_")
        return np.asarray(self.feature_names_out_, dtype=object)


def bin_woe(n_event: np.ndarray, n_nonevent: np.ndarray) -> np.ndarray:
    """WoE per bin as optbinning's transform computes it (0 for a bin lacking either class)."""
    n_event = np.asarray(n_event, dtype=np.float64)
    n_nonevent = np.asarray(n_nonevent, dtype=np.float64)
    woe = np.zeros(n_event.shape)
    both = (n_event > 0) & (n_nonevent > 0)
    woe[both] = np.log((n_nonevent[both] / n_nonevent.sum()) / (n_event[both] / n_event.sum()))
    return woe


def information_value(binning: OptimalBinning) -> float:
    """Sum over bins of (share of non-defaulters - share of defaulters) x WoE."""
    table = binning.binning_table
    n_event = np.asarray(table.n_event, dtype=np.float64)
    n_nonevent = np.asarray(table.n_nonevent, dtype=np.float64)
    woe = bin_woe(n_event, n_nonevent)
    return float(np.sum((n_nonevent / n_nonevent.sum() - n_event / n_event.sum()) * woe))


def _values(binning: OptimalBinning, column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype=object if binning.dtype == "categorical" else np.float64)


def _woe(binning: OptimalBinning, column: pd.Series) -> np.ndarray:
    values = binning.transform(
        _values(binning, column), metric="woe", metric_missing="empirical", metric_special="empirical"
    )
    return np.asarray(values, dtype=np.float64)


def _abs_correlation(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(abs(np.corrcoef(a, b)[0, 1]))


def quick_information_values(
    X: pd.DataFrame, y: np.ndarray, categorical: set[str], n_bins: int = 10
) -> pd.Series:
    """Information value of each feature over deciles (levels for categories), missing values a bin of their
    own, highest first: a cheap ranking that decides which features are worth an optimal binning."""
    n_event, n_nonevent = max(int(y.sum()), 1), max(int((1 - y).sum()), 1)
    values = {}
    for name in X.columns:
        column = X[name]
        if name in categorical:
            codes = pd.factorize(column, use_na_sentinel=True)[0]
        else:
            numbers = column.to_numpy(dtype=np.float64)
            present = ~np.isnan(numbers)
            edges = (
                np.unique(np.quantile(numbers[present], np.linspace(0, 1, n_bins + 1)[1:-1]))
                if present.any()
                else np.array([])
            )
            codes = np.where(present, np.searchsorted(edges, np.nan_to_num(numbers), side="right"), -1)
        codes = np.asarray(codes, dtype=np.int64) + 1  # missing -> 0
        events = np.bincount(codes, weights=y, minlength=codes.max() + 1) + 0.5
        totals = np.bincount(codes, minlength=codes.max() + 1)
        nonevents = totals - events + 1.0
        share_event, share_nonevent = events / n_event, nonevents / n_nonevent
        used = totals > 0
        values[name] = float(
            np.sum(
                (share_nonevent[used] - share_event[used]) * np.log(share_nonevent[used] / share_event[used])
            )
        )
    return pd.Series(values, dtype=np.float64).sort_values(ascending=False, kind="stable")


class ScorecardRegression(LogisticRegression):
    """A logistic regression on WoE columns whose coefficients all follow the bins' evidence.

    A higher WoE means more evidence of repayment, so each coefficient of the probability of default should
    be negative or zero. Collinear columns can flip a sign, and a scorecard that gives fewer points for better
    evidence is hard to defend: the column with the largest positive coefficient is left out (coefficient 0)
    and the regression refitted, until no coefficient is positive. ``support_`` marks the columns kept.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ScorecardRegression:
        names = np.asarray(X.columns, dtype=object) if isinstance(X, pd.DataFrame) else None
        matrix = np.asarray(X, dtype=np.float64)
        keep = np.ones(matrix.shape[1], dtype=bool)
        while True:
            super().fit(matrix[:, keep], y, sample_weight=sample_weight)
            coefficients = self.coef_.reshape(-1)
            if coefficients.max(initial=0.0) <= 0.0 or keep.sum() == 1:
                break
            keep[np.flatnonzero(keep)[int(np.argmax(coefficients))]] = False
        full = np.zeros((1, matrix.shape[1]))
        full[0, keep] = self.coef_.reshape(-1)
        self.coef_, self.support_, self.n_features_in_ = full, keep, matrix.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        return self
