"""Pure figure builders: data in, ``go.Figure`` out. No API call, no Dash component, no global state.

Each chart has a text alternative built by :mod:`dash_app.alternatives` from the same data.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dash_app import theme
from dash_app.i18n import format_number, format_percent, t


def score_gauge(probability: float, threshold: float, decision: str, lang: str) -> go.Figure:
    """The probability of default on a 0-100 % gauge, with the decision limit marked and both zones named
    (``decision``: the API's, in its colour)."""
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=100 * probability,
            number={"suffix": " %" if lang == "fr" else "%", "valueformat": ".1f", "font": {"size": 44}},
            gauge={
                "axis": {"range": [0, 100], "ticksuffix": "%", "tickwidth": 1},
                "bar": {"color": theme.DECISION_COLOURS[decision], "thickness": 0.35},
                "steps": [
                    {"range": [0, 100 * threshold], "color": theme.GRANTED_LIGHT},
                    {"range": [100 * threshold, 100], "color": theme.REFUSED_LIGHT},
                ],
                "threshold": {
                    "line": {"color": theme.CLIENT, "width": 4},
                    "thickness": 0.9,
                    "value": 100 * threshold,
                },
            },
            domain={"x": [0, 1], "y": [0.12, 1]},
        )
    )
    limit = t("score.gauge_limit", lang, threshold=format_percent(threshold, lang, 1))
    figure.add_annotation(
        x=0.5,
        y=0.0,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": theme.FONT_SIZE},
        text=f"{limit}: {t('score.zone_granted', lang)} | {t('score.zone_refused', lang)}",
    )
    theme.base_layout(figure, t("score.gauge_title", lang), height=300)
    figure.update_layout(margin={"l": 30, "r": 30, "t": 50, "b": 10})
    return figure


def effect_of(reason: dict[str, Any]) -> str:
    """``raises`` or ``lowers``: the API's direction, else the sign of the contribution."""
    if reason.get("direction") in ("raises", "lowers"):
        return reason["direction"]
    return "raises" if float(reason.get("contribution") or 0) > 0 else "lowers"


def contributions_chart(reasons: Sequence[dict[str, Any]], lang: str) -> go.Figure:
    """Horizontal bars of the reasons (families, by the API's label): raising ones hatched in the refused
    colour, lowering ones plain. The values behind each reason ("lowest external credit score: 0.12 and ...")
    are too long for a bar: they are in the hover and in the text alternative's table."""
    ordered = sorted(reasons, key=lambda reason: abs(float(reason.get("contribution") or 0)))
    figure = go.Figure()
    for effect, decision in (("raises", "refused"), ("lowers", "granted")):
        chosen = [reason for reason in ordered if effect_of(reason) == effect]
        if not chosen:
            continue
        name = f"{theme.EFFECT_ICONS[effect]} {t('score.' + effect, lang)}"
        figure.add_trace(
            go.Bar(
                x=[float(reason.get("contribution") or 0) for reason in chosen],
                y=[axis_label(reason_label(reason)) for reason in chosen],
                orientation="h",
                name=name,
                marker=theme.decision_marker(decision),
                customdata=[axis_label(reason_value(reason, lang), 48) for reason in chosen],
                hovertemplate="%{y}<br>%{customdata}<br>%{x:.3f}<extra>" + name + "</extra>",
            )
        )
    rows = sum(1 + axis_label(reason_label(reason)).count("<br>") for reason in ordered)
    theme.base_layout(figure, t("score.contributions_title", lang), height=max(260, 70 + 40 * rows))
    categories = [axis_label(reason_label(reason)) for reason in ordered]
    figure.update_layout(barmode="relative", yaxis={"categoryorder": "array", "categoryarray": categories})
    figure.update_xaxes(title=t("score.contribution_axis", lang), zeroline=True, zerolinewidth=2)
    return figure


def axis_label(text: str, width: int = 26) -> str:
    """A long label on lines of about ``width`` characters (Plotly's ``<br>``): a family's label ("Loans and
    debts with other lenders (credit bureau)") would otherwise leave a phone-width chart no room for bars."""
    return "<br>".join(textwrap.wrap(text, width, break_long_words=False)) or text


