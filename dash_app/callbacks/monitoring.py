"""Monitoring callbacks: the latest drift summary, its chart and table, and the link to the full report; then
the live performance, its four trend charts (each with its table), the alerts and the loans by period.

The drift summary is the API's ``DriftSummary`` (the drift pipeline's ``summarize_drift`` output, each column
labelled in the page's language); the performance summary is its ``PerformanceSummary`` (the performance
pipeline's ``08_reporting/performance_summary.json``). This module reads exactly their keys.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_scoring.access.roles import Role
from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, error_alert, wide_table
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


# --- live performance ------------------------------------------------------------------------------------

PERFORMANCE_STATUS_COLOURS = {"ok": "success", "alert": "danger", "unknown": "secondary"}
COUNTS = ("n_decisions", "n_granted", "n_refused", "n_labelled", "n_defaults", "n_open", "n_awaiting")
"""The counts of a period and model version in the loans table, in its columns' order."""


def alert_periods(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose cost alert fired, in time order."""
    return [row for row in alternatives.performance_rows(periods) if row["alert"]["status"] == "alert"]


def alerts_list(summary: dict[str, Any], lang: str) -> html.Div:
    """Each period and model version whose cost alert fired, its figures in words (and in English the
    pipeline's own reason); each whose realised cost is above the estimate on the same labelled loans (the
    clients default more often than the model says: no estimate without labels sees it); then the rule."""
    fired = alert_periods(summary["periods"])
    items = []
    for row in fired:
        alert = row["alert"]
        sentence = t(
            "perf.alert_item",
            lang,
            period=row["period"],
            version=row["model_version"],
            cost=alternatives.figure_cell(row.get("estimated_cost"), lang),
            interval=alternatives.interval_cell(row.get("estimated_cost_interval"), lang),
            bound=alternatives.figure_cell(alert.get("bound"), lang),
            reference=alternatives.figure_cell(alert.get("reference_cost"), lang),
        )
        # the pipeline writes its reason in English only; the sentence above says it in French
        reason = (
            [html.Br(), html.Span(alert["reason"], className="performance-reason")] if lang == "en" else []
        )
        items.append(html.Li([sentence, *reason]))
    for row in alternatives.performance_rows(summary["periods"]):
        if row.get("realised_vs_estimate") == "above":
            items.append(
                html.Li(
                    t(
                        "perf.above_item",
                        lang,
                        period=row["period"],
                        version=row["model_version"],
                        cost=alternatives.figure_cell(row.get("realised_cost"), lang),
                        interval=alternatives.interval_cell(
                            row.get("estimated_cost_labelled_interval"), lang
                        ),
                    )
                )
            )
    rule = summary["alert_rule"] if lang == "en" else t("perf.rule_generic", lang)
    return html.Div(
        [
            html.H3(t("perf.alerts", lang), className="h4"),
            html.Ul(items, id="performance-alerts") if items else html.P(t("perf.no_alert", lang)),
            html.P(t("perf.rule", lang, rule=rule)),
        ]
    )


def alert_cell(row: dict[str, Any], lang: str) -> str:
    return t(f"perf.alert_{row['alert']['status']}", lang)


def loans_table(summary: dict[str, Any], lang: str) -> html.Div:
    """Per period and model version: decisions, granted, refused (no outcome), labelled, defaults, open and
    awaited loans, the alert; in English the pipeline's notes (why a figure is not available)."""
    headers = [
        alternatives.period_header(summary["period"], lang),
        t("perf.col_version", lang),
        t("perf.col_decisions", lang),
        t("perf.col_granted", lang),
        t("perf.col_refused", lang),
        t("perf.col_labelled", lang),
        t("perf.col_defaults", lang),
        t("perf.col_open", lang),
        t("perf.col_awaiting", lang),
        t("perf.col_alert", lang),
    ]
    rows = []
    for row in alternatives.performance_rows(summary["periods"]):
        cells = [
            str(row["period"]),
            alternatives.version_cell(row, lang),
            *(format_number(row[name], lang) for name in COUNTS),
            alert_cell(row, lang),
        ]
        if lang == "en":
            cells.append("; ".join(row.get("notes") or []))
        rows.append(cells)
    if lang == "en":
        headers.append(t("perf.col_notes", lang))
    return wide_table(headers, rows, t("perf.loans_caption", lang))


def performance_section(client: ApiClient, lang: str) -> html.Div | dbc.Alert:
    """The live performance: status, what the figures cover, the four trend charts (each with its table),
    the alerts and the loans by period; a plain notice while the performance pipeline has not run."""
    try:
        summary = client.performance_summary()
    except ApiError as error:
        if error.status == 404:
            return dbc.Alert(t("perf.none", lang), color="info", id="performance-none")
        return error_alert(error.message, lang)
    periods, period = summary["periods"], summary["period"]
    status = summary["status"]
    n_alerts = len(alert_periods(periods))
    open_loans = sum(row["n_open"] for row in periods)
    labelled = sum(row["n_labelled"] for row in periods)
    outcomes = summary["outcomes"]
    parts: list = [
        dbc.Alert(
            t(f"perf.status_{status}", lang, **({"n": n_alerts} if status == "alert" else {})),
            color=PERFORMANCE_STATUS_COLOURS[status],
            className="fs-5",
            id="performance-status",
        ),
        html.P(t("perf.intro", lang, period_word=t(f"perf.period_{period}", lang)), className="lead"),
        html.P(t("perf.granted_only", lang), id="performance-granted-only"),
        html.P(t("perf.observation", lang, months=format_number(summary["observation_months"], lang))),
        html.P(
            t(
                "perf.open_loans",
                lang,
                open=format_number(open_loans, lang),
                labelled=format_number(labelled, lang),
            ),
            id="performance-loans",
        ),
        html.P(
            t(
                "perf.outcomes",
                lang,
                accepted=format_number(outcomes["accepted"], lang),
                refused=format_number(outcomes["refused"], lang),
            ),
            id="performance-outcomes",
        ),
        html.P(t("perf.as_of", lang, date=_moment(summary["as_of"]), source=summary["source"])),
        html.P(t("perf.generated", lang, date=_moment(summary["generated_at"]))),
        alerts_list(summary, lang),
    ]
    charts = (
        ("performance-cost-graph", figures.performance_cost_chart, alternatives.performance_cost_text),
        ("performance-auc-graph", figures.performance_auc_chart, alternatives.performance_auc_text),
        ("performance-approval-graph", figures.approval_rate_chart, alternatives.approval_rate_text),
        ("performance-drift-graph", figures.performance_drift_chart, alternatives.performance_drift_text),
    )
    if figures.model_versions(periods):
        parts += [
            chart_block(graph_id, chart(periods, lang, period), text(periods, lang, period), lang, wide=True)
            for graph_id, chart, text in charts
        ]
    parts.append(loans_table(summary, lang))
    return html.Div(parts)


def review_summary_section(client: ApiClient, lang: str) -> html.Div | dbc.Alert:
    """The human reviews' counts: overrides and their rate per adviser and per risk band (``ReviewSummary``).
    A high override rate is a model problem: the model misjudges the cases advisers keep overriding."""
    try:
        summary = client.review_summary()
    except ApiError as error:
        return error_alert(error.message, lang)
    if not summary["reviews"]:
        return html.P(t("reviews.summary_none", lang), id="review-summary-none")
    counts = [t("reviews.col_reviews", lang), t("reviews.col_overrides", lang), t("reviews.col_rate", lang)]

    def cells(row: dict[str, Any]) -> list[str]:
        return [
            format_number(row["reviews"], lang),
            format_number(row["overrides"], lang),
            format_percent(row["override_rate"], lang),
        ]

    advisers = [[row["reviewer"], *cells(row)] for row in summary["by_reviewer"]]
    bands = [[t(f"band.{row['band']}", lang), *cells(row)] for row in summary["by_band"] if row["reviews"]]
    return html.Div(
        [
            html.P(
                t(
                    "reviews.summary_text",
                    lang,
                    reviews=format_number(summary["reviews"], lang),
                    overrides=format_number(summary["overrides"], lang),
                    rate=format_percent(summary["override_rate"], lang),
                    pending=format_number(summary["by_status"].get("pending_approval", 0), lang),
                ),
                id="review-summary-text",
            ),
            html.P(t("reviews.summary_intro", lang)),
            wide_table([t("reviews.col_reviewer", lang), *counts], advisers, t("reviews.by_reviewer", lang)),
            wide_table([t("reviews.col_band", lang), *counts], bands, t("reviews.by_band", lang)),
        ],
        id="review-summary",
    )


def _moment(timestamp: str) -> str:
    """``2027-07-10T06:00:00Z`` as ``2027-07-10 06:00`` (UTC), as the drift report's date is written."""
    return timestamp[:16].replace("T", " ")


def register(app: Dash) -> None:
    @app.callback(Output("monitoring-section", "children"), Input("monitoring-request", "data"))
    def render_monitoring(request):
        return monitoring_section(get_client(), normalise_language(request.get("lang")))

    @app.callback(Output("performance-section", "children"), Input("monitoring-request", "data"))
    def render_performance(request):
        return performance_section(get_client(), normalise_language(request.get("lang")))

    @app.callback(Output("review-summary-section", "children"), Input("monitoring-request", "data"))
    def render_review_summary(request):
        return review_summary_section(get_client(), normalise_language(request.get("lang")))
