"""Text alternatives for every chart (WCAG 1.1.1): a summary sentence and the data as a table.

Pure functions over the same data as :mod:`dash_app.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dash_app import theme
from dash_app.figures import (
    drift_ratio,
    effect_of,
    histogram_bins,
    model_versions,
    period_order,
    reason_label,
    reason_value,
)
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
    """The reasons (families) named by the strongest each way; a row per reason with the values that carry
    it, as the API words them."""
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
    columns = [t(f"score.col_{name}", lang) for name in ("reason", "values", "effect", "contribution")]
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


# --- live performance (GET /performance): one row per period and model version, oldest first --------------


def performance_rows(periods: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary's rows in time order, model versions in the order they first served, the periods without
    decision included (their tables say so)."""
    versions = model_versions(periods)

    def key(row: dict[str, Any]) -> tuple[str, int]:
        version = row.get("model_version")
        return str(row["period"]), versions.index(str(version)) if version is not None else -1

    return sorted(periods, key=key)


def version_cell(row: dict[str, Any], lang: str) -> str:
    """The model version of a row, or that the period had no decision."""
    version = row.get("model_version")
    return t("perf.no_decision", lang) if version is None else str(version)


def figure_cell(value: float | None, lang: str, digits: int = 3, *, percent: bool = False) -> str:
    """A figure of the summary as the page writes numbers; a null one is "not available" (the loans table's
    notes say why)."""
    if value is None:
        return t("perf.not_available", lang)
    return format_percent(value, lang, digits) if percent else format_number(value, lang, digits)


def interval_cell(bounds: dict[str, Any] | None, lang: str, digits: int = 3) -> str:
    """``0.480 to 0.720 (90%)``; "not available" without an interval."""
    if not bounds:
        return t("perf.not_available", lang)
    return t(
        "perf.interval",
        lang,
        low=format_number(bounds["low"], lang, digits),
        high=format_number(bounds["high"], lang, digits),
        confidence=format_percent(bounds["confidence"], lang),
    )


def period_header(period: str, lang: str) -> str:
    return t(f"perf.col_period_{period}", lang)


def _latest_estimate(periods: Sequence[dict[str, Any]], field: str) -> dict[str, Any] | None:
    served = [row for row in performance_rows(periods) if row.get(field) is not None]
    return served[-1] if served else None


def _estimated_and_realised_text(
    periods: Sequence[dict[str, Any]],
    lang: str,
    *,
    period: str,
    estimated: str,
    realised: str,
    summary_key: str,
    columns: tuple[str, str],
    against_labelled: bool = False,
) -> ChartText:
    latest = _latest_estimate(periods, estimated)
    if latest is None:
        return ChartText(t("perf.empty_chart", lang))
    rows = performance_rows(periods)
    summary = t(
        summary_key,
        lang,
        n=len(period_order(rows)),
        estimate=format_number(latest[estimated], lang, 3),
        period=latest["period"],
        version=latest["model_version"],
        n_realised=sum(row.get(realised) is not None for row in rows),
    )
    headers = [
        period_header(period, lang),
        t("perf.col_version", lang),
        t(columns[0], lang),
        t("perf.col_interval", lang),
        t(columns[1], lang),
        t("perf.col_interval", lang),
        t("perf.col_labelled", lang),
    ]
    table = [
        [
            str(row["period"]),
            version_cell(row, lang),
            figure_cell(row.get(estimated), lang),
            interval_cell(row.get(f"{estimated}_interval"), lang),
            figure_cell(row.get(realised), lang),
            interval_cell(row.get(f"{realised}_interval"), lang),
            format_number(row["n_labelled"], lang),
        ]
        for row in rows
    ]
    if against_labelled:  # the realised cost against the estimate on exactly the same (labelled) loans
        headers += [t("perf.col_labelled_estimate", lang), t("perf.col_realised_vs_estimate", lang)]
        for cells, row in zip(table, rows, strict=True):
            verdict = row.get("realised_vs_estimate")
            cells += [
                interval_cell(row.get("estimated_cost_labelled_interval"), lang),
                t(f"perf.vs_{verdict}", lang) if verdict else t("perf.not_available", lang),
            ]
    return ChartText(summary, headers, table)


def performance_cost_text(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> ChartText:
    """The cost chart's data: per period and version, the estimated and realised cost with their intervals,
    and the realised cost against the estimate on the same labelled loans."""
    return _estimated_and_realised_text(
        periods,
        lang,
        period=period,
        estimated="estimated_cost_granted",
        realised="realised_cost",
        summary_key="perf.cost_summary",
        columns=("perf.col_estimated_cost", "perf.col_realised_cost"),
        against_labelled=True,
    )


def performance_auc_text(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> ChartText:
    """The AUC chart's data: per period and version, the estimated and realised AUC with their intervals."""
    return _estimated_and_realised_text(
        periods,
        lang,
        period=period,
        estimated="estimated_auc_granted",
        realised="realised_auc",
        summary_key="perf.auc_summary",
        columns=("perf.col_estimated_auc", "perf.col_realised_auc"),
    )


def approval_rate_text(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> ChartText:
    """The approval chart's data: per period and version, the decisions, the granted and the rate."""
    rows = performance_rows(periods)
    rated = [row for row in rows if row.get("approval_rate") is not None]
    if not rated:
        return ChartText(t("perf.empty_chart", lang))
    summary = t(
        "perf.approval_summary",
        lang,
        n=len(period_order(rows)),
        first=format_percent(rated[0]["approval_rate"], lang, 1),
        first_period=rated[0]["period"],
        last=format_percent(rated[-1]["approval_rate"], lang, 1),
        last_period=rated[-1]["period"],
    )
    headers = [
        period_header(period, lang),
        t("perf.col_version", lang),
        t("perf.col_decisions", lang),
        t("perf.col_granted", lang),
        t("perf.col_approval", lang),
    ]
    table = [
        [
            str(row["period"]),
            version_cell(row, lang),
            format_number(row["n_decisions"], lang),
            format_number(row["n_granted"], lang),
            figure_cell(row.get("approval_rate"), lang, 1, percent=True),
        ]
        for row in rows
    ]
    return ChartText(summary, headers, table)


def performance_drift_text(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> ChartText:
    """The drift chart's data: per period and version, the score's PSI and the share of drifted fields."""
    rows = performance_rows(periods)
    measured = [row for row in rows if row.get("score_psi") is not None]
    if not measured:
        return ChartText(t("perf.empty_chart", lang))
    highest = max(measured, key=lambda row: float(row["score_psi"]))
    shares = [float(row["drift_share"]) for row in rows if row.get("drift_share") is not None]
    summary = t(
        "perf.drift_summary",
        lang,
        n=len(period_order(rows)),
        psi=format_number(highest["score_psi"], lang, 3),
        period=highest["period"],
        share=figure_cell(max(shares) if shares else None, lang, 0, percent=True),
    )
    headers = [
        period_header(period, lang),
        t("perf.col_version", lang),
        t("perf.col_psi", lang),
        t("perf.col_drift_share", lang),
    ]
    table = [
        [
            str(row["period"]),
            version_cell(row, lang),
            figure_cell(row.get("score_psi"), lang),
            figure_cell(row.get("drift_share"), lang, 0, percent=True),
        ]
        for row in rows
    ]
    return ChartText(summary, headers, table)
