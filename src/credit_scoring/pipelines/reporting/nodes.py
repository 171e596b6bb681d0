"""Nodes of the reporting pipeline: the run's datasets in, Markdown and HTML documents out (pure)."""

# ruff: noqa: PLR0917

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from credit_scoring.cost import CostWeights, approve_all_cost_per_client, cost_per_client
from credit_scoring.pipelines.modelling.evaluation import classification_metrics
from credit_scoring.pipelines.modelling.nodes import evaluate_champion
from credit_scoring.registry import CHAMPION_OK, RegisteredModel
from credit_scoring.reporting.documents import markdown_to_html, render
from credit_scoring.reporting.fairness import FAIRNESS_COLUMNS, age_band, group_metrics

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


#: ``served_model_summary["status"]``: which model the model card describes.
SERVED_THIS_RUN, SERVED_EARLIER_CHAMPION, SERVED_NONE = "this_run", "earlier_champion", "none"


def describe_served_model(
    served_model: RegisteredModel | None,
    model_metrics: dict[str, Any],
    promotion_decision: dict[str, Any],
    holdout_table: pd.DataFrame,
    split: dict[str, Any],
    cost: dict[str, Any],
    reporting: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The model that serves after this run's promotion gate, as the model card describes it, and the
    fairness of its decisions.

    Promoted: this run's model, with this run's metrics. Kept: the earlier champion, evaluated here on the
    holdout clients it was not trained on (the gate's own rule, `evaluate_champion`). No usable champion:
    status "none", an empty fairness table.
    """
    settings = ReportingParams.model_validate(reporting)
    weights = CostWeights(**cost)
    for column in (split["target"], settings.gender_column, settings.age_column):
        if column not in holdout_table.columns:
            raise ValueError(f"The holdout table has no column {column!r}, needed for the fairness report")
    evaluation = evaluate_champion(served_model, holdout_table, split)
    if evaluation["status"] != CHAMPION_OK:
        reason = evaluation["error"] or "no champion in the registry"
        summary = {"status": SERVED_NONE, "version": evaluation["version"], "reason": reason}
        return summary, pd.DataFrame(columns=FAIRNESS_COLUMNS)
    assert served_model is not None and served_model.model is not None
    model = served_model.model
    rows = holdout_table.loc[evaluation["unseen"]]
    proba = evaluation["proba"][evaluation["unseen"]]
    y_true = rows[split["target"]].to_numpy(dtype=np.int64)
    summary = {
        "version": str(served_model.version),
        "run_id": served_model.run_id,
        "model_name": model.model_name,
        "n_features": len(model.features),
        "evaluation_note": evaluation["note"],
    }
    if promotion_decision.get("promote"):
        summary.update(status=SERVED_THIS_RUN, **{k: model_metrics[k] for k in THIS_RUN_METRICS})
    else:
        summary.update(
            status=SERVED_EARLIER_CHAMPION, **_holdout_metrics(y_true, proba, model.threshold, weights)
        )
    groups = {
        "gender": rows[settings.gender_column],
        "age band": age_band(rows[settings.age_column], settings.age_band_edges),
    }
    fairness = pd.concat(
        [
            group_metrics(y_true, proba, model.threshold, values, attribute=attribute, weights=weights)
            for attribute, values in groups.items()
        ],
        ignore_index=True,
    )
    return summary, fairness


#: The figures of `model_metrics` the model card shows for a model promoted by this run.
THIS_RUN_METRICS = (
    "threshold",
    "cv_auc",
    "cv_auc_std",
    "holdout_auc",
    "holdout_accuracy",
    "holdout_precision",
    "holdout_recall",
    "business_cost_per_client",
    "business_cost_at_0_5",
    "approve_all_cost",
    "holdout_tn",
    "holdout_fp",
    "holdout_fn",
    "holdout_tp",
    "n_train",
    "n_holdout",
    "holdout_default_rate",
)


def _holdout_metrics(
    y_true: np.ndarray, proba: np.ndarray, threshold: float, weights: CostWeights
) -> dict[str, Any]:
    """An earlier champion's figures on this run's holdout rows it never saw (names as `model_metrics`)."""
    metrics = classification_metrics(y_true, proba, threshold, weights)
    return {
        "threshold": float(threshold),
        "holdout_auc": metrics["auc"],
        "holdout_accuracy": metrics["accuracy"],
        "holdout_precision": metrics["precision"],
        "holdout_recall": metrics["recall"],
        "business_cost_per_client": metrics["business_cost_per_client"],
        "business_cost_at_0_5": cost_per_client(y_true, proba, 0.5, weights),
        "approve_all_cost": approve_all_cost_per_client(y_true, weights),
        **{f"holdout_{key}": metrics[key] for key in ("tn", "fp", "fn", "tp")},
        "n_holdout": len(y_true),
        "holdout_default_rate": float(y_true.mean()),
    }


def _results_table(model_comparison: pd.DataFrame) -> pd.DataFrame:
    columns = [column for column in COMPARISON_COLUMNS if column in model_comparison.columns]
    return model_comparison.loc[:, columns]


def _context(
    model_metrics: dict[str, Any],
    model_comparison: pd.DataFrame,
    promotion_decision: dict[str, Any],
    served: dict[str, Any],
    fairness: pd.DataFrame,
    modelling: dict[str, Any],
    reporting: dict[str, Any],
) -> dict[str, Any]:
    settings = ReportingParams.model_validate(reporting)
    return {
        "metrics": model_metrics,
        "served": served,
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

    Inputs, in the pipeline's order: model_metrics, model_comparison, promotion_decision,
    served_model_summary, fairness_report, params:modelling, params:reporting.
    """
    return _document("methodology.md.j2", "Credit scoring: methodology note", *run_datasets)


def model_card(*run_datasets: Any) -> tuple[str, str]:
    """The model card of the model that serves after this run (``served_model_summary``), as Markdown and
    as a self-contained HTML page (inputs as `methodology_note`)."""
    return _document("model_card.md.j2", "Credit scoring: model card", *run_datasets)
