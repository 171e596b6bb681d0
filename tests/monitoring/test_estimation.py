"""CBPE: expected cost and AUC from calibrated probabilities, their interval, per period, the alert rule."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from credit_scoring.cost import CostWeights, cost_per_client
from credit_scoring.monitoring.estimation import (
    CostAlertRule,
    EstimationSettings,
    _auc_of_draws,
    estimate,
    estimate_by_period,
    evaluate_cost_alert,
    evaluate_cost_alerts,
    expected_auc,
    expected_confusion,
    expected_cost_per_client,
    sample_realised_metrics,
)

WEIGHTS = CostWeights(false_negative=10.0, false_positive=1.0)
THRESHOLD = 0.09


def _population(rng: np.random.Generator, n: int, a: float = 2.0, b: float = 20.0) -> np.ndarray:
    return rng.beta(a, b, size=n)


def _decisions(
    proba: np.ndarray, start: str, version: str = "3", threshold: float = THRESHOLD
) -> pd.DataFrame:
    moments = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.arange(proba.size) % 27, unit="D")
    return pd.DataFrame(
        {"timestamp": moments, "model_version": version, "probability": proba, "threshold": threshold}
    )


def test_expected_confusion_sums_probabilities_on_each_side_of_the_threshold():
    counts = expected_confusion([0.1, 0.5, 0.8, 0.02], 0.3)
    assert counts.tp == pytest.approx(1.3)
    assert counts.fp == pytest.approx(0.7)
    assert counts.fn == pytest.approx(0.12)
    assert counts.tn == pytest.approx(1.88)
    assert expected_cost_per_client([0.1, 0.5, 0.8, 0.02], 0.3, WEIGHTS) == pytest.approx(
        (10 * 0.12 + 0.7) / 4
    )


def test_expected_auc_equals_the_pairwise_definition_with_ties():
    rng = np.random.default_rng(1)
    proba = np.round(rng.random(40), 1)  # many ties
    numerator = denominator = 0.0
    for i, j in itertools.permutations(range(proba.size), 2):
        weight = proba[i] * (1 - proba[j])
        denominator += weight
        numerator += weight * (1.0 if proba[i] > proba[j] else 0.5 if proba[i] == proba[j] else 0.0)
    assert expected_auc(proba) == pytest.approx(numerator / denominator)


def test_expected_auc_is_close_to_the_mean_auc_of_drawn_labels():
    rng = np.random.default_rng(2)
    proba = _population(rng, 3000)
    drawn = sample_realised_metrics(proba, THRESHOLD, WEIGHTS, n_draws=300, seed=3)
    assert np.nanmean(drawn["auc"]) == pytest.approx(expected_auc(proba), abs=0.005)
    assert np.mean(drawn["cost"]) == pytest.approx(
        expected_cost_per_client(proba, THRESHOLD, WEIGHTS), rel=0.02
    )
    # the drawn AUC is the sklearn AUC of the drawn labels
    labels = (np.random.default_rng(4).random(proba.size) < proba).astype(int)
    assert _auc_of_draws(labels[None, :].astype(float), rankdata(proba))[0] == pytest.approx(
        roc_auc_score(labels, proba)
    )


def _realised_within(seed: int, n: int = 2000) -> tuple[bool, bool]:
    rng = np.random.default_rng(seed)
    proba = _population(rng, n)
    labels = (rng.random(n) < proba).astype(int)
    figures = estimate(proba, THRESHOLD, WEIGHTS, EstimationSettings(n_draws=200, seed=seed + 1000))
    cost, auc = figures["estimated_cost"], figures["estimated_auc"]
    realised_cost = cost_per_client(labels, proba, THRESHOLD, WEIGHTS)
    realised_auc = roc_auc_score(labels, proba)
    return (
        cost.interval.low <= realised_cost <= cost.interval.high,
        auc.interval.low <= realised_auc <= auc.interval.high,
    )


def test_realised_cost_and_auc_fall_within_the_interval_on_a_fixed_seed():
    assert _realised_within(seed=7) == (True, True)


def test_realised_cost_and_auc_fall_within_the_95_interval_in_most_seeds():
    hits = np.array([_realised_within(seed) for seed in range(50)])
    cost_rate, auc_rate = hits.mean(axis=0)
    assert cost_rate >= 0.86, cost_rate
    assert auc_rate >= 0.86, auc_rate


def test_a_shifted_population_raises_the_estimated_cost_before_any_label():
    rng = np.random.default_rng(5)
    before = _decisions(_population(rng, 3000), "2027-01-01")
    after = _decisions(_population(rng, 3000, a=2.0, b=10.0), "2027-02-01")  # more high probabilities
    rows = estimate_by_period(pd.concat([before, after]), WEIGHTS, EstimationSettings(n_draws=200))
    assert [row.period for row in rows] == ["2027-01", "2027-02"]
    january, february = rows
    assert february.estimated_cost.value > january.estimated_cost.value
    # beyond what labels drawn from January's probabilities could give
    assert february.estimated_cost.value > january.estimated_cost.interval.high
    assert february.approval_rate < january.approval_rate
    assert february.estimated_default_rate_granted.value > january.estimated_default_rate_granted.value


def test_estimates_are_split_per_model_version_and_gaps_are_visible():
    rng = np.random.default_rng(6)
    frame = pd.concat(
        [
            _decisions(_population(rng, 500), "2027-01-01", version="10"),
            _decisions(_population(rng, 300), "2027-01-01", version="9", threshold=0.2),
            _decisions(_population(rng, 200), "2027-03-01", version="10"),
        ]
    )
    frame["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # the log's text format
    rows = estimate_by_period(frame, WEIGHTS, EstimationSettings(n_draws=50))
    assert [(row.period, row.model_version, row.n_decisions) for row in rows] == [
        ("2027-01", "9", 300),
        ("2027-01", "10", 500),
        ("2027-02", None, 0),
        ("2027-03", "10", 200),
    ]
    gap = rows[2]
    assert gap.estimated_cost.value is None and gap.estimated_cost.note == "no decision in this period"
    assert gap.approval_rate is None and gap.expected_confusion is None
    assert gap.period_start == "2027-02-01T00:00:00Z" and gap.period_end == "2027-03-01T00:00:00Z"
    assert rows[0].n_granted + rows[0].n_refused == 300


def test_weekly_periods_are_iso_weeks():
    frame = _decisions(np.array([0.05, 0.5]), "2027-01-04")  # a Monday
    rows = estimate_by_period(frame, WEIGHTS, EstimationSettings(period="week", n_draws=20))
    assert rows[0].period == "2027-W01" and rows[0].period_end == "2027-01-11T00:00:00Z"


def test_empty_frame_gives_no_rows_and_empty_group_gives_clear_nulls():
    assert estimate_by_period(_decisions(np.array([]), "2027-01-01"), WEIGHTS) == []
    figures = estimate(np.array([]), THRESHOLD, WEIGHTS, EstimationSettings())
    assert figures["expected_confusion"] is None
    assert all(
        figures[key].value is None and figures[key].note for key in figures if key != "expected_confusion"
    )


@pytest.mark.parametrize("value, word", [(0.0, "probability 0"), (1.0, "probability 1")])
def test_single_class_probabilities_give_no_auc_with_a_reason(value, word):
    figures = estimate(np.full(50, value), 0.5, WEIGHTS, EstimationSettings(n_draws=20))
    assert figures["estimated_auc"].value is None
    assert word in figures["estimated_auc"].note
    assert figures["estimated_cost"].value is not None  # the cost is still defined


def test_a_single_decision_and_all_refused_give_reasons_not_crashes():
    single = estimate(np.array([0.3]), THRESHOLD, WEIGHTS, EstimationSettings(n_draws=20))
    assert single["estimated_auc"].value is None and "fewer than two" in single["estimated_auc"].note
    refused = estimate(np.array([0.3, 0.6, 0.9]), THRESHOLD, WEIGHTS, EstimationSettings(n_draws=20))
    assert refused["estimated_default_rate_granted"].value is None
    assert "every applicant was refused" in refused["estimated_cost_granted"].note
    assert refused["estimated_auc"].value is not None


def test_few_decisions_give_an_estimate_without_an_auc_interval_when_draws_are_one_class():
    figures = estimate(np.array([0.01, 0.02]), THRESHOLD, WEIGHTS, EstimationSettings(n_draws=100))
    assert figures["estimated_auc"].value is not None
    assert figures["estimated_auc"].interval is None and "too few" in figures["estimated_auc"].note


def test_bad_decisions_are_refused_with_the_columns_or_rows():
    with pytest.raises(ValueError, match=r"lacks the columns \['threshold'\]"):
        estimate_by_period(_decisions(np.array([0.1]), "2027-01-01").drop(columns="threshold"), WEIGHTS)
    bad = _decisions(np.array([0.1, 1.5]), "2027-01-01")
    with pytest.raises(ValueError, match=r"1 decision\(s\).*first rows: \[1\]"):
        estimate_by_period(bad, WEIGHTS)


def test_the_draws_are_seeded():
    proba = _population(np.random.default_rng(8), 500)
    first = sample_realised_metrics(proba, THRESHOLD, WEIGHTS, n_draws=30, seed=11)
    again = sample_realised_metrics(proba, THRESHOLD, WEIGHTS, n_draws=30, seed=11)
    np.testing.assert_array_equal(first["cost"], again["cost"])


# --- the alert rule --------------------------------------------------------------------------------------


def _row(values: np.ndarray, n_draws: int = 200):
    settings = EstimationSettings(n_draws=n_draws)
    return estimate_by_period(_decisions(values, "2027-05-01"), WEIGHTS, settings)[0]


def test_the_alert_fires_only_above_the_margin():
    row = _row(_population(np.random.default_rng(9), 2000))
    cost = row.estimated_cost.value
    rule = CostAlertRule(margin_absolute=0.05)
    below = evaluate_cost_alert(row, reference_cost=cost - 0.04, rule=rule)
    above = evaluate_cost_alert(row, reference_cost=cost - 0.06, rule=rule)
    assert (below.fired, below.status) == (False, "ok")
    assert (above.fired, above.status) == (True, "alert")
    assert "exceeds the bound" in above.reason and "does not exceed" in below.reason
    assert above.bound == pytest.approx(cost - 0.01)


def test_relative_and_both_margins():
    row = _row(_population(np.random.default_rng(10), 2000))
    cost = row.estimated_cost.value
    relative = CostAlertRule(margin_relative=0.10)
    assert evaluate_cost_alert(row, cost / 1.05, relative).fired is False
    assert evaluate_cost_alert(row, cost / 1.15, relative).fired is True
    both = CostAlertRule(margin_absolute=0.5, margin_relative=0.10)  # the absolute bound is the larger here
    assert evaluate_cost_alert(row, cost / 1.15, both).fired is False
    assert "+ 0.5 and + 10%" in evaluate_cost_alert(row, cost / 1.15, both).reason


def test_the_interval_basis_waits_for_the_excess_to_beat_the_noise():
    row = _row(_population(np.random.default_rng(12), 300))
    reference = row.estimated_cost.value - 0.02
    rule = CostAlertRule(margin_absolute=0.0)
    assert evaluate_cost_alert(row, reference, rule).fired is True
    cautious = evaluate_cost_alert(row, reference, CostAlertRule(margin_absolute=0.0, basis="interval_low"))
    assert cautious.fired is False and cautious.compared_cost == pytest.approx(
        row.estimated_cost.interval.low
    )


def test_missing_reference_or_empty_period_is_unknown_not_a_crash():
    rows = estimate_by_period(
        pd.concat(
            [_decisions(np.array([0.05, 0.2]), "2027-01-01"), _decisions(np.array([0.05]), "2027-03-01", "4")]
        ),
        WEIGHTS,
        EstimationSettings(n_draws=20),
    )
    alerts = evaluate_cost_alerts(rows, {"3": 1.0}, CostAlertRule(margin_relative=0.1))
    assert [alert.status for alert in alerts] == ["ok", "unknown", "unknown"]
    assert "no decision in this period" in alerts[1].reason
    assert "no reference cost for model version 4:" in alerts[2].reason


def test_a_rule_needs_a_margin():
    with pytest.raises(ValidationError, match="needs margin_absolute, margin_relative or both"):
        CostAlertRule()
    with pytest.raises(ValidationError):
        CostAlertRule(margin_absolute=-1)
