"""Alert rules from parameters, the run status, alert records, the recommended action and its text."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from credit_scoring.monitoring.alerts import alert_records, evaluate_rules, parse_rules, status_of
from credit_scoring.monitoring.interpretation import (
    KEEP_MONITORING,
    RETRAIN,
    RETUNE_THRESHOLD,
    interpret,
    recommended_action,
)

RULES = [
    {"name": "score_psi_significant", "metric": "score_psi", "above": 0.25, "severity": "alert"},
    {"name": "score_psi_moderate", "metric": "score_psi", "above": 0.1, "severity": "warn"},
    {"name": "too_few_rows", "metric": "current_rows", "below": 500, "severity": "warn"},
]


def test_status_is_the_worst_fired_severity() -> None:
    rules = parse_rules(RULES)
    assert status_of(evaluate_rules({"score_psi": 0.05, "current_rows": 1000}, rules)) == "ok"
    assert status_of(evaluate_rules({"score_psi": 0.15, "current_rows": 1000}, rules)) == "warn"
    fired = evaluate_rules({"score_psi": 0.4, "current_rows": 100}, rules)
    assert [rule["rule"] for rule in fired] == ["score_psi_significant", "score_psi_moderate", "too_few_rows"]
    assert status_of(fired) == "alert"
    records = alert_records(fired, {"generated_at": "2026-12-02T04:00:00+00:00"})
    assert [(r["rule"], r["value"], r["generated_at"]) for r in records] == [
        ("score_psi_significant", 0.4, "2026-12-02T04:00:00+00:00")
    ]
    assert evaluate_rules({"score_psi": None}, rules) == []  # a metric that could not be computed never fires


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"name": "x", "metric": "score_psi"}, "exactly one of 'above' or 'below'"),
        ({"name": "x", "metric": "score_psi", "above": 1, "below": 0}, "exactly one of 'above' or 'below'"),
        ({"name": "x", "metric": "auc", "above": 1}, "unknown metric 'auc'"),
        ({"name": "x", "metric": "score_psi", "above": 1, "severity": "panic"}, "severity"),
    ],
)
def test_invalid_rules_are_named(rule: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_rules([rule])


def test_duplicated_rule_names_are_refused() -> None:
    with pytest.raises(ValueError, match="Duplicated alert rule names"):
        parse_rules([RULES[0], RULES[0]])


@pytest.mark.parametrize(
    ("psi", "weight", "action"),
    [
        (0.02, 0.0, KEEP_MONITORING),
        (0.15, 0.0, RETUNE_THRESHOLD),
        (0.02, 0.05, KEEP_MONITORING),
        (0.02, 0.15, RETUNE_THRESHOLD),
        (0.3, 0.0, RETRAIN),
        (0.02, 0.4, RETRAIN),
    ],
)
def test_recommended_action(psi: float, weight: float, action: str) -> None:
    assert recommended_action({"score_psi": psi, "top_features_drifted_importance": weight}) == action


def test_interpretation_names_drifted_features_by_importance() -> None:
    column = {"method": "Wasserstein distance (normed)", "threshold": 0.1, "missing_share_reference": 0.0}
    summary = {
        "status": "alert",
        "dataset_drift": False,
        "metrics": {
            "number_of_drifted_columns": 2,
            "number_of_columns": 10,
            "share_of_drifted_columns": 0.2,
            "top_features_drifted_importance": 0.45,
            "top_features_drifted_share": 0.1,
            "top_features": 20,
            "score_psi": 0.3,
            "score_psi_band": "significant",
            "score_mean_reference": 0.08,
            "score_mean_current": 0.14,
        },
        "columns": [
            {
                **column,
                "column": "EXT_SOURCE_3",
                "drifted": True,
                "score": 0.4,
                "importance_share": 0.3,
                "missing_share_current": 0.9,
            },
            {
                **column,
                "column": "AMT_CREDIT",
                "drifted": True,
                "score": 0.2,
                "importance_share": 0.15,
                "missing_share_current": 0.0,
            },
            {
                **column,
                "column": "FLAG_MOBIL",
                "drifted": False,
                "score": 0.0,
                "importance_share": 0.0,
                "missing_share_current": 0.0,
            },
        ],
        "fired_rules": [
            {
                "rule": "score_psi_significant",
                "severity": "alert",
                "condition": "score_psi > 0.25",
                "value": 0.3,
            }
        ],
        "recommended_action": RETRAIN,
    }
    text = interpret(summary)
    assert text.index("EXT_SOURCE_3") < text.index("AMT_CREDIT")
    assert "45% of the model's importance" in text
    assert "Missing values rose sharply for EXT_SOURCE_3" in text
    assert "PSI 0.300 (significant)" in text and "Retrain" in text
