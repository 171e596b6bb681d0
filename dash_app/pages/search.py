"""Journey 1: find a client by number or by characteristics."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app.components import page_heading, translated_title
from dash_app.forms import filter_controls
from dash_app.i18n import normalise_language, t

dash.register_page(__name__, path="/", title=translated_title("title.search"), name="Find a client", order=0)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    by_id = dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("search.by_id", lang), className="h4"),
                dbc.Form(
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label(t("search.id_label", lang), html_for="search-id"),
                                    dbc.Input(
                                        id="search-id", type="text", inputMode="numeric", autoComplete="off"
                                    ),
                                ],
                                xs=12,
                                sm=8,
                                md=6,
                            ),
                            dbc.Col(
                                dbc.Button(
                                    t("search.open", lang), id="search-open", color="primary", type="submit"
                                ),
                                xs=12,
                                sm=4,
                                className="d-flex align-items-end mt-2 mt-sm-0",
                            ),
                        ]
                    ),
                    id="search-id-form",
                    prevent_default_on_submit=True,
                ),
                html.Div(id="search-id-feedback", className="text-danger mt-2", role="alert"),
            ]
        ),
        className="mb-3",
    )
    by_filters = dbc.Card(
        dbc.CardBody(
            [
                html.H2(t("search.by_filters", lang), className="h4"),
                dbc.Form(
                    [
                        filter_controls("search", lang),
                        dbc.Button(
                            t("search.submit", lang),
                            id="search-submit",
                            color="primary",
                            type="submit",
                            className="me-2",
                        ),
                        dbc.Button(
                            t("search.reset", lang), id="search-reset", color="secondary", outline=True
                        ),
                    ],
                    id="search-filter-form",
                    prevent_default_on_submit=True,
                ),
            ]
        ),
        className="mb-3",
    )
    results = html.Section(
        [
            html.H2(t("search.results", lang), id="results-heading", className="h4"),
            dcc.Loading(html.Div(id="search-results", **{"aria-live": "polite"}), type="default"),
            html.Div(
                [
                    dbc.Button(
                        t("search.previous", lang),
                        id="search-previous",
                        color="secondary",
                        outline=True,
                        className="me-2",
                        disabled=True,
                    ),
                    dbc.Button(
                        t("search.next", lang),
                        id="search-next",
                        color="secondary",
                        outline=True,
                        disabled=True,
                    ),
                ],
                className="mt-2",
            ),
        ],
        **{"aria-labelledby": "results-heading"},
    )
    return html.Div(
        [
            page_heading(t("search.heading", lang)),
            dcc.Store(id="search-page", data={"page": 1, "pages": 1, "lang": lang}),
            dcc.Location(id="search-redirect", refresh="callback-nav"),
            by_id,
            by_filters,
            results,
        ]
    )
