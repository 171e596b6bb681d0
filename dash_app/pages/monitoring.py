"""Journey 7: the latest drift summary and a link to the full Evidently report, then the live performance:
estimated and realised cost and AUC, approval rate and drift per period and model version, with the alerts."""

from __future__ import annotations

import dash
from dash import dcc, html

from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t

dash.register_page(
    __name__,
    path="/monitoring",
    title=translated_title("title.monitoring"),
    name="Monitoring",
    order=5,
    role="risk",
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("drift.heading", lang)),
            dcc.Store(id="monitoring-request", data={"lang": lang}),
            dcc.Loading(html.Div(id="monitoring-section", **{"aria-live": "polite"})),
            html.Section(
                [
                    html.H2(t("perf.heading", lang), className="h3 mt-4", id="performance-heading"),
                    dcc.Loading(html.Div(id="performance-section", **{"aria-live": "polite"})),
                ],
                **{"aria-labelledby": "performance-heading"},
            ),
            html.Section(
                [
                    html.H2(
                        t("reviews.summary_heading", lang), className="h3 mt-4", id="review-summary-heading"
                    ),
                    dcc.Loading(html.Div(id="review-summary-section", **{"aria-live": "polite"})),
                ],
                **{"aria-labelledby": "review-summary-heading"},
            ),
        ]
    )
