"""Model page callback: identity, held-out performance, global importance and the cost/threshold curve."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, data_table, error_alert
from dash_app.i18n import format_number, format_percent, normalise_language, t

# (metric, shown as a percentage)
METRICS = (
    ("auc", False),
    ("accuracy", True),
    ("precision", True),
    ("recall", True),
    ("business_cost_per_client", False),
    ("brier_score", False),
)


def metric_rows(metrics: dict[str, Any], lang: str) -> list[list[str]]:
    """Known held-out metrics in words (``holdout_<name>`` or ``<name>``), skipping the absent ones."""
    rows = []
    for name, percent in METRICS:
        value = metrics.get(f"holdout_{name}", metrics.get(name))
        if isinstance(value, int | float):
            shown = format_percent(value, lang, 1) if percent else format_number(value, lang, 3)
            rows.append([t(f"metric.{name}", lang), shown])
    return rows


def cost_points(curve: list[dict[str, Any]]) -> list[dict[str, float]]:
    """``[{threshold, cost}]`` from the API's cost curve, whatever the cost column is called."""
    if not curve:
        return []
    keys = [key for key in curve[0] if key != "threshold" and "cost" in key]
    if not keys:
        return []
    key = "cost_per_client" if "cost_per_client" in keys else keys[0]
    return [
        {"threshold": float(point["threshold"]), "cost": float(point[key])}
        for point in curve
        if isinstance(point.get(key), int | float)
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
    rows = metric_rows(info.get("metrics") or {}, lang)
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
    curve = cost_points(info.get("cost_curve") or [])
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
