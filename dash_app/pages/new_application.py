"""A new applicant: the application entered in readable units, scored as a real decision, with what would
change a refusal and the decision letter (callbacks: `dash_app.callbacks.new_application`)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dash_app import api_client
from dash_app.components import page_heading, translated_title
from dash_app.i18n import normalise_language, t
from dash_app.new_application_fields import (
    CATEGORY,
    FORM_FIELDS,
    GROUPS,
    NOT_GIVEN,
    FormField,
    aria_state,
    label,
    options,
)

dash.register_page(
    __name__,
    path="/new-application",
    title=translated_title("title.new_application"),
    name="New application",
    order=5,
)


HELP = {"employment": "newapp.employment_help", "score": "newapp.score_help"}


def field_control(field: FormField, lang: str, currency: str) -> dbc.Col:
    """Label, control and the feedback next to it (aria-describedby and aria-invalid are set by a clientside
    callback: dbc controls take no aria attributes)."""
    text = label(field, lang, currency)
    if field.required:
        text = t("newapp.required_mark", lang, label=text)
    if field.kind == CATEGORY:
        control = dbc.Select(
            id=field.id, options=options(field, lang), value=NOT_GIVEN, placeholder=t("newapp.choose", lang)
        )
    else:
        control = dbc.Input(
            id=field.id,
            type="number",
            step=1 if field.kind == "count" else "any",
            inputMode="numeric" if field.kind == "count" else "decimal",
        )
    parts = [dbc.Label(text, html_for=field.id), control]
    if field.kind == "employment":
        parts.append(
            html.Div(t("newapp.employment_help", lang), id=f"{field.id}-help", className="form-text")
        )
    parts.append(dbc.FormFeedback(id=field.feedback_id, type="invalid"))
    return dbc.Col(parts, xs=12, sm=6, lg=4, className="mb-2")


def layout(lang: str | None = None, **_query) -> html.Div:
    lang = normalise_language(lang)
    currency = api_client.get_client().settings.currency
    fieldsets = [
        html.Fieldset(
            [
                html.Legend(t(group, lang), className="h5"),
                dbc.Row(
                    [field_control(field, lang, currency) for field in FORM_FIELDS if field.group == group]
                ),
            ],
            className="mb-3",
        )
        for group in GROUPS
    ]
    return html.Div(
        [
            page_heading(t("newapp.heading", lang)),
            dcc.Store(id="newapp-request", data={"lang": lang}),
            dcc.Store(id="newapp-invalid", data=aria_state({})),
            dcc.Store(id="newapp-scored"),
            dcc.Store(id="newapp-alternatives-data"),
            html.P(t("newapp.intro", lang)),
            dbc.Alert(t("newapp.no_history", lang), color="info", id="newapp-no-history"),
            html.P(t("newapp.required_note", lang), className="small"),
            dbc.Form(
                [
                    *fieldsets,
                    dbc.Button(
                        t("newapp.submit", lang),
                        id="newapp-submit",
                        type="submit",
                        color="primary",
                        className="me-2",
                    ),
                    dbc.Button(
                        t("newapp.clear", lang),
                        id="newapp-clear",
                        type="button",
                        color="secondary",
                        outline=True,
                    ),
                ],
                id="newapp-form",
                prevent_default_on_submit=True,
                className="mb-3",
            ),
            html.Div(id="newapp-feedback", role="alert", className="text-danger mb-2"),
            html.Div(id="newapp-status", role="status", className="mb-2"),
            html.Div(id="newapp-aria-sink", hidden=True),
            html.Div(id="newapp-print-sink", hidden=True),
            dcc.Loading(html.Div(id="newapp-result", **{"aria-live": "polite"})),
            dcc.Loading(html.Div(id="newapp-alternatives")),
            html.Div(id="newapp-letter-section"),
            dcc.Download(id="newapp-letter-download"),
        ]
    )
