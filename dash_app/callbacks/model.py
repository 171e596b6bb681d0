"""Model page callback: identity, held-out performance, global importance and the cost/threshold curve."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_scoring.records import (
    HOLDOUT_SAMPLE,
    CostCurvePoint,
    CostSensitivityRow,
    ModelMetrics,
    ScoreBandRow,
    ScoreBands,
    SegmentComparison,
    Segments,
    cost_curve_points,
)
from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, data_table, error_alert
from dash_app.i18n import format_number, format_percent, normalise_language, t
from dash_app.wording import level_text

# (ModelMetrics field, shown as a percentage)
METRICS = (
    ("holdout_auc", False),
    ("gini", False),
    ("ks", False),
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


def _order_key(band: ScoreBandRow) -> str:
    """In order, or below the band before: within chance, beyond it, or unknown (a record made before the
    test was run)."""
    if band.rank_order_ok:
        return "model.ranks"
    return {True: "model.breaks_beyond_chance", False: "model.breaks_within_chance"}.get(
        band.break_beyond_noise, "model.breaks"
    )


def _ordering_verdict(bands: ScoreBands) -> str:
    if bands.rank_ordering_ok:
        return "model.rank_ordering_ok"
    breaks = [row for row in [*bands.deciles, *bands.risk_bands] if row.rank_order_ok is False]
    if all(row.break_beyond_noise is False for row in breaks):
        return "model.rank_ordering_within_chance"
    return "model.rank_ordering_broken"


def band_rows(bands: ScoreBands, lang: str) -> list[list[str]]:
    """Each risk band of the holdout: clients, observed and predicted default rates, whether it ranks."""
    rows = []
    for band in bands.risk_bands:
        order = "" if band.rank_order_ok is None else t(_order_key(band), lang)
        rows.append(
            [
                t(f"band.{band.band}", lang),
                format_number(band.count, lang),
                format_percent(band.default_rate, lang, 1),
                format_percent(band.mean_predicted, lang, 1),
                order,
            ]
        )
    return rows


def bands_block(bands: ScoreBands | None, lang: str) -> list:
    """The default rate by risk band, and whether the bands (and the deciles) rank the clients in order."""
    if bands is None:
        return [html.P(t("model.none", lang))]
    columns = [
        t(f"model.band_{name}", lang) for name in ("band", "clients", "observed", "predicted", "order")
    ]
    return [html.P(t(_ordering_verdict(bands), lang)), data_table(columns, band_rows(bands, lang))]


#: The segmentations of model_metrics.segments, in the order shown.
SEGMENTATIONS = ("thin_file", "no_bureau_record", "contract_type")
SEGMENT_COLUMNS = ("segment", "clients", "share", "observed", "auc", "cost", "approval")


def segment_rows(name: str, comparison: SegmentComparison, lang: str) -> list[list[str]]:
    """Each segment of the test clients: its size, observed default rate, AUC, cost and share granted."""
    rows = []
    for row in comparison.rows:
        if name == "contract_type":
            label = level_text("NAME_CONTRACT_TYPE", row.segment, lang)
        else:
            label = t(f"segment.{row.segment}", lang)
        if row.count == 0:
            auc = t("model.segment_empty", lang)
        elif row.auc is None:
            auc = t("model.segment_no_auc", lang)
        else:
            auc = format_number(row.auc, lang, 3)
        rows.append(
            [
                label,
                format_number(row.count, lang),
                format_percent(row.share, lang, 1),
                format_percent(row.default_rate, lang, 1),
                auc,
                format_number(row.cost_per_client, lang, 3),
                format_percent(row.approval_rate, lang, 1),
            ]
        )
    return rows


def segments_block(segments: Segments | None, lang: str) -> list:
    """The test clients by segment (thin file, no bureau record, contract type): one captioned table each."""
    if segments is None:
        return [html.P(t("model.none", lang))]
    parts: list = [html.P(t("model.segments_explainer", lang))]
    columns = [t(f"model.segment_{column}", lang) for column in SEGMENT_COLUMNS]
    for name in SEGMENTATIONS:
        comparison = getattr(segments, name)
        caption = t(f"model.segments_{name}", lang)
        if comparison.rows:
            parts.append(data_table(columns, segment_rows(name, comparison, lang), caption=caption))
        else:
            parts.append(html.P(f"{caption}: {t('model.none', lang)}"))
    return parts


def sensitivity_rows(rows: list[CostSensitivityRow], lang: str) -> list[list[str]]:
    """Each FN:FP cost ratio: its best limit, cost per client and share granted (the ratio used first)."""
    table = []
    for row in sorted(rows, key=lambda item: not item.decision_ratio):
        ratio = t("model.ratio", lang, ratio=format_number(row.cost_ratio, lang))
        table.append(
            [
                ratio + (f" ({t('model.ratio_used', lang)})" if row.decision_ratio else ""),
                format_percent(row.threshold, lang, 1),
                format_number(row.cost_per_client, lang, 3),
                format_percent(row.approval_rate, lang, 1),
            ]
        )
    return table


def sensitivity_block(rows: list[CostSensitivityRow] | None, lang: str) -> list:
    if not rows:
        return [html.P(t("model.none", lang))]
    columns = [t(f"model.sensitivity_{name}", lang) for name in ("ratio", "limit", "cost", "approval")]
    return [html.P(t("model.sensitivity_explainer", lang)), data_table(columns, sensitivity_rows(rows, lang))]


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
    parts += [html.H2(t("model.bands", lang), className="h3 mt-3")]
    parts += bands_block(metrics.score_bands if metrics else None, lang)
    parts += [html.H2(t("model.segments", lang), className="h3 mt-3")]
    parts += segments_block(metrics.segments if metrics else None, lang)
    parts += [html.H2(t("model.sensitivity", lang), className="h3 mt-3")]
    parts += sensitivity_block(metrics.cost_sensitivity if metrics else None, lang)
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
