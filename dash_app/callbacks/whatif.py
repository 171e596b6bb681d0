"""What-if callbacks: load the client's application into the form, score the simulated application."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html, no_update

from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.callbacks.client import reasons_block, refusal_block, score_summary
from dash_app.components import error_alert
from dash_app.i18n import normalise_language, t
from dash_app.whatif_fields import EDITABLE_FIELDS, field_id, form_values, simulated_application


def load_application(client: ApiClient, client_id: int) -> dict[str, Any]:
    """The client's raw application, as the API gives it for sending back to /predict."""
    info = client.client_info(client_id)
    return {**info.get("application", {}), "SK_ID_CURR": client_id}


def compare_scores(client: ApiClient, original: dict[str, Any], entered: dict[str, Any], lang: str):
    """Before and after, side by side, the change of decision in words, then the simulated reasons."""
    application, errors = simulated_application(original, entered, lang)
    if errors:
        return dbc.Alert(errors, color="warning")
    try:
        before = client.predict(original, lang=lang, simulation=True)
        after = client.predict(application, lang=lang, simulation=True)
    except ApiError as error:
        return error_alert(error.message, lang)
    decisions = [t(f"common.{score['decision']}", lang) for score in (before, after)]
    if before["decision"] == after["decision"]:
        change = t("whatif.unchanged", lang, decision=decisions[0])
    else:
        change = t("whatif.changed", lang, before=decisions[0], after=decisions[1])
    return html.Div(
        [
            html.P(html.Strong(change), className="fs-5", id="whatif-change"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H2(t("whatif.before", lang), className="h4"),
                            score_summary(before, lang, "whatif-before-gauge"),
                        ],
                        xs=12,
                        xl=6,
                    ),
                    dbc.Col(
                        [
                            html.H2(t("whatif.after", lang), className="h4"),
                            score_summary(after, lang, "whatif-after-gauge"),
                        ],
                        xs=12,
                        xl=6,
                    ),
                ]
            ),
            reasons_block(after.get("reasons") or [], lang, "whatif-contributions"),
            *filter(None, [refusal_block(after, lang, "whatif-refusal-reasons")]),
        ]
    )


def register(app: Dash) -> None:
    field_outputs = [Output(field_id(field.name), "value") for field in EDITABLE_FIELDS]

    @app.callback(
        Output("whatif-original", "data"),
        Output("whatif-feedback", "children"),
        *field_outputs,
        Input("whatif-request", "data"),
        Input("whatif-reset", "n_clicks"),
        State("whatif-original", "data"),
    )
    def fill_form(request, _reset, original):
        lang = normalise_language(request.get("lang"))
        if original is None:
            try:
                original = load_application(get_client(), int(request["client_id"]))
            except ApiError as error:
                return None, t("common.error", lang, message=error.message), *[no_update] * len(field_outputs)
        values = form_values(original)
        return original, "", *[values[field.name] for field in EDITABLE_FIELDS]

    @app.callback(
        Output("whatif-result", "children"),
        Input("whatif-form", "n_submit"),
        State("whatif-request", "data"),
        State("whatif-original", "data"),
        *[State(field_id(field.name), "value") for field in EDITABLE_FIELDS],
        prevent_initial_call=True,
    )
    def simulate(_submitted, request, original, *values):
        if not original:
            return no_update
        entered = {field.name: value for field, value in zip(EDITABLE_FIELDS, values, strict=True)}
        return compare_scores(get_client(), original, entered, normalise_language(request.get("lang")))
