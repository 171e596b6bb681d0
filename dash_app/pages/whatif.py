"""Journey 5: change a few application fields and see the new score and decision."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app.client_fields import field_label
from dash_app.components import missing_client_page, page_heading, translated_title
from dash_app.forms import parse_client_id
from dash_app.i18n import normalise_language, t
from dash_app.whatif_fields import EDITABLE_FIELDS, field_id

dash.register_page(__name__, path="/what-if", title=translated_title("title.whatif"), name="What if", order=3)


def layout(
    client: str | None = None, lang: str | None = None, selected: int | None = None, **_query
) -> html.Div:
    lang = normalise_language(lang)
    client_id = parse_client_id(client) or parse_client_id(selected)
    if client_id is None:
        return missing_client_page("nav.whatif", lang)
    inputs = [
        dbc.Col(
            [
                dbc.Label(field_label(field.label, lang), html_for=field_id(field.name)),
                dbc.Input(
                    id=field_id(field.name), type="number", min=0, step=field.step, inputMode="decimal"
                ),
            ],
            xs=12,
            sm=6,
            lg=4,
            className="mb-2",
        )
        for field in EDITABLE_FIELDS
    ]
    return html.Div(
        [
            page_heading(t("whatif.heading", lang, client_id=client_id)),
            dcc.Store(id="whatif-request", data={"client_id": client_id, "lang": lang}),
            dcc.Store(id="whatif-original"),
            html.P(t("whatif.intro", lang)),
            dbc.Form(
                [
                    dbc.Row(inputs),
                    html.P(t("whatif.term_help", lang), className="small"),
                    dbc.Button(
                        t("whatif.submit", lang),
                        id="whatif-submit",
                        type="submit",
                        color="primary",
                        className="me-2",
                    ),
                    dbc.Button(t("whatif.reset", lang), id="whatif-reset", color="secondary", outline=True),
                ],
                id="whatif-form",
                prevent_default_on_submit=True,
                className="mb-3",
            ),
            html.Div(id="whatif-feedback", role="alert", className="text-danger"),
            dcc.Loading(html.Div(id="whatif-result", **{"aria-live": "polite"})),
        ]
    )
