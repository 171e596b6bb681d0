"""Realised live performance per model version and per period, from the decision log labelled by the outcome
feed (`credit_scoring.monitoring.outcomes.label_decisions`).

Per (model, version, period): the decisions, the approval rate, and on the *labelled* decisions the observed
default rate, the AUC and the business cost (`credit_scoring.cost`, the modelling configuration's weights),
each with a percentile bootstrap interval when there are enough labelled loans (and, for the AUC, enough of
each class). A refused applicant gets no loan, hence no outcome: the labelled decisions are granted loans
only, so the AUC ranks granted loans among themselves and the cost holds only the granted defaulters' part
(a refused good client's cost is never observed). The records say so (``labelled_population``).

The estimate before the labels arrive (CBPE) lives in `credit_scoring.monitoring.estimation`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from credit_scoring.cost import CostWeights, client_costs
from credit_scoring.monitoring.prediction_log import iso_utc

Period = Literal["week", "month"]
MetricName = Literal["observed_default_rate", "auc", "cost_per_client"]


class CostSettings(BaseModel):
    """The business cost weights: the modelling configuration's ``modelling.cost`` (one source, no default
    here)."""

    false_negative: float
    false_positive: float

    def weights(self) -> CostWeights:
        return CostWeights(false_negative=self.false_negative, false_positive=self.false_positive)


class PerformanceSettings(BaseModel):
    cost: CostSettings
    period: Period = "month"
    min_labelled_for_interval: int = Field(default=100, ge=2, description="Fewer labelled loans: no interval")
    min_class_for_auc: int = Field(
        default=10, ge=1, description="The AUC (and its interval) needs this many defaults and non-defaults"
    )
    n_resamples: int = Field(default=1000, ge=1)
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0


class Interval(BaseModel):
    low: float
    high: float
    confidence: float
    n_resamples: int


class RealisedMetric(BaseModel):
    """A realised figure on the labelled loans; ``value`` or ``interval`` is null when ``note`` says why."""

    value: float | None
    interval: Interval | None
    note: str | None = None


class PeriodPerformance(BaseModel):
    """One model version in one period (a period without any decision has a row with no version)."""

    period: str = Field(description="2027-01 (month) or 2027-W03 (ISO week)")
    period_start: str = Field(description="ISO-8601 UTC, included")
    period_end: str = Field(description="ISO-8601 UTC, excluded")
    model_name: str | None
    model_version: str | None
    n_decisions: int
    n_granted: int
    n_refused: int
    approval_rate: float | None
    n_labelled: int = Field(description="Granted loans whose observation window ended, outcome received")
    n_open: int = Field(description="Granted loans whose observation window has not ended")
    n_awaiting: int = Field(description="Granted loans whose window ended without an outcome yet")
    n_defaults: int = Field(description="Defaults among the labelled loans")
    labelled_population: Literal["granted_only"] = Field(
        default="granted_only",
        description="Refused applicants get no loan, so no outcome: the realised figures cover granted loans",
    )
    refused_outcome: Literal["not_observed"] = Field(
        default="not_observed", description="The outcome of a refused applicant is never observed"
    )
    observed_default_rate: RealisedMetric
    auc: RealisedMetric
    cost_per_client: RealisedMetric = Field(
        description="Business cost per labelled loan: the granted defaulters' cost (false negatives) only"
    )


class PerformanceReport(BaseModel):
    as_of: str
    period: Period
    cost_false_negative: float
    cost_false_positive: float
    min_labelled_for_interval: int
    confidence: float
    periods: list[PeriodPerformance]


# --- periods ---------------------------------------------------------------------------------------------


def period_start(moments: pd.Series, period: Period) -> pd.Series:
    """The UTC start of each moment's month, or of its ISO week (Monday)."""
    naive = moments.dt.tz_convert(UTC).dt.tz_localize(None)
    if period == "month":
        start = naive.dt.to_period("M").dt.start_time
    else:
        start = naive.dt.normalize() - pd.to_timedelta(naive.dt.weekday, unit="D")
    return start.dt.tz_localize(UTC)


def next_period_start(start: pd.Timestamp, period: Period) -> pd.Timestamp:
    return start + (pd.DateOffset(months=1) if period == "month" else pd.Timedelta(days=7))


