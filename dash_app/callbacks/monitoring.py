"""Monitoring callback: the latest drift summary, its chart and table, and the link to the full report.

The summary is the API's ``DriftSummary`` (the drift pipeline's ``summarize_drift`` output, each column
labelled in the page's language); this module reads exactly its keys.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_scoring.access.roles import Role
from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, error_alert
from dash_app.i18n import format_number, format_percent, normalise_language, t
from dash_app.permissions import REPORT_PATH

ROLE: Role = "risk"
"""Drift monitoring is the risk team's (`dash_app.permissions`)."""
STATUS_COLOURS = {"ok": "success", "warn": "warning", "alert": "danger"}
SEVERITY_ICONS = {"warn": "⚠", "alert": "✖"}


def population_text(population: dict[str, Any], lang: str) -> str:
    """The reference or current data in words: where it comes from and how many rows."""
    rows = format_number(population["rows"], lang)
    if population["source"] == "prediction_log":
        return t("drift.population_prediction_log", lang, rows=rows, window=population.get("window") or "")
    return t(f"drift.population_{population['source']}", lang, rows=rows)


def score_stability_text(summary: dict[str, Any], lang: str) -> str:
    stability, metrics = summary["score_stability"], summary["metrics"]
    return t(
        "drift.score_psi",
        lang,
        psi=format_number(stability["psi"], lang, 3),
        band=t(f"drift.band_{stability['band']}", lang),
        moderate=format_number(metrics["psi_moderate"], lang, 2),
        significant=format_number(metrics["psi_significant"], lang, 2),
    )


def measured_text(value: float | None, lang: str) -> str:
    """A rule's measured value: a count as a whole number, a share or an index with three decimals."""
    whole = value is not None and float(value).is_integer()
    return format_number(value, lang, 0 if whole else 3)


def fired_rules_list(rules: list[dict[str, Any]], lang: str) -> html.Div:
    """The alert rules that fired: severity in words and icon, the condition and the measured value."""
    items = [
        html.Li(
            t(
                "drift.rule",
                lang,
                icon=SEVERITY_ICONS[rule["severity"]],
                severity=t(f"drift.severity_{rule['severity']}", lang),
                condition=rule["condition"],
                value=measured_text(rule["value"], lang),
            )
        )
        for rule in rules
    ]
    return html.Div([html.H2(t("drift.rules", lang), className="h4"), html.Ul(items)])


def monitoring_section(client: ApiClient, lang: str) -> html.Div | dbc.Alert:
    try:
        summary = client.drift_summary(lang)
    except ApiError as error:
        if error.status == 404:
            return dbc.Alert(t("drift.none", lang), color="info")
        return error_alert(error.message, lang)
    status = summary["status"]
    parts: list = [
        dbc.Alert(t(f"drift.status_{status}", lang), color=STATUS_COLOURS[status], className="fs-5"),
        html.P(
            t(
                "drift.summary",
                lang,
                n_drifted=summary["number_of_drifted_columns"],
                n_features=summary["number_of_columns"],
                share=format_percent(summary["share_of_drifted_columns"], lang),
                reference=population_text(summary["reference"], lang),
                current=population_text(summary["current"], lang),
            ),
            className="lead",
        ),
        html.P(t("drift.dataset_drift" if summary["dataset_drift"] else "drift.no_dataset_drift", lang)),
        html.P(score_stability_text(summary, lang)),
        html.P(html.Strong(t(f"drift.action_{summary['recommended_action']}", lang)), id="drift-action"),
    ]
    if summary["fired_rules"]:
        parts.append(fired_rules_list(summary["fired_rules"], lang))
    if lang == "en":  # the pipeline writes its reading in English only; the figures above say it in French
        parts.append(html.P(summary["interpretation"], className="drift-interpretation"))
    parts += [
        html.P(t("drift.generated", lang, date=summary["generated_at"][:16].replace("T", " "))),
        html.P(
            html.A(
                t("drift.report_link", lang),
                href=REPORT_PATH,
                target="_blank",
                rel="noopener",
                id="drift-report-link",
            )
        ),
    ]
    columns = summary["columns"]
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
