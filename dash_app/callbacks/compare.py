"""Compare callbacks: feature choices, the distribution of one feature in a group, the bivariate view."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html

from dash_app import alternatives, figures
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import chart_block, error_alert
from dash_app.forms import filter_states, parse_filters
from dash_app.i18n import format_percent, normalise_language, t
from dash_app.wording import level_text

MAX_FEATURES = 40
SIMILAR_K = 50


def feature_options(client: ApiClient, lang: str) -> list[dict[str, str]]:
    """The model's features an adviser can compare on, most important first, by their plain label."""
    info = client.model_info(lang)
    ranked = info.get("global_importance") or []
    options = [
        {"label": item.get("label") or item["feature"], "value": item["feature"]}
        for item in sorted(ranked, key=lambda item: float(item["importance"]), reverse=True)
    ]
    if not options:
        options = [{"label": feature, "value": feature} for feature in info.get("features", [])]
    return options[:MAX_FEATURES]


def plain_label(answered: str | None, feature: str, known: dict[str, str] | None) -> str:
    """The API's label, unless it is only the column name and a plainer one is known (the feature list's)."""
    if answered and answered != feature:
        return answered
    return (known or {}).get(feature) or answered or feature


def distribution_block(
    client: ApiClient,
    client_id: int,
    feature: str,
    *,
    group: str,
    filters: dict[str, Any],
    lang: str,
    labels: dict[str, str] | None = None,
) -> html.Div | dbc.Alert:
    """The chart of one feature over the chosen group, with its text alternative."""
    try:
        answer = client.distribution(
            feature,
            group=group,
            client_id=client_id,
            filters=filters if group == "filtered" else None,
            lang=lang,
        )
    except ApiError as error:
        return error_alert(error.message, lang)
    label = plain_label(answer.get("label"), feature, labels)
    group_label = t(f"compare.group_{group}", lang)
    client_value = answer.get("client_value")
    if answer.get("kind") == "categorical":
        counts = {level_text(feature, level, lang): n for level, n in (answer.get("counts") or {}).items()}
        level = None if client_value is None else level_text(feature, client_value, lang)
        figure = figures.category_chart(counts, level, label, lang)
        text = alternatives.category_text(counts, level, group_label, lang)
    else:
        values = [float(value) for value in answer.get("values", []) if isinstance(value, int | float)]
        number = float(client_value) if isinstance(client_value, int | float) else None
        figure = figures.distribution_chart(values, number, label, lang)
        text = alternatives.distribution_text(values, number, label, group_label, lang)
    children: list = [chart_block("distribution-graph", figure, text, lang)]
    if group == "similar":
        children.append(similar_note(client, client_id, lang))
    return html.Div(children)


def similar_note(client: ApiClient, client_id: int, lang: str) -> html.P:
    try:
        similar = client.similar_clients(client_id, k=SIMILAR_K)
    except ApiError as error:
        return html.P(t("common.error", lang, message=error.message))
    rate = similar.get("observed_default_rate")
    k = len(similar.get("neighbours", [])) or similar.get("k", SIMILAR_K)
    if rate is None:
        return html.P(t("compare.similar_note_unknown", lang, k=k))
    return html.P(t("compare.similar_note", lang, k=k, rate=format_percent(rate, lang, 1)))


def scatter_block(
    client: ApiClient,
    client_id: int,
    x: str,
    y: str,
    *,
    colour: str,
    lang: str,
    labels: dict[str, str] | None = None,
) -> html.Div | dbc.Alert:
    try:
        answer = client.scatter(x, y, client_id=client_id, lang=lang)
    except ApiError as error:
        return error_alert(error.message, lang)
    points = [point for point in answer.get("points", []) if _numeric(point)]
    own = answer.get("client")
    own = own if own and _numeric(own) else None
    x_label, y_label = (
        plain_label(answer.get("x_label"), x, labels),
        plain_label(answer.get("y_label"), y, labels),
    )
    figure = figures.bivariate_chart(
        points, own, x_label=x_label, y_label=y_label, color_by=colour, lang=lang
    )
    text = alternatives.bivariate_text(points, own, x_label=x_label, y_label=y_label, lang=lang)
    return chart_block("scatter-graph", figure, text, lang)


def option_labels(options: list[dict[str, str]] | None) -> dict[str, str]:
    return {option["value"]: option["label"] for option in options or []}


def _numeric(point: dict[str, Any]) -> bool:
    return isinstance(point.get("x"), int | float) and isinstance(point.get("y"), int | float)


def register(app: Dash) -> None:
    @app.callback(
        Output("compare-feature", "options"),
        Output("compare-feature", "value"),
        Output("compare-x", "options"),
        Output("compare-x", "value"),
        Output("compare-y", "options"),
        Output("compare-y", "value"),
        Input("compare-request", "data"),
    )
    def fill_features(request):
        try:
            options = feature_options(get_client(), normalise_language(request.get("lang")))
        except ApiError:
            options = []
        first = options[0]["value"] if options else None
        second = options[1]["value"] if len(options) > 1 else first
        return options, first, options, first, options, second

    @app.callback(
        Output("distribution-section", "children"),
        Input("compare-feature", "value"),
        Input("compare-group", "value"),
        Input("group-filter-form", "n_submit"),
        State("compare-request", "data"),
        State("compare-feature", "options"),
        *filter_states("group"),
        prevent_initial_call=True,
    )
    def render_distribution(feature, group, _submitted, request, options, *values):
        lang = normalise_language(request.get("lang"))
        if not feature:
            return ""
        filters, errors = parse_filters(values, lang)
        if errors and group == "filtered":
            return dbc.Alert(errors, color="warning")
        return distribution_block(
            get_client(),
            int(request["client_id"]),
            feature,
            group=group or "all",
            filters=filters,
            lang=lang,
            labels=option_labels(options),
        )

    @app.callback(
        Output("scatter-section", "children"),
        Input("compare-x", "value"),
        Input("compare-y", "value"),
        Input("compare-colour", "value"),
        State("compare-request", "data"),
        State("compare-x", "options"),
        prevent_initial_call=True,
    )
    def render_scatter(x, y, colour, request, options):
        if not x or not y:
            return ""
        lang = normalise_language(request.get("lang"))
        return scatter_block(
            get_client(),
            int(request["client_id"]),
            x,
            y,
            colour=colour or "decision",
            lang=lang,
            labels=option_labels(options),
        )
