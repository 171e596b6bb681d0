"""Journeys 2 and 3: a client's score explained in plain words, and the client's information."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import missing_client_page, page_heading, translated_title
from dash_app.forms import parse_client_id
from dash_app.i18n import normalise_language, t

dash.register_page(__name__, path="/client", title=translated_title("title.client"), name="Score", order=1)


def layout(
    client: str | None = None, lang: str | None = None, selected: int | None = None, **_query
) -> html.Div:
    lang = normalise_language(lang)
    client_id = parse_client_id(client) or parse_client_id(selected)
    if client_id is None:
        return missing_client_page("nav.client", lang)
    return html.Div(
        [
            page_heading(t("score.heading", lang, client_id=client_id)),
            dcc.Store(id="client-request", data={"client_id": client_id, "lang": lang}),
            html.Section(
                dcc.Loading(html.Div(id="score-section", **{"aria-live": "polite"})),
                **{"aria-label": t("score.gauge_title", lang)},
                className="mb-4",
            ),
            html.Section(
                [
                    html.H2(t("info.heading", lang), className="h3"),
                    dcc.Loading(html.Div(id="info-section")),
                ],
                className="mb-4",
            ),
            # the human review: the "to review" mark, the form and the past reviews (dash_app.review_panel)
            dcc.Loading(html.Div(id="review-section")),
        ]
    )