def reason_label(reason: dict[str, Any]) -> str:
    """A reason's name: its family's label as the API words it (a feature's, from an older API)."""
    return str(reason.get("label") or reason.get("family") or reason.get("feature") or "?")


def reason_value(reason: dict[str, Any], lang: str) -> str:
    if reason.get("display_value") not in (None, ""):
        return str(reason["display_value"])
    value = reason.get("value")
    if isinstance(value, int | float):
        return format_number(value, lang, 2)
    return t("common.missing", lang) if value is None else str(value)


def distribution_chart(
    values: Sequence[float], client_value: float | None, feature_label: str, lang: str, bins: int = 30
) -> go.Figure:
    """A histogram of a group's values with the client's value as a labelled vertical line."""
    array = np.asarray([value for value in values if value is not None], dtype=float)
    array = array[np.isfinite(array)]
    figure = go.Figure()
    if array.size:
        counts, edges = histogram_bins(array, bins)
        figure.add_trace(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=counts,
                width=np.diff(edges),
                marker={"color": theme.NEUTRAL, "line": {"color": "white", "width": 1}},
                name=t("common.count", lang),
                hovertemplate="%{x:.3g}: %{y}<extra></extra>",
            )
        )
    if client_value is not None and np.isfinite(client_value):
        label = t("compare.client_value", lang, value=format_number(client_value, lang, 2))
        figure.add_vline(x=client_value, line={"color": theme.CLIENT, "width": 3, "dash": "dash"})
        figure.add_annotation(
            x=client_value,
            y=1,
            yref="paper",
            text=f"◆ {label}",
            showarrow=False,
            yanchor="bottom",
            bgcolor="white",
            bordercolor=theme.CLIENT,
            font={"size": theme.FONT_SIZE},
        )
    theme.base_layout(figure, feature_label, height=360)
    figure.update_layout(showlegend=False, bargap=0)
    figure.update_xaxes(title=feature_label)
    figure.update_yaxes(title=t("common.count", lang))
    return figure