def period_label(start: pd.Timestamp, period: Period) -> str:
    if period == "month":
        return start.strftime("%Y-%m")
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


def _period_range(first: pd.Timestamp, last: pd.Timestamp, period: Period) -> list[pd.Timestamp]:
    starts, current = [], first
    while current <= last:
        starts.append(current)
        current = next_period_start(current, period)
    return starts


# --- metrics ---------------------------------------------------------------------------------------------


def _interval(samples: np.ndarray, settings: PerformanceSettings) -> Interval | None:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return None
    tail = 100 * (1 - settings.confidence) / 2
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(
        low=float(low), high=float(high), confidence=settings.confidence, n_resamples=settings.n_resamples
    )


def _bootstrap(
    labels: np.ndarray, probabilities: np.ndarray, costs: np.ndarray, settings: PerformanceSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Default rate, AUC and mean cost of each resample.

    A resample is a count per loan; with the loans sorted once by probability, its AUC is a pass over the
    tie groups (ties count half), the same as `rank_auc` of the resampled rows without sorting each one.
    Resamples go in chunks that bound the count matrix (~16 MB).
    """
    rng = np.random.default_rng(settings.seed)
    n, total = labels.size, settings.n_resamples
    order = np.argsort(probabilities, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    scores, ordered_labels, ordered_costs = (
        probabilities[order],
        labels[order].astype(np.float64),
        costs[order],
    )
    tie_starts = np.flatnonzero(np.r_[True, scores[1:] != scores[:-1]])
    rate, auc, cost = (np.empty(total) for _ in range(3))
    chunk = max(1, 2_000_000 // n)
    for begin in range(0, total, chunk):
        stop = min(begin + chunk, total)
        rows = rng.integers(0, n, size=(stop - begin, n))
        flat = (position[rows] + np.arange(stop - begin)[:, None] * n).ravel()
        counts = np.bincount(flat, minlength=(stop - begin) * n).reshape(stop - begin, n).astype(np.float64)
        rate[begin:stop] = counts @ ordered_labels / n
        cost[begin:stop] = counts @ ordered_costs / n
        defaults = np.add.reduceat(counts * ordered_labels, tie_starts, axis=1)
        goods = np.add.reduceat(counts, tie_starts, axis=1) - defaults
        below = np.cumsum(goods, axis=1) - goods
        with np.errstate(invalid="ignore", divide="ignore"):
            auc[begin:stop] = (defaults * (below + 0.5 * goods)).sum(axis=1) / (
                defaults.sum(axis=1) * goods.sum(axis=1)
            )
    return rate, auc, cost


def rank_auc(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """AUC of each row of ``labels``/``scores`` (2-d, ties counted half; Mann-Whitney); NaN where a row
    holds a single class."""
    ranks = rankdata(scores, axis=1)
    positives = labels.sum(axis=1)
    negatives = labels.shape[1] - positives
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((ranks * labels).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)
    return np.where((positives > 0) & (negatives > 0), auc, np.nan)


def realised_metrics(
    labels: np.ndarray, probabilities: np.ndarray, thresholds: np.ndarray, settings: PerformanceSettings
) -> tuple[RealisedMetric, RealisedMetric, RealisedMetric]:
    """Observed default rate, AUC and cost per client of labelled loans, with intervals where counts allow."""
    n = labels.size
    if n == 0:
        none = RealisedMetric(value=None, interval=None, note="no labelled loan")
        return none, none, none
    weights = settings.cost.weights()
    costs = np.empty(n, dtype=np.float64)
    for threshold in np.unique(thresholds):  # each decision at its own logged threshold
        mask = thresholds == threshold
        costs[mask] = client_costs(labels[mask], probabilities[mask], float(threshold), weights)
    n_defaults, n_good = int(labels.sum()), int(n - labels.sum())
    auc_ok = min(n_defaults, n_good) >= settings.min_class_for_auc
    enough = n >= settings.min_labelled_for_interval
    few = f"fewer than {settings.min_labelled_for_interval} labelled loans: no interval"
    samples = _bootstrap(labels, probabilities, costs, settings) if enough else None
    rate = RealisedMetric(
        value=float(labels.mean()),
        interval=_interval(samples[0], settings) if samples is not None else None,
        note=None if enough else few,
    )
    cost = RealisedMetric(
        value=float(costs.mean()),
        interval=_interval(samples[2], settings) if samples is not None else None,
        note=None if enough else few,
    )
    if not auc_ok:
        auc = RealisedMetric(
            value=None,
            interval=None,
            note=f"{n_defaults} default(s) and {n_good} non-default(s): the AUC needs "
            f"{settings.min_class_for_auc} of each",
        )
    else:
        auc = RealisedMetric(
            value=float(roc_auc_score(labels, probabilities)),
            interval=_interval(samples[1], settings) if samples is not None else None,
            note=None if enough else few,
        )
    return rate, auc, cost


# --- the report ------------------------------------------------------------------------------------------


def _group_performance(
    group: pd.DataFrame, start: pd.Timestamp, period: Period, settings: PerformanceSettings
) -> PeriodPerformance:
    status = group["label_status"].value_counts()
    labelled = group[group["label_status"] == "labelled"]
    labels = labelled["defaulted"].to_numpy(dtype=np.int64)
    rate, auc, cost = realised_metrics(
        labels,
        labelled["probability"].to_numpy(dtype=np.float64),
        labelled["threshold"].to_numpy(dtype=np.float64),
        settings,
    )
    n_decisions = len(group)
    n_granted = int((group["decision"] == "granted").sum())
    first = group.iloc[0] if n_decisions else None
    return PeriodPerformance(
        period=period_label(start, period),
        period_start=iso_utc(start.to_pydatetime()),
        period_end=iso_utc(next_period_start(start, period).to_pydatetime()),
        model_name=None if first is None else str(first["model_name"]),
        model_version=None if first is None else str(first["model_version"]),
        n_decisions=n_decisions,
        n_granted=n_granted,
        n_refused=n_decisions - n_granted,
        approval_rate=n_granted / n_decisions if n_decisions else None,
        n_labelled=int(status.get("labelled", 0)),
        n_open=int(status.get("open", 0)),
        n_awaiting=int(status.get("awaiting", 0)),
        n_defaults=int(labels.sum()),
        observed_default_rate=rate,
        auc=auc,
        cost_per_client=cost,
    )


def _version_order(key: tuple[str, str]) -> tuple[str, int, str]:
    """Model name, then version as a number when it is one (version 10 after version 9)."""
    name, version = key
    return (name, int(version) if str(version).isdigit() else -1, str(version))


def realised_performance(
    labelled: pd.DataFrame,
    as_of: datetime,
    settings: PerformanceSettings,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> PerformanceReport:
    """The realised performance of the decisions labelled by `label_decisions`, per model version and
    period, over every period from ``start`` (default: the first decision) to ``end`` (default: the last);
    a period without a decision has one row with no version and zero decisions."""
    period = settings.period
    frame = labelled.assign(period_start=period_start(labelled["decided_at"], period))

    def start_of(moment: datetime) -> pd.Timestamp:
        return period_start(pd.Series(pd.to_datetime([moment], utc=True)), period).iloc[0]

    rows: list[PeriodPerformance] = []
    if start is not None or end is not None or not frame.empty:
        # the end is excluded: a period that starts at the end is not reported
        first = start_of(start) if start is not None else None
        last = start_of(end - timedelta(milliseconds=1)) if end is not None else None
        if not frame.empty:
            first = frame["period_start"].min() if first is None else first
            last = frame["period_start"].max() if last is None else last
        first, last = first if first is not None else last, last if last is not None else first
        for begin in _period_range(first, last, period):
            in_period = frame[frame["period_start"] == begin]
            if in_period.empty:
                rows.append(_group_performance(in_period, begin, period, settings))
                continue
            groups = dict(list(in_period.groupby(["model_name", "model_version"])))
            for key in sorted(groups, key=_version_order):
                rows.append(_group_performance(groups[key], begin, period, settings))
    return PerformanceReport(
        as_of=iso_utc(as_of),
        period=period,
        cost_false_negative=settings.cost.false_negative,
        cost_false_positive=settings.cost.false_positive,
        min_labelled_for_interval=settings.min_labelled_for_interval,
        confidence=settings.confidence,
        periods=rows,
    )
