"""Nodes of the reporting pipeline: the run's datasets in, Markdown and HTML documents out (pure)."""

# ruff: noqa: PLR0917

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pydantic import BaseModel, Field

from credit_scoring.cost import CostWeights, approve_all_cost_per_client, cost_per_client
from credit_scoring.pipelines.explainability.figures import importance_figure
from credit_scoring.pipelines.modelling.evaluation import classification_metrics
from credit_scoring.pipelines.modelling.release import evaluate_champion
from credit_scoring.pipelines.modelling.risk_report import discrimination
from credit_scoring.registry import CHAMPION_OK, RegisteredModel
from credit_scoring.reporting import run_facts
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
    "gini",
    "ks",
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
    ranking = discrimination(y_true, proba)
    return {
        "threshold": float(threshold),
        "holdout_auc": metrics["auc"],
        "gini": ranking.gini,
        "ks": ranking.ks,
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


#: Where the note's figure is saved, beside the note (the Markdown links it by this name).
TOP_FEATURES_FIGURE = "methodology_top_features.png"


def _figure_data_uri(figure: Figure) -> str:
    """The figure as a PNG data URI: the HTML documents embed their images and fetch nothing."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def document_context(
    *,
    model_metrics: dict[str, Any],
    model_comparison: pd.DataFrame,
    tuning_trials: pd.DataFrame,
    promotion_decision: dict[str, Any],
    served_model_summary: dict[str, Any],
    fairness_report: pd.DataFrame,
    shap_global_importance: pd.DataFrame,
    client_explanations: pd.DataFrame,
    reason_family_summary: dict[str, Any],
    drift_summary: dict[str, Any],
    protected_attribute_experiment: dict[str, Any],
    scorecard_points: dict[str, Any],
    modelling: dict[str, Any],
    reporting: dict[str, Any],
) -> dict[str, Any]:
    """What the documents print, each figure read from the run's datasets (`run_facts` for the methods)."""
    settings = ReportingParams.model_validate(reporting)
    return {
        "metrics": model_metrics,
        "n_clients": model_metrics["n_train"] + model_metrics["n_holdout"],
        "served": served_model_summary,
        "results": _results_table(model_comparison),
        "selected": model_comparison.loc[model_comparison["selected"].astype(bool), "model_name"].tolist(),
        "promotion": promotion_decision,
        "fairness": fairness_report,
        "modelling": modelling,
        "imbalance": run_facts.imbalance_tried(model_comparison, tuning_trials, modelling["tuning"]),
        "studies": run_facts.tuning_studies(tuning_trials, modelling["tuning"], modelling["refine"]),
        "selection_rule": run_facts.selection_rule(modelling["selection"]["standard_errors"]),
        "top_features": run_facts.top_features(shap_global_importance, settings.top_features),
        "example": run_facts.example_client(client_explanations),
        "families": run_facts.reason_families(reason_family_summary, settings.top_features),
        "drift": run_facts.drift_facts(drift_summary),
        "protected": run_facts.protected_experiment(protected_attribute_experiment),
        "scorecard": run_facts.scorecard_table(scorecard_points),
    }


def methodology_note(**run_datasets: Any) -> tuple[str, str, Figure]:
    """The methodology note, as Markdown and as a self-contained HTML page, and its figure (the top features
    by mean |SHAP|), saved beside the Markdown and embedded in the HTML. Inputs: see `document_context`."""
    context = document_context(**run_datasets)
    importance = run_datasets["shap_global_importance"].sort_values("rank")
    figure = importance_figure(importance, len(context["top_features"]))
    markdown = render("methodology.md.j2", figure_src=TOP_FEATURES_FIGURE, **context)
    embedded = render("methodology.md.j2", figure_src=_figure_data_uri(figure), **context)
    return markdown, markdown_to_html(embedded, "Credit scoring: methodology note"), figure


def model_card(**run_datasets: Any) -> tuple[str, str]:
    """The model card of the model that serves after this run (``served_model_summary``), as Markdown and
    as a self-contained HTML page (inputs as `methodology_note`)."""
    text = render("model_card.md.j2", **document_context(**run_datasets))
    return text, markdown_to_html(text, "Credit scoring: model card")
