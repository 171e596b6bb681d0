"""Monitoring callback: the latest drift summary, its chart and table, and the link to the full report."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, error_alert
from dash_app.i18n import format_number, format_percent, normalise_language, t

REPORT_PATH = "/reports/drift"


def _first(mapping: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return default


def drift_columns(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{feature, label, score, drifted, method, threshold}]`` from the drift pipeline's summary."""
    raw = _first(summary, "columns", "features", default=[])
    if isinstance(raw, dict):
        raw = [{"feature": name, **values} for name, values in raw.items()]
    return [
        {
            "feature": _first(item, "column", "feature", "name", default="?"),
            "label": _first(item, "label", "column", "feature", "name", default="?"),
            "score": float(_first(item, "score", "drift_score", default=0.0)),
            "drifted": bool(_first(item, "drifted", "drift_detected", default=False)),
            "method": _first(item, "method", "stattest", default=""),
            "threshold": _first(item, "threshold", default=None),
        }
        for item in raw
        if isinstance(item, dict)
    ]


def monitoring_section(client: ApiClient, lang: str) -> html.Div | dbc.Alert:
    try:
        summary = client.drift_summary()
    except ApiError as error:
        if error.status == 404:
            return dbc.Alert(t("drift.none", lang), color="info")
        return error_alert(error.message, lang)
    columns = drift_columns(summary)
    n_drifted = int(
        _first(summary, "n_drifted", "number_of_drifted_columns", default=sum(c["drifted"] for c in columns))
    )
    n_features = int(_first(summary, "n_columns", "number_of_columns", default=len(columns)) or 0)
    share = _first(
        summary, "share_drifted", "drift_share", default=(n_drifted / n_features if n_features else 0)
    )
    parts: list = []
    status = summary.get("status")
    if status in ("ok", "warn", "alert"):
        colour = {"ok": "success", "warn": "warning", "alert": "danger"}[status]
        parts.append(dbc.Alert(t(f"drift.status_{status}", lang), color=colour, className="fs-5"))
    parts.append(
        html.P(
            t(
                "drift.summary",
                lang,
                n_drifted=n_drifted,
                n_features=n_features,
                share=format_percent(share, lang),
                reference=_first(summary, "reference", "reference_name", default="reference"),
                current=_first(summary, "current", "current_name", default="current"),
            ),
            className="lead",
        )
    )
    verdict = _first(summary, "dataset_drift", "dataset_drifted")
    if verdict is not None:
        parts.append(html.P(t("drift.dataset_drift" if verdict else "drift.no_dataset_drift", lang)))
    psi = _first(summary, "score_psi", "prediction_psi")
    if isinstance(psi, int | float):
        parts.append(html.P(t("drift.score_psi", lang, psi=format_number(psi, lang, 3))))
    interpretation = summary.get("interpretation")
    if isinstance(interpretation, dict):
        interpretation = interpretation.get(lang) or interpretation.get("en")
    if isinstance(interpretation, str) and interpretation:
        parts.append(html.P(interpretation))
    if summary.get("generated_at"):
        parts.append(
            html.P(t("drift.generated", lang, date=str(summary["generated_at"])[:16].replace("T", " ")))
        )
    parts.append(
        html.P(
            html.A(
                t("drift.report_link", lang),
                href=REPORT_PATH,
                target="_blank",
                rel="noopener",
                id="drift-report-link",
            )
        )
    )
    if columns:
        parts.append(
            chart_block(
                "drift-graph",
                figures.drift_chart(columns, lang),
                alternatives.drift_text(columns, lang),
                lang,
            )
        )
    return html.Div(parts)


def register(app: Dash) -> None:
    @app.callback(Output("monitoring-section", "children"), Input("monitoring-request", "data"))
    def render_monitoring(request):
        return monitoring_section(get_client(), normalise_language(request.get("lang")))
