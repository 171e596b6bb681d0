"""Any unknown address: say so and offer the way back."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t

dash.register_page(__name__, path="/404", title=translated_title("title.not_found"), name="Not found")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("notfound.heading", lang)),
            dcc.Link(t("notfound.back", lang), href="/"),
        ]
    )
