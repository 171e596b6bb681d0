"""Journey 4: the client against all clients, a filtered group or the most similar clients; two features."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app.components import missing_client_page, page_heading, translated_title
from dash_app.forms import filter_controls, parse_client_id
from dash_app.i18n import normalise_language, t

dash.register_page(
    __name__, path="/compare", title=translated_title("title.compare"), name="Compare", order=2
)


def _select(control_id: str, label: str) -> list:
    return [dbc.Label(label, html_for=control_id), dbc.Select(id=control_id, options=[])]


def _radios(control_id: str, legend: str, options: list[dict], value: str) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(legend, className="form-label fs-6"),
            dbc.RadioItems(id=control_id, options=options, value=value),
        ]
    )


def layout(
    client: str | None = None, lang: str | None = None, selected: int | None = None, **_query
) -> html.Div:
    lang = normalise_language(lang)
    client_id = parse_client_id(client) or parse_client_id(selected)
    if client_id is None:
        return missing_client_page("nav.compare", lang)
    groups = [
        {"label": t(f"compare.group_{name}", lang), "value": name} for name in ("all", "filtered", "similar")
    ]
    colours = [{"label": t(f"compare.color_{name}", lang), "value": name} for name in ("decision", "score")]
    univariate = html.Section(
        [
            html.H2(t("compare.univariate", lang), className="h3"),
            dbc.Row(
                [
                    dbc.Col(
                        _select("compare-feature", t("compare.feature", lang)), xs=12, md=6, className="mb-2"
                    ),
                    dbc.Col(_radios("compare-group", t("compare.group", lang), groups, "all"), xs=12, md=6),
                ]
            ),
            html.Details(
                [
                    html.Summary(t("compare.group_filters", lang)),
                    html.P(t("compare.filters_help", lang), className="small"),
                    dbc.Form(
                        [filter_controls("group", lang), dbc.Button(t("compare.show", lang), type="submit")],
                        id="group-filter-form",
                        prevent_default_on_submit=True,
                    ),
                ],
                className="mb-3",
            ),
            dcc.Loading(html.Div(id="distribution-section", **{"aria-live": "polite"})),
        ],
        className="mb-4",
    )
    bivariate = html.Section(
        [
            html.H2(t("compare.bivariate", lang), className="h3"),
            dbc.Row(
                [
                    dbc.Col(_select("compare-x", t("compare.x", lang)), xs=12, md=4, className="mb-2"),
                    dbc.Col(_select("compare-y", t("compare.y", lang)), xs=12, md=4, className="mb-2"),
                    dbc.Col(
                        _radios("compare-colour", t("compare.color_by", lang), colours, "decision"),
                        xs=12,
                        md=4,
                    ),
                ]
            ),
            dcc.Loading(html.Div(id="scatter-section", **{"aria-live": "polite"})),
        ]
    )
    return html.Div(
        [
            page_heading(t("compare.heading", lang, client_id=client_id)),
            dcc.Store(id="compare-request", data={"client_id": client_id, "lang": lang}),
            univariate,
            bivariate,
        ]
    )
