"""Performance before the labels arrive: a confidence-based performance estimate (CBPE) of cost and AUC.

A default is observed months after the decision, so the realised cost and AUC of the serving model
(`credit_scoring.monitoring.performance`) always describe the past. CBPE reads the calibrated probabilities
``p_i`` the model gave to the recent, still unlabelled decisions: if the model is calibrated, client ``i``
defaults with probability ``p_i``, so every metric has an *expected* value that needs no label.

- Expected confusion counts at the decision threshold (refused when ``p >= threshold``): expected TP is the
  sum of ``p_i`` over the refused, FP the sum of ``1 - p_i`` over the refused, FN the sum of ``p_i`` over
  the granted, TN the sum of ``1 - p_i`` over the granted. Hence the expected business cost per client,
  ``(false_negative * FN + false_positive * FP) / n`` with the weights of `credit_scoring.cost.CostWeights`.
- Expected ROC AUC: every (defaulter i, non-defaulter j) pair, ``i != j``, weighted by ``p_i (1 - p_j)``,
  counting 1 when ``p_i > p_j`` and 1/2 on a tie, over the total weight of such pairs; computed in
  O(n log n) by sorting the probabilities and accumulating the non-default weight below each value.
- An interval: labels are drawn ``y_i ~ Bernoulli(p_i)`` (seeded, ``n_draws`` times) and the realised cost and
  AUC of every draw are computed; the percentile interval is where the *realised* value should fall once the
  labels arrive, if the model is calibrated.

The same figures are given on the granted loans alone (expected default rate, cost per granted loan, which
is the granted defaulters' cost only, and AUC among granted loans), because a refused applicant never gets an
outcome: those are what the realised report can be compared with when the labels arrive.

What CBPE can and cannot see: it reacts to a change of population (more clients with high probabilities
raises the expected cost at once, months before a default is observed), but it assumes that the probabilities
stay calibrated. A change of the relation between features and default (concept drift, e.g. a downturn
that makes the same profile riskier) moves the realised cost and not the estimate; hence the comparison with
the realised values when they arrive, and the drift reports beside it.

NannyML or our own implementation. NannyML 0.13.1 (the current release) implements CBPE, but it cannot be
installed next to ``requirements.lock`` without changing a pin: it requires ``lightgbm>=3.3,<4.6`` while the
lock pins ``lightgbm==4.7.0`` (pip's resolver: ``ResolutionImpossible``; without the lightgbm pin it would
downgrade lightgbm to 4.5.0, the modelling pipeline's library). It would also bring in FLAML, xgboost,
category-encoders, gcsfs and s3fs with their cloud SDKs, kaleido (an 80 MB binary) and
``segment-analytics-python``, a usage-telemetry client that the product's "no telemetry" rule would have to
switch off. The method itself is a few sums over sorted probabilities, so it is implemented here, pure and
tested, on the cost definitions of `credit_scoring.cost`.

The alert rule (`CostAlertRule`) compares the estimated cost per client with a reference cost (the model
version's holdout cost, from its metrics) and fires when it exceeds it by a configured margin, absolute and/or
relative; `CostAlert` says why in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.stats import rankdata

from credit_scoring.cost import CostWeights
from credit_scoring.monitoring.performance import Period, next_period_start, period_label, period_start

#: Columns the decision frame must have (one row per decision).
REQUIRED_COLUMNS = ("timestamp", "model_version", "probability", "threshold")

# Bounds one chunk of label draws (float64, for the rank sums) to about 16 MB.
_MAX_CELLS_PER_CHUNK = 2_000_000


class EstimationSettings(BaseModel):
    """How the estimate is computed: the period, the number of label draws and the interval's confidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: Period = "month"
    n_draws: int = Field(default=500, ge=10, description="Label draws y ~ Bernoulli(p) for the interval")
    confidence: float = Field(default=0.95, gt=0, lt=1)
    seed: int = 0
    min_defined_draws: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="An AUC interval needs at least this share of draws with both classes",
    )


class Interval(BaseModel):
    low: float
    high: float
    confidence: float
    n_draws: int = Field(description="Draws the interval was computed from (draws with one class excluded)")


