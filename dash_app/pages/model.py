"""Journey 6: what the model relies on, how well it performs, the cost/threshold trade-off, its version."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t

dash.register_page(__name__, path="/model", title=translated_title("title.model"), name="The model", order=4)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("model.heading", lang)),
            dcc.Store(id="model-request", data={"lang": lang}),
            dcc.Loading(html.Div(id="model-section", **{"aria-live": "polite"})),
        ]
    )
