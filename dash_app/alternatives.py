"""Text alternatives for every chart (WCAG 1.1.1): a summary sentence and the data as a table.

Pure functions over the same data as :mod:`dash_app.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dash_app import theme
from dash_app.figures import drift_ratio, effect_of, histogram_bins, reason_label, reason_value
from dash_app.i18n import format_number, format_percent, t


@dataclass(frozen=True)
class ChartText:
    """What a screen-reader user gets instead of a chart."""

    summary: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def score_sentence(probability: float, threshold: float, decision: str, lang: str) -> str:
    """The sentence a client understands: the risk, the limit and what follows (``decision``: the API's)."""
    return t(
        f"score.sentence_{decision}",
        lang,
        probability=format_percent(probability, lang, 1),
        threshold=format_percent(threshold, lang, 1),
    )


def gauge_text(probability: float, threshold: float, decision: str, lang: str) -> ChartText:
    summary = t(
        "score.gauge_summary",
        lang,
        probability=format_percent(probability, lang, 1),
        threshold=format_percent(threshold, lang, 1),
        decision=t(f"common.{decision}", lang),
    )
    rows = [
        [t("score.gauge_probability", lang), format_percent(probability, lang, 1)],
        [t("score.gauge_threshold", lang), format_percent(threshold, lang, 1)],
        [t("search.col_decision", lang), t(f"common.{decision}", lang)],
    ]
    return ChartText(summary, [t("score.gauge_table_measure", lang), t("common.value", lang)], rows)


def contributions_text(reasons: Sequence[dict[str, Any]], lang: str) -> ChartText:
    raising = [reason for reason in reasons if effect_of(reason) == "raises"]
    lowering = [reason for reason in reasons if effect_of(reason) == "lowers"]

    def strongest(items: list[dict[str, Any]]) -> str:
        if not items:
            return t("score.none", lang)
        return reason_label(max(items, key=lambda reason: abs(float(reason.get("contribution") or 0))))

    summary = t(
        "score.contributions_summary",
        lang,
        n_raise=len(raising),
        top_raise=strongest(raising),
        n_lower=len(lowering),
        top_lower=strongest(lowering),
    )
    rows = [
        [
            reason_label(reason),
            reason_value(reason, lang),
            f"{theme.EFFECT_ICONS[effect_of(reason)]} {t('score.' + effect_of(reason), lang)}",
            format_number(float(reason.get("contribution") or 0), lang, 3),
        ]
        for reason in reasons
    ]
    columns = [t(f"score.col_{name}", lang) for name in ("reason", "value", "effect", "contribution")]
    return ChartText(summary, columns, rows)


def distribution_text(
    values: Sequence[float], client_value: float | None, feature_label: str, group_label: str, lang: str
) -> ChartText:
    array = np.asarray([value for value in values if value is not None], dtype=float)
    array = array[np.isfinite(array)]
    if not array.size:
        return ChartText(t("compare.dist_empty", lang))
    median = format_number(float(np.median(array)), lang, 2)
    common = {
        "n": format_number(array.size, lang),
        "group": group_label,
        "feature": feature_label,
        "median": median,
    }
    if client_value is None or not np.isfinite(client_value):
        summary = t("compare.dist_summary_missing", lang, **common)
    else:
        share = format_percent(float(np.mean(array < client_value)), lang)
        summary = t(
            "compare.dist_summary", lang, value=format_number(client_value, lang, 2), share=share, **common
        )
    counts, edges = histogram_bins(array, 30)
    rows = [
        [f"{format_number(low, lang, 2)} – {format_number(high, lang, 2)}", format_number(int(count), lang)]
        for low, high, count in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    return ChartText(summary, [t("compare.bin", lang), t("common.count", lang)], rows)


def bivariate_text(
    points: Sequence[dict[str, Any]],
    client: dict[str, Any] | None,
    *,
    x_label: str,
    y_label: str,
    lang: str,
    max_rows: int = 50,
) -> ChartText:
    n_refused = sum(point.get("decision") == "refused" for point in points)
    client = client or {}
    summary = t(
        "compare.biv_summary",
        lang,
        n=format_number(len(points), lang),
        n_granted=format_number(len(points) - n_refused, lang),
        n_refused=format_number(n_refused, lang),
        x_label=x_label,
        y_label=y_label,
        x=format_number(client.get("x"), lang, 2),
        y=format_number(client.get("y"), lang, 2),
    )
    if len(points) > max_rows:
        summary = f"{summary} {t('compare.biv_table_note', lang, n=max_rows)}"
    rows = [
        [
            format_number(point.get("x"), lang, 2),
            format_number(point.get("y"), lang, 2),
            format_percent(point.get("probability"), lang, 1),
            t(f"common.{point['decision']}", lang) if point.get("decision") in ("granted", "refused") else "",
        ]
        for point in points[:max_rows]
    ]
    columns = [x_label, y_label, t("compare.color_score", lang), t("compare.color_decision", lang)]
    return ChartText(summary, columns, rows)


def importance_text(importance: Sequence[dict[str, Any]], lang: str, top: int = 15) -> ChartText:
    chosen = sorted(importance, key=lambda item: float(item["importance"]), reverse=True)[:top]
    names = [str(item.get("label") or item.get("feature")) for item in chosen]
    summary = t(
        "model.importance_summary", lang, n=len(chosen), top=names[0] if names else t("score.none", lang)
    )
    rows = [
        [name, format_number(float(item["importance"]), lang, 4)]
        for name, item in zip(names, chosen, strict=True)
    ]
    return ChartText(summary, [t("common.feature", lang), t("model.importance_axis", lang)], rows)


def cost_curve_text(curve: Sequence[dict[str, Any]], threshold: float, lang: str) -> ChartText:
    if not curve:
        return ChartText(t("score.none", lang))
    best = min(curve, key=lambda point: float(point["cost"]))
    at_threshold = min(curve, key=lambda point: abs(float(point["threshold"]) - threshold))
    summary = t(
        "model.cost_summary",
        lang,
        best=format_percent(float(best["threshold"]), lang, 1),
        threshold=format_percent(threshold, lang, 1),
        cost=format_number(float(at_threshold["cost"]), lang, 3),
    )
    step = max(1, len(curve) // 20)
    rows = [
        [format_percent(float(point["threshold"]), lang, 1), format_number(float(point["cost"]), lang, 3)]
        for point in curve[::step]
    ]
    return ChartText(summary, [t("model.threshold_axis", lang), t("model.cost_axis", lang)], rows)


def drift_text(columns: Sequence[dict[str, Any]], lang: str) -> ChartText:
    """Every compared characteristic in the summary's order (model importance first): its test, score,
    limit, verdict and weight in the model."""
    if not columns:
        return ChartText(t("drift.none", lang))
    drifted = [column for column in columns if column["drifted"]]
    strongest = max(drifted, key=lambda column: drift_ratio(column) or 0.0) if drifted else None
    summary = t(
        "drift.chart_summary",
        lang,
        n=len(columns),
        n_drifted=len(drifted),
        top=strongest["label"] if strongest else t("score.none", lang),
    )
    rows = [
        [
            column["label"],
            column["method"],
            format_number(column["score"], lang, 3),
            format_number(column["threshold"], lang, 3),
            ("⚠ " + t("drift.drifted", lang)) if column["drifted"] else ("✔ " + t("drift.stable", lang)),
            format_percent(column["importance_share"], lang, 1),
        ]
        for column in columns
    ]
    headers = [
        t("common.feature", lang),
        t("drift.col_method", lang),
        t("drift.col_score", lang),
        t("drift.col_threshold", lang),
        t("drift.col_status", lang),
        t("drift.col_importance", lang),
    ]
    return ChartText(summary, headers, rows)


def category_text(counts: dict[str, int], client_level: str | None, group_label: str, lang: str) -> ChartText:
    if not counts:
        return ChartText(t("compare.dist_empty", lang))
    total = sum(counts.values())
    shown = client_level if client_level is not None else t("common.missing", lang)
    share = format_percent(counts.get(client_level, 0) / total, lang) if total else "-"
    summary = t(
        "compare.cat_summary", lang, n=format_number(total, lang), group=group_label, value=shown, share=share
    )
    rows = [
        [("◆ " if level == client_level else "") + level, format_number(count, lang)]
        for level, count in sorted(counts.items(), key=lambda item: item[1], reverse=True)
    ]
    return ChartText(summary, [t("common.value", lang), t("common.count", lang)], rows)
