"""Any unknown address: say so and offer the way back."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import page_heading
from dash_app.i18n import normalise_language, t

dash.register_page(__name__, path="/404", title="Page not found — Credit scoring", name="Not found")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            *page_heading(t("notfound.heading", lang), "title.not_found", lang),
            dcc.Link(t("notfound.back", lang), href="/"),
        ]
    )
