"""The risk team's review queue: the overrides awaiting approval (approve, or reject with a note), then the
new applications in the review band that nobody reviewed yet (callbacks: `dash_app.callbacks.reviews`)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_scoring.records import MIN_JUSTIFICATION
from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t

dash.register_page(
    __name__, path="/reviews", title=translated_title("title.reviews"), name="Reviews", order=6, role="risk"
)


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    return html.Div(
        [
            page_heading(t("reviews.heading", lang)),
            html.P(t("reviews.intro", lang)),
            dcc.Store(id="reviews-request", data={"lang": lang}),
            dcc.Store(id="reviews-refresh", data=0),
            dcc.Loading(html.Div(id="reviews-queue", **{"aria-live": "polite"})),
            html.Div(
                [
                    html.Div(
                        [
                            html.Fieldset(
                                [
                                    html.Legend(t("reviews.choose", lang), className="h6"),
                                    dbc.RadioItems(id="approval-choice", options=[], value=None),
                                ],
                                className="mb-2",
                            ),
                            dbc.Label(
                                t("reviews.note", lang, min=MIN_JUSTIFICATION), html_for="approval-note"
                            ),
                            dbc.Textarea(id="approval-note", rows=2),
                            html.Div(
                                id="approval-note-error", className="invalid-feedback d-block", role="alert"
                            ),
                            html.Div(
                                [
                                    dbc.Button(
                                        t("reviews.approve", lang), id="approval-approve", color="success"
                                    ),
                                    dbc.Button(
                                        t("reviews.reject", lang),
                                        id="approval-reject",
                                        color="danger",
                                        className="ms-2",
                                    ),
                                ],
                                className="mt-2",
                            ),
                        ],
                        id="approval-choices",
                        hidden=True,
                    ),
                    html.Div(id="approval-result", className="mt-2", **{"aria-live": "polite"}),
                ],
                id="approval-form",
                className="mb-4",
            ),
            html.Section(
                [
                    html.H2(t("reviews.to_review_heading", lang), className="h4", id="to-review-heading"),
                    dcc.Loading(html.Div(id="reviews-to-review")),
                ],
                **{"aria-labelledby": "to-review-heading"},
            ),
        ]
    )