class EstimatedMetric(BaseModel):
    """An expected figure; ``value`` or ``interval`` is null when ``note`` says why."""

    value: float | None
    interval: Interval | None
    note: str | None = None


class ExpectedConfusion(BaseModel):
    """Expected confusion counts at the threshold (positive = default, refused = predicted default)."""

    tn: float
    fp: float
    fn: float
    tp: float


class PeriodEstimate(BaseModel):
    """The estimate for one model version in one period (a period without any decision has no version)."""

    period: str = Field(description="2027-01 (month) or 2027-W03 (ISO week)")
    period_start: str = Field(description="ISO-8601 UTC, included")
    period_end: str = Field(description="ISO-8601 UTC, excluded")
    model_version: str | None
    n_decisions: int
    n_granted: int
    n_refused: int
    approval_rate: float | None
    expected_confusion: ExpectedConfusion | None
    estimated_cost: EstimatedMetric = Field(description="Expected business cost per client, all decisions")
    estimated_auc: EstimatedMetric = Field(description="Expected ROC AUC over all decisions")
    estimated_default_rate_granted: EstimatedMetric = Field(
        description="Expected default rate, granted loans"
    )
    estimated_cost_granted: EstimatedMetric = Field(
        description="Expected cost per granted loan (granted defaulters only), as the realised cost"
    )
    estimated_auc_granted: EstimatedMetric = Field(
        description="Expected AUC among granted loans: comparable with the realised AUC"
    )


# --- the expected figures ----------------------------------------------------------------------------------


def _probabilities(proba: ArrayLike) -> np.ndarray:
    values = np.asarray(proba, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"Probabilities must be one-dimensional, got shape {values.shape}")
    invalid = ~np.isfinite(values) | (values < 0) | (values > 1)
    if invalid.any():
        raise ValueError(
            f"Probabilities must be finite and within [0, 1]; offending: {values[invalid][:10].tolist()}"
        )
    return values


def _refused(values: np.ndarray, threshold: float | ArrayLike) -> np.ndarray:
    thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), values.shape)
    if not np.all(np.isfinite(thresholds)) or np.any((thresholds < 0) | (thresholds > 1)):
        raise ValueError("Thresholds must be finite and within [0, 1]")
    return values >= thresholds


def expected_confusion(proba: ArrayLike, threshold: float | ArrayLike) -> ExpectedConfusion:
    """Expected confusion counts when refusing every probability ``>= threshold`` (one, or one per row)."""
    values = _probabilities(proba)
    refused = _refused(values, threshold)
    return ExpectedConfusion(
        tn=float(np.sum(1 - values[~refused])),
        fp=float(np.sum(1 - values[refused])),
        fn=float(np.sum(values[~refused])),
        tp=float(np.sum(values[refused])),
    )


def expected_cost_per_client(
    proba: ArrayLike, threshold: float | ArrayLike, weights: CostWeights
) -> float | None:
    """Expected business cost per client; None when there is no decision."""
    values = _probabilities(proba)
    if values.size == 0:
        return None
    counts = expected_confusion(values, threshold)
    return (weights.false_negative * counts.fn + weights.false_positive * counts.fp) / values.size


def expected_auc(proba: ArrayLike) -> float | None:
    """Expected ROC AUC of the probabilities as scores, if each client defaults with its probability.

    None when no pair of a possible defaulter and a possible non-defaulter exists (fewer than two decisions,
    or every probability 0, or every probability 1).
    """
    values = _probabilities(proba)
    if values.size < 2:
        return None
    unique_inverse = np.unique(values, return_inverse=True)[1]
    positive = np.bincount(unique_inverse, weights=values)
    negative = np.bincount(unique_inverse, weights=1 - values)
    negative_below = np.cumsum(negative) - negative
    self_pairs = float(np.sum(values * (1 - values)))  # a client is never paired with itself
    numerator = float(np.sum(positive * negative_below)) + 0.5 * (
        float(np.sum(positive * negative)) - self_pairs
    )
    denominator = float(positive.sum() * negative.sum()) - self_pairs
    if denominator <= 1e-12:
        return None
    return numerator / denominator


# --- the interval: labels drawn from the probabilities ---------------------------------------------------


