"""``params:performance`` validated once (conf/base/parameters_performance.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from credit_scoring.monitoring.estimation import CostAlertRule, EstimationSettings
from credit_scoring.monitoring.performance import CostSettings, PerformanceSettings, Period
from credit_scoring.monitoring.prediction_log import parse_utc


class RealisedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_labelled_for_interval: int = Field(ge=2)
    min_class_for_auc: int = Field(ge=1)
    n_resamples: int = Field(ge=1)
    confidence: float = Field(gt=0, lt=1)
    seed: int


class EstimationParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_draws: int = Field(ge=10)
    confidence: float = Field(gt=0, lt=1)
    seed: int


class PerformanceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: str | None = None
    period: Period
    observation_months: int = Field(ge=1, le=60)
    estimation: EstimationParams
    realised: RealisedParams
    cost_alert: CostAlertRule

    def as_of_moment(self) -> datetime:
        return parse_utc(self.as_of, "performance.as_of") if self.as_of else datetime.now(UTC)

    def estimation_settings(self) -> EstimationSettings:
        return EstimationSettings(period=self.period, **self.estimation.model_dump())

    def realised_settings(self, cost: Mapping[str, Any]) -> PerformanceSettings:
        return PerformanceSettings(
            cost=CostSettings.model_validate(dict(cost)), period=self.period, **self.realised.model_dump()
        )


def parse_performance_params(params: Mapping[str, Any]) -> PerformanceParams:
    try:
        return PerformanceParams.model_validate(dict(params))
    except ValueError as error:
        raise ValueError(
            f"Invalid performance parameters (conf/base/parameters_performance.yml):\n{error}"
        ) from None
