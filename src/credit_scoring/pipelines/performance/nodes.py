"""The performance pipeline: the decision log labelled by the outcome feed, the live performance per model
version and period (realised, and estimated before the labels arrive), the drift of each period's inputs, and
the cost alert, in ``08_reporting/performance_summary.json`` (`credit_scoring.records.PerformanceSummary`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from credit_scoring.api.config import load_settings
from credit_scoring.cost import CostWeights
from credit_scoring.monitoring.estimation import (
    CostAlert,
    EstimatedMetric,
    EstimationSettings,
    PeriodEstimate,
    estimate,
    estimate_by_period,
    evaluate_cost_alerts,
)
from credit_scoring.monitoring.outcomes import (
    RawOutcomes,
    label_decisions,
    read_decisions,
    summarize_feed,
    validate_outcomes,
)
from credit_scoring.monitoring.performance import PeriodPerformance, RealisedMetric, realised_performance
from credit_scoring.monitoring.prediction_log import CLIENT_KEY, expand_applications, iso_utc, parse_utc
from credit_scoring.monitoring.stability import (
    StabilityBands,
    characteristic_stability,
    numeric_shares,
    psi_from_shares,
)
from credit_scoring.records import (
    REDUCED_INPUT_JSON,
    Bounds,
    PerformancePeriod,
    PerformanceSummary,
    utc_timestamp,
)
from credit_scoring.registry import client_for
from credit_scoring.serving.description import load_version_metrics

from .params import END_OF_LAST_PERIOD, parse_performance_params

logger = logging.getLogger(__name__)
NON_FIELDS = (CLIENT_KEY, "TARGET")


@dataclass(frozen=True)
class VersionReference:
    """What a model version's live figures are compared with: its holdout cost per client and its holdout
    score deciles (for the score PSI); None with ``problem`` when they cannot be read."""

    reference_cost: float | None
    decile_edges: tuple[float, ...] | None
    decile_shares: tuple[float, ...] | None
    problem: str | None = None


@dataclass(frozen=True)
class LabelledLog:
    """The decisions made before ``as_of``, each with its label status (`label_decisions`), and what the
    outcome feed brought (`credit_scoring.records.OutcomeFeedSummary`)."""

    decisions: pd.DataFrame
    as_of: datetime
    feed: dict[str, Any]


def label_outcomes(
    prediction_log: Any, loan_outcomes: RawOutcomes, performance: Mapping[str, Any]
) -> LabelledLog:
    """Every decision made before ``as_of`` with its label status, and what the outcome feed brought (every
    refused row with its source, line and reason, also logged as a warning)."""
    params = parse_performance_params(performance)
    engine = sa.create_engine(prediction_log.url)
    try:
        if params.as_of == END_OF_LAST_PERIOD:
            everything = read_decisions(engine, datetime(9999, 1, 1, tzinfo=UTC))
            latest = max((parse_utc(t, "created_at") for t in everything["created_at"]), default=None)
            as_of = params.as_of_moment(latest)
        else:
            as_of = params.as_of_moment()
        decisions = read_decisions(engine, as_of)
    finally:
        engine.dispose()
    feed = validate_outcomes(loan_outcomes, decisions)
    for refused in feed.refused[:20]:
        logger.warning(
            "Outcome refused: %s:%d: %s (%s)", refused.source, refused.line, refused.reason, refused.detail
        )
    labelled = label_decisions(decisions, feed.outcomes, as_of, params.observation_months)
    report = summarize_feed(feed, labelled, as_of, params.observation_months)
    sources = sorted({row.source for row in loan_outcomes.rows} | {row.source for row in feed.refused})
    summary = {
        "sources": sources,
        "accepted": report.accepted,
        "refused": report.refused,
        "refused_by_reason": report.refused_by_reason,
        "refused_examples": [
            f"{r.source}:{r.line}: {r.reason} ({r.detail})" for r in report.refused_rows[:20]
        ],
    }
    logger.info(
        "Performance: %d decisions until %s; outcomes: %d accepted, %d refused; "
        "%d labelled, %d open, %d awaiting",
        len(decisions), iso_utc(as_of), report.accepted, report.refused, report.labelled, report.open,
        report.awaiting,
    )  # fmt: skip
    return LabelledLog(labelled, as_of, summary)


def _reference_of(metrics: Any) -> VersionReference:
    bands = metrics.score_bands
    deciles = [row for row in (bands.deciles if bands else []) if row.count and row.upper is not None]
    if len(deciles) < 2:
        edges = shares = None
    else:
        total = sum(row.count for row in deciles)
        edges = tuple(float(row.upper) for row in deciles[:-1])
        shares = tuple(row.count / total for row in deciles)
    return VersionReference(float(metrics.business_cost_per_client), edges, shares)


def model_references(labelled_log: LabelledLog) -> dict[str, VersionReference]:
    """Each served version's holdout cost and score deciles, read from the registry the API serves from."""
    versions = labelled_log.decisions[["model_name", "model_version"]].drop_duplicates()
    if versions.empty:
        return {}
    client = client_for(load_settings({"root": str(Path.cwd())}).tracking_uri())
    references = {}
    for name, version in versions.itertuples(index=False):
        metrics, problem = load_version_metrics(client, str(name), str(version))
        if metrics is None:
            logger.warning("Model version %s: no reference (%s)", version, problem)
            references[str(version)] = VersionReference(None, None, None, problem)
        else:
            references[str(version)] = _reference_of(metrics)
    return references


