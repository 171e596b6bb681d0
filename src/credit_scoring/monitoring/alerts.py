"""Alert rules over the drift metrics: which fired, the resulting status, and the alert records to send.

A rule compares one metric of the drift summary with a bound (``above`` or ``below``) and carries a severity,
``warn`` or ``alert``. The status of a run is the worst severity among the rules that fired (``ok`` if none).
Every fired rule of severity ``alert`` becomes one alert record (alerts log, warning, webhook).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

Severity = Literal["warn", "alert"]
STATUSES = ("ok", "warn", "alert")

#: Metrics a rule can test (keys of the drift summary's ``metrics`` block).
RULE_METRICS = (
    "share_of_drifted_columns",
    "number_of_drifted_columns",
    "top_features_drifted_share",
    "top_features_drifted_importance",
    "score_psi",
    "max_top_feature_csi",
    "current_rows",
)


class AlertRule(BaseModel):
    """``metric`` above (or below) a bound; e.g. score_psi above 0.25 is an alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    metric: str
    above: float | None = None
    below: float | None = None
    severity: Severity = "alert"
    description: str = ""

    @model_validator(mode="after")
    def _one_bound_known_metric(self) -> AlertRule:
        if (self.above is None) == (self.below is None):
            raise ValueError(f"Alert rule {self.name!r}: give exactly one of 'above' or 'below'")
        if self.metric not in RULE_METRICS:
            raise ValueError(
                f"Alert rule {self.name!r}: unknown metric {self.metric!r}; known: {RULE_METRICS}"
            )
        return self

    def fires(self, value: float | None) -> bool:
        if value is None:
            return False
        return value > self.above if self.above is not None else value < self.below  # type: ignore[operator]

    @property
    def condition(self) -> str:
        return f"{self.metric} > {self.above}" if self.above is not None else f"{self.metric} < {self.below}"


def parse_rules(rules: list[Mapping[str, Any]]) -> list[AlertRule]:
    """Validate the rules of the parameters; duplicated names are refused (they name the alerts)."""
    parsed = [AlertRule(**rule) for rule in rules]
    names = [rule.name for rule in parsed]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"Duplicated alert rule names: {duplicated}")
    return parsed


def evaluate_rules(metrics: Mapping[str, float | None], rules: list[AlertRule]) -> list[dict[str, Any]]:
    """The rules that fired, each with its metric value, condition and severity."""
    return [
        {
            "rule": rule.name,
            "severity": rule.severity,
            "metric": rule.metric,
            "value": metrics.get(rule.metric),
            "condition": rule.condition,
            "description": rule.description,
        }
        for rule in rules
        if rule.fires(metrics.get(rule.metric))
    ]


def status_of(fired: list[Mapping[str, Any]]) -> str:
    """``ok``, ``warn`` or ``alert``: the worst severity that fired."""
    return max((rule["severity"] for rule in fired), key=STATUSES.index, default="ok")


def alert_records(fired: list[Mapping[str, Any]], context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One record per fired ``alert`` rule, with the run's context (time, data, model, verdict)."""
    return [{**context, **rule} for rule in fired if rule["severity"] == "alert"]
