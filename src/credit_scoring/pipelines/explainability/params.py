"""Typed parameters of the explainability pipeline (``conf/base/parameters_explainability.yml``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ExplainabilityParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id_column: str = "SK_ID_CURR"
    target: str = "TARGET"
    #: Holdout rows behind the global importance and the figures (all of them when the holdout is smaller).
    global_sample_size: int = Field(20_000, ge=10)
    #: Reasons stored per client and direction (raising, lowering) in client_explanations.
    reasons_per_direction: int = Field(5, ge=1)
    bar_top_features: int = Field(20, ge=1)
    beeswarm_top_features: int = Field(15, ge=1)
    dependence_top_features: int = Field(6, ge=1)
    #: Equal-width bins of the probability of default in the error analysis.
    score_bins: int = Field(20, ge=2)
    #: Half-width of the band around the threshold where decisions are "close calls".
    threshold_margin: float = Field(0.05, gt=0.0, lt=0.5)
    #: Features whose mean contribution is compared between correct and wrong decisions.
    error_driver_features: int = Field(10, ge=1)


def parse_params(raw: Any) -> ExplainabilityParams:
    """Validate the ``explainability`` parameter block; the error names the file and the key."""
    if isinstance(raw, ExplainabilityParams):
        return raw
    try:
        return ExplainabilityParams.model_validate(raw)
    except Exception as error:
        raise ValueError(
            f"Invalid parameters in 'explainability' (parameters_explainability.yml): {error}"
        ) from error