def _bounds(metric: EstimatedMetric | RealisedMetric) -> Bounds | None:
    interval = metric.interval
    return (
        None
        if interval is None
        else Bounds(low=interval.low, high=interval.high, confidence=interval.confidence)
    )


def _score_psi(probabilities: np.ndarray, reference: VersionReference | None) -> float | None:
    if reference is None or reference.decile_edges is None or probabilities.size == 0:
        return None
    current = numeric_shares(pd.Series(probabilities), np.asarray(reference.decile_edges))
    return psi_from_shares(np.append(reference.decile_shares, 0.0), current)  # no missing probability


def _drift_share(reference: pd.DataFrame, group: pd.DataFrame, drift: Mapping[str, Any]) -> float | None:
    """Share of the application fields whose CSI (period against the training applications) is at least
    moderate; None without an application to compare (records reduced by retention carry none)."""
    logged = group[group["input_json"] != REDUCED_INPUT_JSON]
    if logged.empty:
        return None
    columns = [column for column in reference.columns if column not in NON_FIELDS]
    current = expand_applications(logged, reference[columns].dtypes.to_dict())
    stability = drift["stability"]
    bands = StabilityBands(moderate=stability["moderate"], significant=stability["significant"])
    table = characteristic_stability(reference, current, columns, bins=stability["bins"], bands=bands)
    return float((table["band"] != "stable").mean()) if len(table) else None


def _notes(estimate: PeriodEstimate | None, realised: PeriodPerformance | None, n_refused: int) -> list[str]:
    notes = []
    for metric in (
        *(() if estimate is None else (estimate.estimated_cost, estimate.estimated_auc_granted)),
        *(() if realised is None else (realised.auc, realised.cost_per_client)),
    ):
        if metric.note and metric.note not in notes:
            notes.append(metric.note)
    if n_refused:
        notes.append(f"{n_refused} refused applicant(s): no loan, so no outcome is ever observed for them")
    return notes


def _against_estimate(
    group: pd.DataFrame, realised: PeriodPerformance, weights: CostWeights, settings: EstimationSettings
) -> dict[str, Any]:
    """The estimate on exactly the labelled loans of ``group`` and where the realised cost falls against its
    interval (nothing without a realised cost or an interval)."""
    labelled = group[group["label_status"] == "labelled"]
    value = realised.cost_per_client.value
    if labelled.empty or value is None:
        return {}
    figures = estimate(
        labelled["probability"].to_numpy(dtype=float),
        labelled["threshold"].to_numpy(dtype=float),
        weights,
        settings,
    )
    bounds = _bounds(figures["estimated_cost_granted"])
    if bounds is None:
        return {}
    position = "above" if value > bounds.high else ("below" if value < bounds.low else "within")
    return {"estimated_cost_labelled_interval": bounds, "realised_vs_estimate": position}


def _period_row(
    estimate: PeriodEstimate | None,
    realised: PeriodPerformance,
    alert: CostAlert | None,
    *,
    score_psi: float | None,
    drift_share: float | None,
    against_estimate: Mapping[str, Any],
) -> PerformancePeriod:
    alert_fields = (
        {"status": "unknown", "bound": None, "reference_cost": None, "reason": "no decision in this period"}
        if alert is None
        else {
            "status": alert.status,
            "bound": alert.bound,
            "reference_cost": alert.reference_cost,
            "reason": alert.reason,
        }
    )
    e = estimate
    return PerformancePeriod(
        period=realised.period,
        period_start=realised.period_start,
        period_end=realised.period_end,
        model_name=realised.model_name,
        model_version=realised.model_version,
        n_decisions=realised.n_decisions,
        n_granted=realised.n_granted,
        n_refused=realised.n_refused,
        approval_rate=realised.approval_rate,
        estimated_cost=e.estimated_cost.value if e else None,
        estimated_cost_interval=_bounds(e.estimated_cost) if e else None,
        estimated_auc=e.estimated_auc.value if e else None,
        estimated_auc_interval=_bounds(e.estimated_auc) if e else None,
        estimated_default_rate_granted=e.estimated_default_rate_granted.value if e else None,
        estimated_cost_granted=e.estimated_cost_granted.value if e else None,
        estimated_cost_granted_interval=_bounds(e.estimated_cost_granted) if e else None,
        estimated_auc_granted=e.estimated_auc_granted.value if e else None,
        estimated_auc_granted_interval=_bounds(e.estimated_auc_granted) if e else None,
        n_labelled=realised.n_labelled,
        n_open=realised.n_open,
        n_awaiting=realised.n_awaiting,
        n_defaults=realised.n_defaults,
        observed_default_rate=realised.observed_default_rate.value,
        observed_default_rate_interval=_bounds(realised.observed_default_rate),
        realised_auc=realised.auc.value,
        realised_auc_interval=_bounds(realised.auc),
        realised_cost=realised.cost_per_client.value,
        realised_cost_interval=_bounds(realised.cost_per_client),
        score_psi=score_psi,
        drift_share=drift_share,
        alert=alert_fields,
        notes=_notes(e, realised, realised.n_refused),
        **against_estimate,
    )


