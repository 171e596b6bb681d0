"""Realised live performance per model version and period, from a real decision log (SQLite file) and an
outcome drop: a promotion splits a month between two versions, intervals appear only where counts allow, an
empty period is reported as empty, and refused applicants are never given an outcome."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.metrics import roc_auc_score

from credit_scoring.cost import CostWeights, cost_per_client
from credit_scoring.database import create_engine
from credit_scoring.monitoring.outcomes import (
    label_decisions,
    read_decisions,
    read_outcome_csvs,
    validate_outcomes,
)
from credit_scoring.monitoring.performance import (
    CostSettings,
    PerformanceSettings,
    _bootstrap,
    rank_auc,
    realised_performance,
)
from credit_scoring.monitoring.prediction_log import iso_utc
from credit_scoring.project_config import read_config
from credit_scoring.serving.decision_log import DecisionLog
from tests.fixtures.decision_records import decision_record

AS_OF = datetime(2027, 5, 10, tzinfo=UTC)
PROMOTION = datetime(2026, 2, 15, tzinfo=UTC)
THRESHOLD = 0.3
ROOT = Path(__file__).resolve().parents[2]
# the cost weights come from the modelling configuration (10:1), the one source of the cost
COST = CostSettings.model_validate(read_config(ROOT, "parameters", env="base")["modelling"]["cost"])
SETTINGS = PerformanceSettings(cost=COST, min_labelled_for_interval=100, n_resamples=300)


def simulated_stream(rng: np.random.Generator) -> tuple[list, pd.DataFrame]:
    """Version 3 serves from January until the promotion of version 4 on 15 February; 4 serves until
    10 March; nobody applies in April; one late decision in May (its window is still open). Granted loans
    default with their probability; refused applicants get no outcome."""
    records, outcomes = [], []
    moments = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=3 * i) for i in range(560)]
    moments.append(datetime(2026, 5, 20, tzinfo=UTC))
    for i, moment in enumerate(moments):
        probability = float(rng.beta(1.2, 6.0))
        decision = "refused" if probability >= THRESHOLD else "granted"
        request_id = f"req-{i:05d}"
        records.append(
            decision_record(
                request_id,
                iso_utc(moment),
                client_id=100000 + i,
                model_version="3" if moment < PROMOTION else "4",
                probability=probability,
                decision=decision,
                threshold=THRESHOLD,
            )
        )
        if decision == "granted":
            observed = moment + timedelta(days=366)
            outcomes.append((100000 + i, request_id, iso_utc(observed), int(rng.random() < probability)))
    return records, pd.DataFrame(outcomes, columns=["SK_ID_CURR", "request_id", "observed_at", "defaulted"])


@pytest.fixture(scope="module")
def stream(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("performance")
    records, outcomes = simulated_stream(np.random.default_rng(7))
    url = f"sqlite:///{folder}/prediction_log.db"
    assert DecisionLog(url, spool_path=folder / "spool.jsonl").write(records)
    (folder / "outcomes").mkdir()
    outcomes.to_csv(folder / "outcomes" / "2027-01.csv", index=False)
    engine = create_engine(sa.make_url(url))
    try:
        log = read_decisions(engine, AS_OF)
    finally:
        engine.dispose()
    feed = validate_outcomes(read_outcome_csvs(folder / "outcomes"), log)
    assert feed.refused == []
    return label_decisions(log, feed.outcomes, AS_OF, observation_months=12)


def rows_by_key(report) -> dict[tuple[str, str | None], object]:
    return {(row.period, row.model_version): row for row in report.periods}


def test_a_promotion_splits_the_month_between_versions(stream: pd.DataFrame) -> None:
    report = realised_performance(stream, AS_OF, SETTINGS)
    rows = rows_by_key(report)
    assert list(rows) == [
        ("2026-01", "3"), ("2026-02", "3"), ("2026-02", "4"), ("2026-03", "4"), ("2026-04", None),
        ("2026-05", "4"),
    ]  # fmt: skip
    for (period, version), row in rows.items():
        expected = stream[
            (stream["decided_at"].dt.strftime("%Y-%m") == period) & (stream["model_version"] == version)
        ]
        assert row.n_decisions == len(expected)
        assert row.n_granted == int((expected["decision"] == "granted").sum())
        assert row.n_labelled + row.n_open + row.n_awaiting == row.n_granted  # refused: no outcome
        assert row.refused_outcome == "not_observed" and row.labelled_population == "granted_only"
    january = rows["2026-01", "3"]
    assert january.n_decisions == 248 and january.approval_rate == pytest.approx(january.n_granted / 248)
    labelled = stream[
        (stream["decided_at"] < datetime(2026, 2, 1, tzinfo=UTC)) & (stream["label_status"] == "labelled")
    ]
    labels = labelled["defaulted"].to_numpy(dtype=int)
    proba = labelled["probability"].to_numpy()
    assert january.n_labelled == len(labelled) and january.n_defaults == labels.sum()
    assert january.observed_default_rate.value == pytest.approx(labels.mean())
    assert january.auc.value == pytest.approx(roc_auc_score(labels, proba))
    # the cost module's own figure: every labelled loan was granted, so only its defaulters cost
    assert january.cost_per_client.value == pytest.approx(
        cost_per_client(labels, proba, THRESHOLD, CostWeights(10, 1))
    )
    assert (COST.false_negative, COST.false_positive) == (10, 1)
    assert january.cost_per_client.value == pytest.approx(10 * labels.mean())


def test_intervals_only_where_counts_allow(stream: pd.DataFrame) -> None:
    rows = rows_by_key(realised_performance(stream, AS_OF, SETTINGS))
    january, february_v4 = rows["2026-01", "3"], rows["2026-02", "4"]
    assert january.n_labelled >= 100 and february_v4.n_labelled < 100
    for metric in (january.observed_default_rate, january.auc, january.cost_per_client):
        assert metric.interval is not None and metric.note is None
        assert metric.interval.low <= metric.value <= metric.interval.high
        assert metric.interval.n_resamples == 300 and metric.interval.confidence == 0.95
    for metric in (february_v4.observed_default_rate, february_v4.cost_per_client):
        assert metric.value is not None and metric.interval is None
        assert metric.note == "fewer than 100 labelled loans: no interval"
    # May's loan is still within its window: nothing labelled, nothing guessed
    may = rows["2026-05", "4"]
    assert (may.n_decisions, may.n_labelled, may.n_open) == (1, 0, may.n_granted)
    assert may.auc.value is None and may.auc.note == "no labelled loan"
    # the AUC also needs enough of each class
    strict = SETTINGS.model_copy(update={"n_resamples": 50, "min_class_for_auc": 10_000})
    auc = rows_by_key(realised_performance(stream, AS_OF, strict))["2026-01", "3"].auc
    assert auc.value is None and auc.interval is None and "the AUC needs 10000 of each" in auc.note


def test_an_empty_period_is_reported_as_empty(stream: pd.DataFrame) -> None:
    rows = rows_by_key(realised_performance(stream, AS_OF, SETTINGS))
    april = rows["2026-04", None]
    assert (april.n_decisions, april.n_labelled, april.n_open, april.approval_rate) == (0, 0, 0, None)
    assert april.model_version is None and april.cost_per_client.value is None
    assert (april.period_start, april.period_end) == ("2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z")
    # explicit bounds: the end is excluded, and periods without any decision still appear
    report = realised_performance(
        stream, AS_OF, SETTINGS, start=datetime(2025, 12, 5, tzinfo=UTC), end=datetime(2026, 8, 1, tzinfo=UTC)
    )
    assert [row.period for row in report.periods][:2] == ["2025-12", "2026-01"]
    assert [row.period for row in report.periods][-2:] == ["2026-06", "2026-07"]
    nothing = realised_performance(stream.iloc[:0], AS_OF, SETTINGS)
    assert nothing.periods == []


def test_weeks_and_the_report_round_trip(stream: pd.DataFrame) -> None:
    weekly = realised_performance(stream, AS_OF, SETTINGS.model_copy(update={"period": "week"}))
    first = weekly.periods[0]
    # 1 January 2026 is a Thursday of ISO week 1, which starts on Monday 29 December 2025
    assert (first.period, first.period_start) == ("2026-W01", "2025-12-29T00:00:00.000Z")
    assert sum(row.n_decisions for row in weekly.periods) == len(stream)
    assert type(weekly).model_validate_json(weekly.model_dump_json()) == weekly


def test_the_rank_auc_of_resamples_equals_sklearn() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=(5, 60))
    scores = np.round(rng.random((5, 60)), 1)  # ties
    expected = [roc_auc_score(labels[i], scores[i]) for i in range(5)]
    np.testing.assert_allclose(rank_auc(labels, scores), expected)
    assert np.isnan(rank_auc(np.zeros((1, 4), dtype=int), np.arange(4.0)[None, :]))[0]


def test_the_bootstrap_resamples_are_the_rank_aucs_of_the_same_rows() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=40)
    scores = np.round(rng.random(40), 1)  # ties
    costs = rng.random(40)
    settings = SETTINGS.model_copy(update={"n_resamples": 25, "seed": 3})
    rate, auc, cost = _bootstrap(labels, scores, costs, settings)
    rows = np.random.default_rng(3).integers(0, 40, size=(25, 40))  # the same resamples
    np.testing.assert_allclose(auc, rank_auc(labels[rows], scores[rows]))
    np.testing.assert_allclose(rate, labels[rows].mean(axis=1))
    np.testing.assert_allclose(cost, costs[rows].mean(axis=1))


def test_versions_are_ordered_as_numbers() -> None:
    records = [
        decision_record(f"req-{version}", "2026-03-02T00:00:00.000Z", model_version=version)
        for version in ("10", "9", "challenger")
    ]
    log = pd.DataFrame([asdict(record) for record in records])
    empty = pd.DataFrame(columns=["request_id", "observed_at", "defaulted"])
    labelled = label_decisions(log, empty.astype({"observed_at": "datetime64[ns, UTC]"}), AS_OF, 12)
    report = realised_performance(labelled, AS_OF, SETTINGS)
    assert [row.model_version for row in report.periods] == ["challenger", "9", "10"]
    assert all(row.n_awaiting == 1 and row.n_labelled == 0 for row in report.periods)
