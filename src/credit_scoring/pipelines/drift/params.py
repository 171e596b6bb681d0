"""Typed parameters of the drift pipeline (``conf/base/parameters_drift.yml``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from credit_scoring.monitoring.alerts import AlertRule, parse_rules


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogWindow(StrictModel):
    """Window of the prediction log: [start, end) in ISO-8601 UTC, or the last_days before end (or now)."""

    start: str | None = None
    end: str | None = None
    last_days: float | None = Field(7.0, gt=0)
    endpoint: str | None = None
    model_name: str | None = None
    model_version: str | None = None


class CurrentData(StrictModel):
    source: Literal["application_test", "prediction_log"] = "application_test"
    prediction_log: LogWindow = LogWindow()


class Sampling(StrictModel):
    """Rows compared by the Evidently report (null = all); PSI and CSI always use every row."""

    report_reference_rows: int | None = Field(20_000, gt=0)
    report_current_rows: int | None = Field(20_000, gt=0)


class EvidentlySettings(StrictModel):
    drift_share: float = Field(0.5, gt=0, le=1)
    num_method: str | None = None
    cat_method: str | None = None
    threshold: float | None = None
    missing_share_threshold: float = Field(0.1, gt=0, le=1)


class StabilitySettings(StrictModel):
    bins: int = Field(10, ge=2)
    moderate: float = 0.1
    significant: float = 0.25


class DriftParams(StrictModel):
    current: CurrentData = CurrentData()
    sampling: Sampling = Sampling()
    top_features: int = Field(20, ge=1)
    evidently: EvidentlySettings = EvidentlySettings()
    stability: StabilitySettings = StabilitySettings()
    retrain_importance: float = Field(0.3, gt=0, le=1)
    retune_importance: float = Field(0.1, gt=0, le=1)
    alert_rules: list[dict[str, Any]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules_are_valid(self) -> DriftParams:
        parse_rules(self.alert_rules)
        return self

    @property
    def rules(self) -> list[AlertRule]:
        return parse_rules(self.alert_rules)


def parse_drift_params(params: dict[str, Any]) -> DriftParams:
    """Validated parameters; the error names the offending key under ``drift``."""
    try:
        return DriftParams(**params)
    except ValueError as error:
        raise ValueError(f"Invalid drift parameters: {error}") from None
