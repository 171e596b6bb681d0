"""``params:performance`` validated once (conf/base/parameters_performance.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from credit_scoring.monitoring.estimation import CostAlertRule, EstimationSettings
from credit_scoring.monitoring.performance import (
    CostSettings,
    PerformanceSettings,
    Period,
    next_period_start,
    period_start,
)
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


#: ``performance.as_of`` for a replay or a backfill: the end of the period of the latest decision.
END_OF_LAST_PERIOD = "end_of_last_period"


class PerformanceParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: str | None = Field(default=None, description=f"ISO-8601 UTC, null (now) or {END_OF_LAST_PERIOD!r}")
    period: Period
    observation_months: int = Field(ge=1, le=60)
    estimation: EstimationParams
    realised: RealisedParams
    cost_alert: CostAlertRule

    def as_of_moment(self, latest_decision: datetime | None = None) -> datetime:
        """The moment the labels are known at; ``latest_decision`` serves `END_OF_LAST_PERIOD` (now when the
        log is empty)."""
        if self.as_of == END_OF_LAST_PERIOD:
            if latest_decision is None:
                return datetime.now(UTC)
            start = period_start(pd.Series(pd.to_datetime([latest_decision], utc=True)), self.period).iloc[0]
            return next_period_start(start, self.period).to_pydatetime()
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