def histogram_bins(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges; a single distinct value gets one bin of width 1 around it."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        return np.array([values.size]), np.array([low - 0.5, high + 0.5])
    return np.histogram(values, bins=min(bins, max(5, int(np.sqrt(values.size)))))


def bivariate_chart(
    points: Sequence[dict[str, Any]],
    client: dict[str, Any] | None,
    *,
    x_label: str,
    y_label: str,
    color_by: str,
    lang: str,
) -> go.Figure:
    """A scatter of two characteristics, by decision (colour and symbol) or by score, the client as a star."""
    figure = go.Figure()
    if color_by == "decision":
        for decision in ("granted", "refused"):
            chosen = [point for point in points if point.get("decision") == decision]
            figure.add_trace(
                go.Scattergl(
                    x=[point.get("x") for point in chosen],
                    y=[point.get("y") for point in chosen],
                    mode="markers",
                    name=f"{theme.DECISION_ICONS[decision]} {t('common.' + decision, lang)}",
                    marker={
                        "color": theme.DECISION_COLOURS[decision],
                        "symbol": theme.DECISION_SYMBOLS[decision],
                        "size": 8,
                        "opacity": 0.75,
                    },
                )
            )
    else:
        figure.add_trace(
            go.Scattergl(
                x=[point.get("x") for point in points],
                y=[point.get("y") for point in points],
                mode="markers",
                name=t("compare.color_score", lang),
                marker={
                    "color": [100 * float(point.get("probability") or 0) for point in points],
                    "colorscale": theme.SCORE_COLOURSCALE,
                    "cmin": 0,
                    "cmax": 100,
                    "size": 8,
                    "opacity": 0.8,
                    "colorbar": {"title": {"text": t("compare.color_score", lang)}, "ticksuffix": "%"},
                },
            )
        )
    if client and client.get("x") is not None and client.get("y") is not None:
        figure.add_trace(
            go.Scatter(
                x=[client["x"]],
                y=[client["y"]],
                mode="markers+text",
                name=t("compare.this_client", lang),
                text=[t("compare.this_client", lang)],
                textposition="top center",
                textfont={"size": theme.FONT_SIZE + 1, "color": theme.CLIENT},
                marker={
                    "symbol": "star",
                    "size": 22,
                    "color": "#ffd400",
                    "line": {"color": theme.CLIENT, "width": 2},
                },
            )
        )
    theme.base_layout(figure, f"{y_label} / {x_label}", height=460)
    figure.update_xaxes(title=x_label)
    figure.update_yaxes(title=y_label)
    return figure


def importance_chart(importance: Sequence[dict[str, Any]], lang: str, top: int = 15) -> go.Figure:
    """The model's most important characteristics, largest at the top."""
    chosen = sorted(importance, key=lambda item: float(item["importance"]), reverse=True)[:top][::-1]
    figure = go.Figure(
        go.Bar(
            x=[float(item["importance"]) for item in chosen],
            y=[str(item.get("label") or item.get("feature")) for item in chosen],
            orientation="h",
            marker={"color": theme.GRANTED},
            hovertemplate="%{y}: %{x:.3g}<extra></extra>",
        )
    )
    theme.base_layout(figure, t("model.importance", lang), height=max(300, 80 + 30 * len(chosen)))
    figure.update_xaxes(title=t("model.importance_axis", lang))
    return figure


def cost_curve_chart(curve: Sequence[dict[str, Any]], threshold: float, lang: str) -> go.Figure:
    """Business cost per client against the decision limit, the chosen limit marked and labelled."""
    thresholds = [float(point["threshold"]) for point in curve]
    costs = [float(point["cost"]) for point in curve]
    figure = go.Figure(
        go.Scatter(
            x=thresholds,
            y=costs,
            mode="lines",
            line={"color": theme.NEUTRAL, "width": 3},
            name=t("model.cost_axis", lang),
            hovertemplate="%{x:.2f}: %{y:.3f}<extra></extra>",
        )
    )
    figure.add_vline(x=threshold, line={"color": theme.REFUSED, "width": 3, "dash": "dash"})
    figure.add_annotation(
        x=threshold,
        y=1,
        yref="paper",
        yanchor="bottom",
        showarrow=False,
        bgcolor="white",
        text=f"▼ {t('model.chosen', lang)} {format_percent(threshold, lang, 1)}",
        font={"color": theme.REFUSED},
    )
    theme.base_layout(figure, t("model.cost", lang), height=380)
    figure.update_layout(showlegend=False)
    figure.update_xaxes(title=t("model.threshold_axis", lang), tickformat=".0%")
    figure.update_yaxes(title=t("model.cost_axis", lang))
    return figure


#: Drift ratios above this are drawn at it (a p-value of 0 would be infinitely far past its limit).
DRIFT_RATIO_CAP = 10.0


def is_p_value(method: str) -> bool:
    """Whether a drift test reports a p-value (drift below its limit) rather than a distance (drift at or
    above it), as Evidently names its methods: "K-S p_value", "chi-square p_value", "Z-test p_value"."""
    normalised = method.lower().replace("-", "_").replace(" ", "_")
    return "p_value" in normalised or "pvalue" in normalised


def drift_ratio(column: dict[str, Any]) -> float | None:
    """How far a column's test is from its limit, 1 being the limit and more meaning drift: score ÷ limit for
    a distance, limit ÷ score for a p-value, capped at `DRIFT_RATIO_CAP`; None without score or limit."""
    score, limit = column.get("score"), column.get("threshold")
    if not isinstance(score, int | float) or not isinstance(limit, int | float) or limit <= 0:
        return None
    if is_p_value(str(column.get("method", ""))):
        ratio = limit / score if score > 0 else DRIFT_RATIO_CAP
    else:
        ratio = score / limit
    return min(float(ratio), DRIFT_RATIO_CAP)


_DRIFT_HOVER = "%{y}: %{customdata[0]} %{customdata[1]:.3g} / %{customdata[2]:.3g}<extra></extra>"


def drift_chart(columns: Sequence[dict[str, Any]], lang: str, top: int = 20) -> go.Figure:
    """Each characteristic's drift relative to its test's limit (the line at 1), strongest first; drifted
    ones hatched in the alert colour and named in the legend (the pipeline's verdict, not the ratio)."""
    measured = [(column, drift_ratio(column)) for column in columns]
    ranked = sorted(
        ((column, ratio) for column, ratio in measured if ratio is not None), key=lambda item: -item[1]
    )
    chosen = ranked[:top][::-1]
    figure = go.Figure()
    for drifted, decision, key in ((True, "refused", "drift.drifted"), (False, "granted", "drift.stable")):
        part = [(column, ratio) for column, ratio in chosen if column["drifted"] is drifted]
        if not part:
            continue
        figure.add_trace(
            go.Bar(
                x=[ratio for _, ratio in part],
                y=[column["label"] for column, _ in part],
                orientation="h",
                name=("⚠ " if drifted else "✔ ") + t(key, lang),
                marker=theme.decision_marker(decision),
                customdata=[[column["method"], column["score"], column["threshold"]] for column, _ in part],
                hovertemplate=_DRIFT_HOVER,
            )
        )
    limit_line = {"color": "#212529", "dash": "dash", "width": 2}
    figure.add_vline(x=1, line=limit_line)
    # the line named in the legend (a trace without points), beside the drifted and stable bars
    figure.add_trace(
        go.Scatter(x=[None], y=[None], mode="lines", line=limit_line, name=t("drift.limit", lang))
    )
    theme.base_layout(figure, t("drift.chart", lang), height=max(300, 80 + 30 * len(chosen)))
    figure.update_layout(
        yaxis={"categoryorder": "array", "categoryarray": [column["label"] for column, _ in chosen]}
    )
    figure.update_xaxes(title=t("drift.score_axis", lang), rangemode="tozero")
    return figure


def category_chart(
    counts: dict[str, int], client_level: str | None, feature_label: str, lang: str
) -> go.Figure:
    """Clients per level of a categorical feature; the client's level dark, hatched and labelled."""
    levels = sorted(counts, key=lambda level: counts[level], reverse=True)
    is_client = [level == client_level for level in levels]
    figure = go.Figure(
        go.Bar(
            x=levels,
            y=[counts[level] for level in levels],
            marker={
                "color": [theme.CLIENT if chosen else theme.NEUTRAL for chosen in is_client],
                "pattern": {"shape": ["x" if chosen else "" for chosen in is_client], "fgcolor": "white"},
            },
            text=[f"◆ {t('compare.this_client', lang)}" if chosen else "" for chosen in is_client],
            textposition="outside",
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    theme.base_layout(figure, feature_label, height=360)
    figure.update_layout(showlegend=False)
    figure.update_yaxes(title=t("common.count", lang))
    return figure


# --- live performance (GET /performance): trends across periods, one trace per model version ----------------


def period_order(periods: Sequence[dict[str, Any]]) -> list[str]:
    """Every period of the summary, oldest first (``2027-01`` and ``2027-W03`` both sort as text)."""
    return sorted({str(row["period"]) for row in periods})


def model_versions(periods: Sequence[dict[str, Any]]) -> list[str]:
    """The model versions in the order they first served (the periods without decision have none)."""
    ordered = sorted(periods, key=lambda row: str(row["period"]))
    versions: list[str] = []
    for row in ordered:
        version = row.get("model_version")
        if version is not None and str(version) not in versions:
            versions.append(str(version))
    return versions


def version_rows(periods: Sequence[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    """A model version's periods, oldest first."""
    chosen = [row for row in periods if str(row.get("model_version")) == version]
    return sorted(chosen, key=lambda row: str(row["period"]))


def version_style(index: int) -> tuple[str, str]:
    """The colour and marker symbol of the ``index``-th model version."""
    return (
        theme.VERSION_COLOURS[index % len(theme.VERSION_COLOURS)],
        theme.VERSION_SYMBOLS[index % len(theme.VERSION_SYMBOLS)],
    )


def _interval_bars(rows: Sequence[dict[str, Any]], value: str, interval: str, colour: str) -> dict[str, Any]:
    """Asymmetric error bars from each row's ``interval`` around its ``value`` (none where either is null)."""
    above, below = [], []
    for row in rows:
        figure, bounds = row.get(value), row.get(interval)
        if figure is None or not bounds:
            above.append(None)
            below.append(None)
            continue
        above.append(max(0.0, float(bounds["high"]) - float(figure)))
        below.append(max(0.0, float(figure) - float(bounds["low"])))
    return {
        "type": "data",
        "symmetric": False,
        "array": above,
        "arrayminus": below,
        "color": colour,
        "thickness": 1.5,
        "width": 6,
    }


def _estimated_and_realised(
    periods: Sequence[dict[str, Any]],
    *,
    estimated: str,
    realised: str,
    digits: int,
    lang: str,
) -> go.Figure:
    """Per model version, the estimate (dashed, open markers) and the realised figure (solid, filled markers),
    each with its interval as error bars."""
    figure = go.Figure()
    for index, version in enumerate(model_versions(periods)):
        rows = version_rows(periods, version)
        colour, symbol = version_style(index)
        name = t("perf.version", lang, version=version)
        band = _interval_band(rows, f"{estimated}_interval", colour)
        if band is not None:
            band.name = t("perf.trace", lang, version=name, kind=t("perf.estimated_interval", lang))
            band.legendgroup = version
            figure.add_trace(band)
        for field, kind, dash, marker_symbol in (
            (estimated, "perf.estimated", theme.ESTIMATED_DASH, f"{symbol}-open"),
            (realised, "perf.realised", theme.REALISED_DASH, symbol),
        ):
            figure.add_trace(
                _version_trace(
                    rows,
                    field,
                    name=t("perf.trace", lang, version=name, kind=t(kind, lang)),
                    version=version,
                    style=(colour, dash, marker_symbol),
                    number=f":.{digits}f",
                    connectgaps=False,
                    error_y=_interval_bars(rows, field, f"{field}_interval", colour)
                    if field == realised
                    else None,
                )
            )
    return figure


def _version_trace(
    rows: Sequence[dict[str, Any]],
    field: str,
    *,
    name: str,
    version: str,
    style: tuple[str, str, str],
    number: str,
    **extra: Any,
) -> go.Scatter:
    """One model version's ``field`` across periods: a line with markers, ``style`` = (colour, dash, marker
    symbol), ``number`` the hover's format (e.g. ``:.3f``)."""
    colour, dash, marker_symbol = style
    return go.Scatter(
        x=[row["period"] for row in rows],
        y=[row.get(field) for row in rows],
        mode="lines+markers",
        name=name,
        legendgroup=version,
        line={"color": colour, "dash": dash, "width": 2.5},
        marker={"symbol": marker_symbol, "size": 11, "color": colour, "line": {"width": 2}},
        hovertemplate="%{x}: %{y" + number + "}<extra>" + name + "</extra>",
        **extra,
    )


def _interval_band(rows: Sequence[dict[str, Any]], interval: str, colour: str) -> go.Scatter | None:
    """The estimate's interval as a light band (the periods with an interval), or None without any."""
    bounded = [row for row in rows if row.get(interval)]
    if not bounded:
        return None
    periods = [row["period"] for row in bounded]
    return go.Scatter(
        x=periods + periods[::-1],
        y=[row[interval]["high"] for row in bounded] + [row[interval]["low"] for row in bounded][::-1],
        mode="lines",
        fill="toself",
        fillcolor=_transparent(colour, 0.14),
        line={"width": 0, "color": colour},
        hoverinfo="skip",
        showlegend=False,  # the chart's caption names it; the data table gives its bounds
    )


def _transparent(colour: str, alpha: float) -> str:
    """``#1a5e9a`` as ``rgba(26, 94, 154, alpha)``."""
    red, green, blue = (int(colour[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _period_axis(figure: go.Figure, periods: Sequence[dict[str, Any]], lang: str, period: str) -> None:
    """Periods as categories in time order (never parsed as dates), each new model version marked where it
    first serves."""
    order = period_order(periods)
    figure.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=order,
        range=[-0.5, len(order) - 0.5],  # every period, those without decision too
        title=t(f"perf.col_period_{period}", lang),
    )
    # a legend of two rows above the plot, below the title
    figure.update_layout(
        title={"y": 0.98, "yanchor": "top", "yref": "container"},
        margin={"t": 120},
        legend={"y": 1.02, "yanchor": "bottom"},
    )
    for version in model_versions(periods)[1:]:
        start = version_rows(periods, version)[0]["period"]
        figure.add_vline(x=order.index(start), line={"color": "#212529", "width": 1.5, "dash": "dot"})
        figure.add_annotation(
            x=start,
            y=0,
            yref="paper",
            yanchor="bottom",
            xanchor="left",
            showarrow=False,
            bgcolor="white",
            text=t("perf.version_start", lang, version=version),
            font={"size": theme.FONT_SIZE - 2},
        )


def performance_cost_chart(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> go.Figure:
    """Estimated (CBPE) against realised cost per granted loan, per model version and period, with their
    intervals; the periods whose cost alert fired marked with a cross and named in the legend."""
    figure = _estimated_and_realised(
        periods, estimated="estimated_cost_granted", realised="realised_cost", digits=3, lang=lang
    )
    alerts = [
        row
        for row in periods
        if row["alert"]["status"] == "alert" and row.get("estimated_cost_granted") is not None
    ]
    if alerts:
        figure.add_trace(
            go.Scatter(
                x=[row["period"] for row in alerts],
                y=[row["estimated_cost_granted"] for row in alerts],
                mode="markers",
                name=t("perf.alert_marker", lang),
                marker={
                    "symbol": "x-thin-open",
                    "size": 24,
                    "color": theme.ALERT_COLOUR,
                    "line": {"width": 3, "color": theme.ALERT_COLOUR},
                },
                hovertemplate="%{x}<extra>" + t("perf.alert_marker", lang) + "</extra>",
            )
        )
    theme.base_layout(figure, t("perf.cost_chart", lang), height=440)
    _period_axis(figure, periods, lang, period)
    figure.update_yaxes(title=t("perf.cost_axis", lang), rangemode="tozero")
    return figure


def performance_auc_chart(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> go.Figure:
    """Estimated (CBPE) against realised AUC among granted loans, per model version and period."""
    figure = _estimated_and_realised(
        periods, estimated="estimated_auc_granted", realised="realised_auc", digits=3, lang=lang
    )
    theme.base_layout(figure, t("perf.auc_chart", lang), height=420)
    _period_axis(figure, periods, lang, period)
    figure.update_yaxes(title=t("perf.auc_axis", lang))
    return figure


def approval_rate_chart(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> go.Figure:
    """The share of decisions granted, per model version and period."""
    figure = go.Figure()
    for index, version in enumerate(model_versions(periods)):
        rows = version_rows(periods, version)
        colour, symbol = version_style(index)
        name = t("perf.version", lang, version=version)
        figure.add_trace(
            go.Scatter(
                x=[row["period"] for row in rows],
                y=[row.get("approval_rate") for row in rows],
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 2.5},
                marker={"symbol": symbol, "size": 11, "color": colour},
                hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>",
            )
        )
    theme.base_layout(figure, t("perf.approval_chart", lang), height=380)
    _period_axis(figure, periods, lang, period)
    figure.update_yaxes(title=t("perf.col_approval", lang), tickformat=".0%", rangemode="tozero")
    return figure


def performance_drift_chart(periods: Sequence[dict[str, Any]], lang: str, period: str = "month") -> go.Figure:
    """The score's PSI (solid, filled markers, left axis) and the share of drifted fields (dotted, open
    markers, right axis in %), per model version and period."""
    figure = go.Figure()
    for index, version in enumerate(model_versions(periods)):
        rows = version_rows(periods, version)
        colour, symbol = version_style(index)
        name = t("perf.version", lang, version=version)
        for field, kind, dash, marker_symbol, axis, number in (
            ("score_psi", "perf.psi", "solid", symbol, "y", ":.3f"),
            ("drift_share", "perf.drift_share", "dot", f"{symbol}-open", "y2", ":.0%"),
        ):
            figure.add_trace(
                _version_trace(
                    rows,
                    field,
                    name=t("perf.trace", lang, version=name, kind=t(kind, lang)),
                    version=version,
                    style=(colour, dash, marker_symbol),
                    number=number,
                    yaxis=axis,
                )
            )
    theme.base_layout(figure, t("perf.drift_chart", lang), height=420)
    _period_axis(figure, periods, lang, period)
    figure.update_layout(
        yaxis={"title": t("perf.col_psi", lang), "rangemode": "tozero"},
        yaxis2={
            "title": t("perf.col_drift_share", lang),
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "rangemode": "tozero",
            "showgrid": False,
            "automargin": True,
        },
    )
    return figure
