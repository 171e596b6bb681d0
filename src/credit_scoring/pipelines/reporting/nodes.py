"""Nodes of the reporting pipeline: the run's datasets in, Markdown and HTML documents out (pure)."""

# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from credit_scoring.cost import CostWeights
from credit_scoring.reporting.documents import markdown_to_html, render
from credit_scoring.reporting.fairness import age_band, group_metrics
from credit_scoring.serving.model import CreditScoringModel

#: Columns of model_comparison.csv shown in the documents' results table, in this order.
COMPARISON_COLUMNS = (
    "model_name",
    "cv_auc",
    "cv_auc_std",
    "cv_business_cost_per_client",
    "threshold",
    "holdout_auc",
    "holdout_business_cost_per_client",
    "holdout_business_cost_at_0_5",
)


class ReportingParams(BaseModel):
    """``reporting`` in parameters_reporting.yml."""

    gender_column: str = "CODE_GENDER"
    age_column: str = "AGE_YEARS"
    age_band_edges: list[float] = Field(default=[18, 30, 40, 50, 60, 120], min_length=3)
    top_features: int = Field(default=10, ge=1)


def fairness_report(
    model_bundle: CreditScoringModel,
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    reporting: dict[str, Any],
) -> pd.DataFrame:
    """Approval and error rates of the model's decisions on the holdout, by gender and by age band."""
    settings = ReportingParams.model_validate(reporting)
    target = split["target"]
    for column in (target, settings.gender_column, settings.age_column):
        if column not in holdout_table.columns:
            raise ValueError(f"The holdout table has no column {column!r}, needed for the fairness report")
    weights = CostWeights(**cost)
    y_true = holdout_table[target].to_numpy(dtype=np.int64)
    proba = model_bundle.predict_proba(holdout_table)
    groups = {
        "gender": holdout_table[settings.gender_column],
        "age band": age_band(holdout_table[settings.age_column], settings.age_band_edges),
    }
    return pd.concat(
        [
            group_metrics(y_true, proba, model_bundle.threshold, values, attribute=attribute, weights=weights)
            for attribute, values in groups.items()
        ],
        ignore_index=True,
    )


def _results_table(model_comparison: pd.DataFrame) -> pd.DataFrame:
    columns = [column for column in COMPARISON_COLUMNS if column in model_comparison.columns]
    return model_comparison.loc[:, columns]


def _context(
    model_metrics: dict[str, Any],
    model_comparison: pd.DataFrame,
    promotion_decision: dict[str, Any],
    fairness: pd.DataFrame,
    modelling: dict[str, Any],
    reporting: dict[str, Any],
) -> dict[str, Any]:
    settings = ReportingParams.model_validate(reporting)
    return {
        "metrics": model_metrics,
        "results": _results_table(model_comparison),
        "selected": model_comparison.loc[model_comparison["selected"].astype(bool), "model_name"].tolist(),
        "promotion": promotion_decision,
        "fairness": fairness,
        "modelling": modelling,
        "top_features": settings.top_features,
    }


def _document(template: str, title: str, *run_datasets: Any) -> tuple[str, str]:
    text = render(template, **_context(*run_datasets))
    return text, markdown_to_html(text, title)


def methodology_note(*run_datasets: Any) -> tuple[str, str]:
    """The methodology note, as Markdown and as a self-contained HTML page.

    Inputs, in the pipeline's order: model_metrics, model_comparison, promotion_decision, fairness_report,
    params:modelling, params:reporting.
    """
    return _document("methodology.md.j2", "Credit scoring: methodology note", *run_datasets)


def model_card(*run_datasets: Any) -> tuple[str, str]:
    """The model card, as Markdown and as a self-contained HTML page (inputs as `methodology_note`)."""
    return _document("model_card.md.j2", "Credit scoring: model card", *run_datasets)