def summarize_performance(
    *,
    labelled_log: LabelledLog,
    model_references: Mapping[str, VersionReference],
    staged_application_train: Any,
    performance: Mapping[str, Any],
    cost: Mapping[str, Any],
    drift: Mapping[str, Any],
    prediction_log: Any,
) -> tuple[dict[str, Any], str]:
    """The performance summary (validated) and the fired alerts as JSON lines (empty when none fired)."""
    params = parse_performance_params(performance)
    labelled_decisions, as_of = labelled_log.decisions, labelled_log.as_of
    weights = CostWeights(false_negative=cost["false_negative"], false_positive=cost["false_positive"])
    decisions = labelled_decisions.assign(timestamp=labelled_decisions["decided_at"])
    estimates = estimate_by_period(decisions, weights, params.estimation_settings())
    references = {version: ref.reference_cost for version, ref in model_references.items()}
    alerts = evaluate_cost_alerts(
        estimates, {v: c for v, c in references.items() if c is not None}, params.cost_alert
    )
    by_key = {(e.period, e.model_version): (e, a) for e, a in zip(estimates, alerts, strict=True)}
    report = realised_performance(labelled_decisions, as_of, params.realised_settings(cost))
    reference_fields = (
        staged_application_train
        if isinstance(staged_application_train, pd.DataFrame)
        else staged_application_train.to_pandas()
    )
    starts = pd.to_datetime(labelled_decisions["decided_at"], utc=True)
    rows = []
    for realised in report.periods:
        period_estimate, alert = by_key.get((realised.period, realised.model_version), (None, None))
        in_group = (
            (starts >= pd.Timestamp(realised.period_start))
            & (starts < pd.Timestamp(realised.period_end))
            & (labelled_decisions["model_version"].astype(str) == str(realised.model_version))
        )
        group = labelled_decisions[in_group.to_numpy()]
        psi = _score_psi(
            group["probability"].to_numpy(dtype=float), model_references.get(str(realised.model_version))
        )
        share = _drift_share(reference_fields, group, drift) if len(group) else None
        against = _against_estimate(group, realised, weights, params.estimation_settings())
        rows.append(
            _period_row(
                period_estimate, realised, alert, score_psi=psi, drift_share=share, against_estimate=against
            )
        )
    fired = _fired_alerts(rows)
    statuses = {row.alert.status for row in rows}
    status = "alert" if fired else ("ok" if "ok" in statuses else "unknown")
    summary = PerformanceSummary(
        generated_at=utc_timestamp(),
        as_of=iso_utc(as_of),
        source=describe_source(prediction_log),
        period=params.period,
        observation_months=params.observation_months,
        cost_false_negative=weights.false_negative,
        cost_false_positive=weights.false_positive,
        alert_rule=params.cost_alert.describe(),
        status=status,
        outcomes=labelled_log.feed,
        periods=rows,
    )
    lines = "".join(json.dumps({"generated_at": summary.generated_at, **alert}) + "\n" for alert in fired)
    return summary.model_dump(mode="json"), lines


def _fired_alerts(rows: list[PerformancePeriod]) -> list[dict[str, Any]]:
    """The estimated cost rule where it fired, and every period whose realised cost lies above the
    estimate's interval (each logged as a warning)."""
    fired = []
    for row in rows:
        where = {"period": row.period, "model_version": row.model_version}
        if row.alert.status == "alert":
            fired.append({**where, "alert": "estimated_cost", "reason": row.alert.reason})
        if row.realised_vs_estimate == "above":
            interval = row.estimated_cost_labelled_interval
            assert interval is not None and row.realised_cost is not None
            fired.append(
                {
                    **where,
                    "alert": "realised_above_estimate",
                    "reason": f"{row.period}, model version {row.model_version}: the realised cost per "
                    f"labelled loan, {row.realised_cost:.4f}, lies above the estimate's interval "
                    f"[{interval.low:.4f}, {interval.high:.4f}]: these profiles default more often than "
                    "the model says (recalibrate or retrain)",
                }
            )
    for alert in fired:
        logger.warning("Performance alert: %s", alert["reason"])
    return fired


def describe_source(prediction_log: Any) -> str:
    """The decision log's database, password hidden."""
    return f"decision log {sa.make_url(prediction_log.url).render_as_string(hide_password=True)}"
