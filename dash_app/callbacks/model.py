"""Model page callback: identity, held-out performance, global importance and the cost/threshold curve."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_scoring.records import HOLDOUT_SAMPLE, CostCurvePoint, ModelMetrics, cost_curve_points
from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, data_table, error_alert
from dash_app.i18n import format_number, format_percent, normalise_language, t

# (ModelMetrics field, shown as a percentage)
METRICS = (
    ("holdout_auc", False),
    ("holdout_accuracy", True),
    ("holdout_precision", True),
    ("holdout_recall", True),
    ("business_cost_per_client", False),
    ("brier_score", False),
)


def metric_rows(metrics: ModelMetrics | None, lang: str) -> list[list[str]]:
    """The version's held-out metrics in words, skipping those its run did not record."""
    rows = []
    for name, percent in METRICS:
        value = getattr(metrics, name, None)
        if value is not None:
            shown = format_percent(value, lang, 1) if percent else format_number(value, lang, 3)
            rows.append([t(f"metric.{name}", lang), shown])
    return rows


def cost_points(curve: list[CostCurvePoint]) -> list[dict[str, float]]:
    """``[{threshold, cost}]`` of the holdout sample: the cost per client the threshold was judged on."""
    return [
        {"threshold": point.threshold, "cost": point.cost_per_client}
        for point in curve
        if point.sample == HOLDOUT_SAMPLE
    ]


def model_section(client: ApiClient, lang: str) -> html.Div | dbc.Alert:
    try:
        info = client.model_info(lang)
    except ApiError as error:
        return error_alert(error.message, lang)
    threshold = float(info["threshold"])
    identity = t(
        "model.identity",
        lang,
        name=info.get("name", "?"),
        version=info.get("version", "?"),
        alias=info.get("alias") or "-",
        threshold=format_percent(threshold, lang, 1),
    )
    parts: list = [html.P(identity, className="lead")]
    if info.get("training_date"):
        parts.append(html.P(t("model.trained", lang, date=str(info["training_date"])[:10])))
    metrics = ModelMetrics.model_validate(info["metrics"]) if info.get("metrics") else None
    rows = metric_rows(metrics, lang)
    parts += [
        html.H2(t("model.metrics", lang), className="h3"),
        data_table([t("model.metric", lang), t("common.value", lang)], rows)
        if rows
        else html.P(t("model.none", lang)),
    ]
    importance = info.get("global_importance") or []
    parts.append(html.H2(t("model.importance", lang), className="h3 mt-3"))
    if importance:
        parts.append(
            chart_block(
                "importance-graph",
                figures.importance_chart(importance, lang),
                alternatives.importance_text(importance, lang),
                lang,
            )
        )
    else:
        parts.append(html.P(t("model.none", lang)))
    curve = cost_points(cost_curve_points(info.get("cost_curve") or []))
    parts += [html.H2(t("model.cost", lang), className="h3 mt-3"), html.P(t("model.cost_explainer", lang))]
    if curve:
        parts.append(
            chart_block(
                "cost-graph",
                figures.cost_curve_chart(curve, threshold, lang),
                alternatives.cost_curve_text(curve, threshold, lang),
                lang,
            )
        )
    else:
        parts.append(html.P(t("model.none", lang)))
    return html.Div(parts)


def register(app: Dash) -> None:
    @app.callback(Output("model-section", "children"), Input("model-request", "data"))
    def render_model(request):
        return model_section(get_client(), normalise_language(request.get("lang")))