def _auc_of_draws(labels: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of each row of 0/1 labels against fixed (average) ranks; NaN with one class."""
    n = labels.shape[1]
    n_positive = labels.sum(axis=1, dtype=np.float64)
    rank_sum = labels @ ranks
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - n_positive * (n_positive + 1) / 2) / (n_positive * (n - n_positive))
    auc[(n_positive == 0) | (n_positive == n)] = np.nan
    return auc


def sample_realised_metrics(
    proba: ArrayLike,
    threshold: float | ArrayLike,
    weights: CostWeights,
    *,
    n_draws: int,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Realised metrics of ``n_draws`` label sets drawn ``y_i ~ Bernoulli(p_i)``, one value per draw.

    Keys: ``cost`` (per client), ``auc``, ``default_rate_granted``, ``cost_granted`` (per granted loan),
    ``auc_granted``; NaN where a draw leaves the metric undefined (one class, no granted loan).
    """
    values = _probabilities(proba)
    refused = _refused(values, threshold)
    granted = ~refused
    n, n_granted = values.size, int(granted.sum())
    ranks = rankdata(values).astype(np.float64)
    ranks_granted = rankdata(values[granted]).astype(np.float64)
    rng = np.random.default_rng(seed)
    out = {
        key: np.full(n_draws, np.nan)
        for key in ("cost", "auc", "default_rate_granted", "cost_granted", "auc_granted")
    }
    chunk = max(1, _MAX_CELLS_PER_CHUNK // max(n, 1))
    for start in range(0, n_draws, chunk):
        stop = min(start + chunk, n_draws)
        labels = (rng.random((stop - start, n)) < values).astype(np.float64)
        defaults_granted = labels[:, granted].sum(axis=1)
        good_refused = refused.sum() - labels[:, refused].sum(axis=1)
        if n:
            out["cost"][start:stop] = (
                weights.false_negative * defaults_granted + weights.false_positive * good_refused
            ) / n
            out["auc"][start:stop] = _auc_of_draws(labels, ranks)
        if n_granted:
            out["default_rate_granted"][start:stop] = defaults_granted / n_granted
            out["cost_granted"][start:stop] = weights.false_negative * defaults_granted / n_granted
            out["auc_granted"][start:stop] = _auc_of_draws(labels[:, granted], ranks_granted)
    return out


def _interval(samples: np.ndarray, settings: EstimationSettings) -> Interval | None:
    defined = samples[np.isfinite(samples)]
    if defined.size < settings.min_defined_draws * samples.size or defined.size == 0:
        return None
    tail = 100 * (1 - settings.confidence) / 2
    low, high = np.percentile(defined, [tail, 100 - tail])
    return Interval(
        low=float(low), high=float(high), confidence=settings.confidence, n_draws=int(defined.size)
    )


def _metric(
    value: float | None, samples: np.ndarray, settings: EstimationSettings, why_none: str
) -> EstimatedMetric:
    if value is None:
        return EstimatedMetric(value=None, interval=None, note=why_none)
    interval = _interval(samples, settings)
    note = None if interval is not None else "too few label draws with both classes for an interval"
    return EstimatedMetric(value=value, interval=interval, note=note)


def _auc_note(values: np.ndarray, population: str) -> str:
    if values.size < 2:
        return f"fewer than two {population}: no pair to rank"
    if np.all(values == 0):
        return f"every {population[:-1]} has probability 0: no expected default to rank"
    return f"every {population[:-1]} has probability 1: no expected non-default to rank"


def estimate(
    proba: ArrayLike, threshold: float | ArrayLike, weights: CostWeights, settings: EstimationSettings
) -> dict[str, EstimatedMetric | ExpectedConfusion | None]:
    """Every estimated figure of one group of decisions (see `PeriodEstimate` for the keys' meaning)."""
    values = _probabilities(proba)
    if values.size == 0:
        none = EstimatedMetric(value=None, interval=None, note="no decision in this period")
        return {
            "expected_confusion": None,
            "estimated_cost": none,
            "estimated_auc": none,
            "estimated_default_rate_granted": none,
            "estimated_cost_granted": none,
            "estimated_auc_granted": none,
        }
    refused = _refused(values, threshold)
    granted_values = values[~refused]
    samples = sample_realised_metrics(
        values, threshold, weights, n_draws=settings.n_draws, seed=settings.seed
    )
    no_loan = "no loan granted in this period: every applicant was refused"
    rate = float(granted_values.mean()) if granted_values.size else None
    return {
        "expected_confusion": expected_confusion(values, threshold),
        "estimated_cost": _metric(
            expected_cost_per_client(values, threshold, weights), samples["cost"], settings, ""
        ),
        "estimated_auc": _metric(
            expected_auc(values), samples["auc"], settings, _auc_note(values, "decisions")
        ),
        "estimated_default_rate_granted": _metric(rate, samples["default_rate_granted"], settings, no_loan),
        "estimated_cost_granted": _metric(
            None if rate is None else weights.false_negative * rate,
            samples["cost_granted"],
            settings,
            no_loan,
        ),
        "estimated_auc_granted": _metric(
            expected_auc(granted_values),
            samples["auc_granted"],
            settings,
            no_loan if granted_values.size == 0 else _auc_note(granted_values, "granted loans"),
        ),
    }


# --- per period and per model version --------------------------------------------------------------------


def _iso(moment: pd.Timestamp) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _version_key(version: str) -> tuple[int, int, str]:
    return (0, int(version), version) if version.isdigit() else (1, 0, version)


def _validated(decisions: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in REQUIRED_COLUMNS if column not in decisions.columns]
    if missing:
        raise ValueError(f"The decision frame lacks the columns {missing}; it needs {list(REQUIRED_COLUMNS)}")
    frame = decisions.loc[:, list(REQUIRED_COLUMNS)].copy()
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    for column in ("probability", "threshold"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    bad = frame["timestamp"].isna() | ~frame["probability"].between(0, 1) | ~frame["threshold"].between(0, 1)
    bad |= frame["model_version"].isna()
    if bad.any():
        rows = decisions.index[bad.to_numpy()][:10].tolist()
        raise ValueError(
            f"{int(bad.sum())} decision(s) with a missing or invalid timestamp, model_version, probability "
            f"or threshold (probability and threshold must lie in [0, 1]); first rows: {rows}"
        )
    frame["model_version"] = frame["model_version"].astype(str)
    return frame


def estimate_by_period(
    decisions: pd.DataFrame, weights: CostWeights, settings: EstimationSettings | None = None
) -> list[PeriodEstimate]:
    """The estimate per period and per model version, in period order, then version order.

    ``decisions`` has one row per decision with ``timestamp``, ``model_version``, ``probability`` and the
    ``threshold`` the decision used. A period between the first and the last with no decision gets one row
    with no version and null figures (and a note), so a gap in the traffic is visible, never silent.
    """
    settings = settings or EstimationSettings()
    frame = _validated(decisions)
    if frame.empty:
        return []
    frame["start"] = period_start(frame["timestamp"], settings.period)
    rows: list[PeriodEstimate] = []
    start, last = frame["start"].min(), frame["start"].max()
    while start <= last:
        end = next_period_start(start, settings.period)
        in_period = frame[frame["start"] == start]
        versions = sorted(in_period["model_version"].unique(), key=_version_key) or [None]
        for version in versions:
            group = in_period if version is None else in_period[in_period["model_version"] == version]
            proba, threshold = group["probability"].to_numpy(), group["threshold"].to_numpy()
            n_refused = int(np.sum(proba >= threshold))
            rows.append(
                PeriodEstimate(
                    period=period_label(start, settings.period),
                    period_start=_iso(start),
                    period_end=_iso(end),
                    model_version=version,
                    n_decisions=int(proba.size),
                    n_granted=int(proba.size) - n_refused,
                    n_refused=n_refused,
                    approval_rate=(1 - n_refused / proba.size) if proba.size else None,
                    **estimate(proba, threshold, weights, settings),
                )
            )
        start = end
    return rows


# --- the alert rule --------------------------------------------------------------------------------------


class CostAlertRule(BaseModel):
    """Fires when the estimated cost per client exceeds the reference cost by more than the margin.

    With both margins, the estimate must exceed both bounds (``reference + absolute`` and
    ``reference * (1 + relative)``), so neither a tiny reference nor a large one makes the rule
    over-sensitive.
    ``basis="interval_low"`` compares the lower end of the estimate's interval instead of the estimate: the
    rule then fires only when the excess is beyond the sampling noise of the period.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    margin_absolute: float | None = Field(default=None, ge=0)
    margin_relative: float | None = Field(default=None, ge=0)
    basis: Literal["estimate", "interval_low"] = "estimate"

    @model_validator(mode="after")
    def _a_margin(self) -> CostAlertRule:
        if self.margin_absolute is None and self.margin_relative is None:
            raise ValueError("A cost alert rule needs margin_absolute, margin_relative or both")
        return self

    def describe(self) -> str:
        """The rule in words, e.g. for a report."""
        what = (
            "the lower end of the estimated cost's interval"
            if self.basis == "interval_low"
            else ("the estimated cost")
        )
        return f"alert when {what} per client exceeds the version's holdout cost{_margins(self)}"

    def bound(self, reference_cost: float) -> float:
        bounds = []
        if self.margin_absolute is not None:
            bounds.append(reference_cost + self.margin_absolute)
        if self.margin_relative is not None:
            bounds.append(reference_cost * (1 + self.margin_relative))
        return max(bounds)


class CostAlert(BaseModel):
    """The rule's verdict for one period and model version; ``reason`` says it in words."""

    period: str
    model_version: str | None
    status: Literal["ok", "alert", "unknown"]
    fired: bool
    compared_cost: float | None = Field(
        description="The estimate, or its interval's lower end (the rule's basis)"
    )
    estimated_cost: float | None
    reference_cost: float | None
    bound: float | None
    reason: str


def evaluate_cost_alert(
    estimate: PeriodEstimate, reference_cost: float | None, rule: CostAlertRule
) -> CostAlert:
    """Apply the rule to one period's estimate against the model version's reference (holdout) cost."""
    metric = estimate.estimated_cost
    common = {
        "period": estimate.period,
        "model_version": estimate.model_version,
        "estimated_cost": metric.value,
    }
    if estimate.n_decisions == 0:
        return CostAlert(
            **common,
            status="unknown",
            fired=False,
            compared_cost=None,
            reference_cost=reference_cost,
            bound=None,
            reason=f"{estimate.period}: no decision in this period, nothing to estimate",
        )
    if reference_cost is None or not np.isfinite(reference_cost):
        return CostAlert(
            **common,
            status="unknown",
            fired=False,
            compared_cost=None,
            reference_cost=None,
            bound=None,
            reason=f"no reference cost for model version {estimate.model_version}: the rule cannot apply",
        )
    bound = rule.bound(reference_cost)
    compared = (
        metric.value if rule.basis == "estimate" else (metric.interval.low if metric.interval else None)
    )
    if compared is None:
        why = metric.note or "the estimate has no interval"
        return CostAlert(
            **common,
            status="unknown",
            fired=False,
            compared_cost=None,
            reference_cost=reference_cost,
            bound=bound,
            reason=f"no estimated cost to compare ({why})",
        )
    what = "estimated cost" if rule.basis == "estimate" else "lower end of the estimated cost's interval"
    fired = compared > bound
    verb = "exceeds" if fired else "does not exceed"
    reason = (
        f"{estimate.period}, model version {estimate.model_version}: the {what} per client, {compared:.4f}, "
        f"{verb} the bound {bound:.4f} (reference {reference_cost:.4f}{_margins(rule)})"
    )
    return CostAlert(
        **common,
        status="alert" if fired else "ok",
        fired=fired,
        compared_cost=compared,
        reference_cost=reference_cost,
        bound=bound,
        reason=reason,
    )


def _margins(rule: CostAlertRule) -> str:
    parts = []
    if rule.margin_absolute is not None:
        parts.append(f"+ {rule.margin_absolute:g}")
    if rule.margin_relative is not None:
        parts.append(f"+ {100 * rule.margin_relative:g}%")
    return ", margin " + " and ".join(parts)


def evaluate_cost_alerts(
    estimates: Sequence[PeriodEstimate], reference_costs: dict[str, float], rule: CostAlertRule
) -> list[CostAlert]:
    """The rule applied to every estimate, each against its own model version's reference cost."""
    return [
        evaluate_cost_alert(row, reference_costs.get(row.model_version) if row.model_version else None, rule)
        for row in estimates
    ]
