"""New-application callbacks: validate the form as the API would, score it (a real decision for a new
applicant: no SK_ID_CURR, so no history), show what would change a refusal, and the decision letter.

The score is shown with the client page's own pieces (`callbacks.client`: summary, reasons, refusal block),
followed by the human review panel of that decision (`dash_app.review_panel`, prefix ``newapp-review``: the
decision is recorded under its request id, so a close call is confirmed or overridden right here); the
alternatives come from ``POST /counterfactual`` in a second callback, so that the score is not kept waiting
for them.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from dash_app import review_panel
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.callbacks.client import reasons_block, refusal_block, score_summary
from dash_app.components import decision_badge, error_alert
from dash_app.i18n import format_percent, normalise_language, t
from dash_app.new_application_fields import (
    CATEGORY,
    FORM_FIELDS,
    NOT_GIVEN,
    application_from_form,
    aria_state,
    form_values,
)

REFUSED = "refused"
REVIEW_PREFIX = "newapp-review"


# --- the score ---------------------------------------------------------------------------------------------


def score_view(score: dict[str, Any], lang: str) -> html.Section:
    """The score page's result for a new application: gauge, decision, band, reasons, refusal block."""
    parts: list = [
        html.H2(t("newapp.result_heading", lang), id="newapp-result-heading", className="h3"),
        score_summary(score, lang, "newapp-gauge"),
    ]
    if score.get("known_client"):
        parts.append(html.P(t("newapp.known_client", lang), className="small"))
    parts.append(reasons_block(score.get("reasons") or [], lang, "newapp-contributions"))
    parts.extend(filter(None, [refusal_block(score, lang, "newapp-refusal-reasons")]))
    return html.Section(parts, id="newapp-score", **{"aria-labelledby": "newapp-result-heading"})


def review_view(score: dict[str, Any], lang: str) -> html.Section:
    """The human review panel of the decision just made (the API's ``request_id`` and ``to_review`` mark)."""
    subject = {
        "request_id": score["request_id"],
        "decision": score["decision"],
        "to_review": score["to_review"],
    }
    return review_panel.review_panel(subject, lang, prefix=REVIEW_PREFIX)


def letter_actions(lang: str) -> html.Section:
    return html.Section(
        [
            html.H2(t("newapp.letter_heading", lang), id="newapp-letter-heading", className="h3 mt-4"),
            html.P(t("newapp.letter_intro", lang)),
            dbc.Button(
                t("newapp.letter_show", lang), id="newapp-letter-show", color="secondary", className="me-2"
            ),
            dbc.Button(t("newapp.letter_pdf", lang), id="newapp-letter-pdf", color="secondary", outline=True),
            html.Div(id="newapp-letter-error", role="alert", className="mt-2"),
            dcc.Loading(html.Div(id="newapp-letter-view", className="mt-3")),
        ],
        **{"aria-labelledby": "newapp-letter-heading"},
    )


def submit_application(client: ApiClient, entered: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the form's submission changes: the result, the form's message, each field's problem, the
    scored application (for the alternatives and the letter) and the letter's actions."""
    application, errors, message = application_from_form(entered, lang, client.settings.currency)
    answer: dict[str, Any] = {
        "result": None,
        "message": message or "",
        "errors": errors,
        "scored": None,
        "letter": None,
    }
    if errors:
        return answer
    try:
        score = client.predict(application, lang=lang)  # a real decision: recorded, not a simulation
    except ApiError as error:
        return {**answer, "result": error_alert(error.message, lang)}
    return {
        **answer,
        "result": [score_view(score, lang), review_view(score, lang)],
        "scored": {"application": application, "decision": score["decision"]},
        "letter": letter_actions(lang),
    }


# --- what would change the decision ------------------------------------------------------------------


def alternative_item(index: int, alternative: dict[str, Any], lang: str) -> html.Li:
    sentence_id = f"newapp-alternative-{index}"
    return html.Li(
        [
            html.P(alternative["sentence"], id=sentence_id, className="mb-1 alternative-sentence"),
            html.P(
                [
                    t(
                        "newapp.alternative_score",
                        lang,
                        probability=format_percent(float(alternative["probability"]), lang, 1),
                    ),
                    " ",
                    decision_badge(alternative["decision"], lang),
                ],
                className="mb-1 small",
            ),
            html.Button(
                t("newapp.use", lang),
                id={"type": "newapp-use", "index": index},
                type="button",
                className="btn btn-outline-primary btn-sm",
                **{"aria-describedby": sentence_id},
            ),
        ],
        className="mb-3",
    )


def alternatives_view(client: ApiClient, scored: dict[str, Any] | None, lang: str) -> tuple[Any, list]:
    """For a refused application, its alternatives in plain words (or why there are none) and their
    applications; nothing for a granted one."""
    if not scored or scored.get("decision") != REFUSED:
        return None, []
    try:
        answer = client.counterfactual(scored["application"], lang)
    except ApiError as error:
        if error.code == "already_granted":
            return None, []
        return error_alert(error.message, lang), []
    alternatives = answer.get("alternatives") or []
    heading = html.H2(
        t("newapp.alternatives_heading", lang), id="newapp-alternatives-heading", className="h3 mt-4"
    )
    if alternatives:
        body = [
            html.P(t("newapp.alternatives_intro", lang)),
            html.Ol([alternative_item(i, alt, lang) for i, alt in enumerate(alternatives)], className="ps-3"),
        ]
    else:
        reason = (answer.get("none_reason") or {}).get("message") or ""
        body = [dbc.Alert(reason, color="info", id="newapp-no-alternative")]
    section = html.Section(
        [heading, *body], id="newapp-alternatives-list", **{"aria-labelledby": "newapp-alternatives-heading"}
    )
    return section, [alt.get("application") or {} for alt in alternatives]


def filled_form(
    trigger: Any, used: list[int | None], applications: list[dict[str, Any]] | None, lang: str
) -> tuple[str, list[Any]] | None:
    """The form's status message and values after "Clear the form" (empty) or "Use this alternative"
    (the alternative's application in the form's units); None when nothing was asked."""
    if trigger == "newapp-clear":
        return "", [NOT_GIVEN if field.kind == CATEGORY else None for field in FORM_FIELDS]
    if not isinstance(trigger, dict) or not any(used or []) or not applications:
        return None
    index = int(trigger.get("index", -1))
    if not 0 <= index < len(applications):
        return None
    values = form_values(applications[index])
    return t("newapp.used", lang), [values[field.column] for field in FORM_FIELDS]


# --- the letter --------------------------------------------------------------------------------------------


def letter_view(client: ApiClient, scored: dict[str, Any] | None, lang: str) -> Any:
    """The letter in a frame the adviser can read and print."""
    if not scored:
        return None
    try:
        page = client.letter(scored["application"], lang, "html")
    except ApiError as error:
        return error_alert(error.message, lang)
    return html.Div(
        [
            dbc.Button(
                t("newapp.letter_print", lang), id="newapp-letter-print", color="primary", className="mb-2"
            ),
            html.Iframe(
                srcDoc=page,
                id="newapp-letter-frame",
                title=t("newapp.letter_frame", lang),
                sandbox="allow-same-origin allow-modals",
                className="letter-frame w-100 border",
                style={"height": "36rem"},
            ),
        ]
    )


def letter_pdf(client: ApiClient, scored: dict[str, Any] | None, lang: str) -> tuple[Any, Any]:
    """The PDF to download (``dcc.Download`` data), or the problem in words."""
    if not scored:
        return no_update, None
    try:
        content = client.letter(scored["application"], lang, "pdf")
    except ApiError as error:
        return no_update, error_alert(error.message, lang)
    return dcc.send_bytes(bytes(content), f"{t('newapp.letter_file', lang)}.pdf"), None


# --- wiring -------------------------------------------------------------------------------------------------


def register(app: Dash) -> None:
    review_panel.register_panel(app, REVIEW_PREFIX)
    values = [State(field.id, "value") for field in FORM_FIELDS]

    @app.callback(
        Output("newapp-result", "children"),
        Output("newapp-feedback", "children"),
        Output("newapp-invalid", "data"),
        Output("newapp-scored", "data"),
        Output("newapp-letter-section", "children"),
        Output("newapp-status", "children", allow_duplicate=True),
        *[Output(field.id, "invalid") for field in FORM_FIELDS],
        *[Output(field.feedback_id, "children") for field in FORM_FIELDS],
        Input("newapp-form", "n_submit"),
        State("newapp-request", "data"),
        *values,
        prevent_initial_call=True,
    )
    def submit(_submitted, request, *entered):
        lang = normalise_language((request or {}).get("lang"))
        form = dict(zip([field.column for field in FORM_FIELDS], entered, strict=True))
        answer = submit_application(get_client(), form, lang)
        errors = answer["errors"]
        return (
            answer["result"],
            answer["message"],
            aria_state(errors, focus=True),
            answer["scored"],
            answer["letter"],
            "",
            *[field.column in errors for field in FORM_FIELDS],
            *[errors.get(field.column, "") for field in FORM_FIELDS],
        )

    @app.callback(
        Output("newapp-alternatives", "children"),
        Output("newapp-alternatives-data", "data"),
        Input("newapp-scored", "data"),
        State("newapp-request", "data"),
        prevent_initial_call=True,
    )
    def alternatives(scored, request):
        return alternatives_view(get_client(), scored, normalise_language((request or {}).get("lang")))

    @app.callback(
        Output("newapp-status", "children"),
        *[Output(field.id, "value") for field in FORM_FIELDS],
        Output("newapp-feedback", "children", allow_duplicate=True),
        Output("newapp-invalid", "data", allow_duplicate=True),
        *[Output(field.id, "invalid", allow_duplicate=True) for field in FORM_FIELDS],
        *[Output(field.feedback_id, "children", allow_duplicate=True) for field in FORM_FIELDS],
        Input({"type": "newapp-use", "index": ALL}, "n_clicks"),
        Input("newapp-clear", "n_clicks"),
        State("newapp-alternatives-data", "data"),
        State("newapp-request", "data"),
        prevent_initial_call=True,
    )
    def fill_form(used, _cleared, applications, request):
        lang = normalise_language((request or {}).get("lang"))
        filled = filled_form(ctx.triggered_id, used, applications, lang)
        if filled is None:
            return (no_update,) * (3 + 3 * len(FORM_FIELDS))
        status, values = filled
        no_errors = [False] * len(FORM_FIELDS), [""] * len(FORM_FIELDS)  # a new form: no old message
        return status, *values, "", aria_state({}), *no_errors[0], *no_errors[1]

    @app.callback(
        Output("newapp-letter-view", "children"),
        Input("newapp-letter-show", "n_clicks"),
        State("newapp-scored", "data"),
        State("newapp-request", "data"),
        prevent_initial_call=True,
    )
    def show_letter(_clicked, scored, request):
        return letter_view(get_client(), scored, normalise_language((request or {}).get("lang")))

    @app.callback(
        Output("newapp-letter-download", "data"),
        Output("newapp-letter-error", "children"),
        Input("newapp-letter-pdf", "n_clicks"),
        State("newapp-scored", "data"),
        State("newapp-request", "data"),
        prevent_initial_call=True,
    )
    def download_letter(_clicked, scored, request):
        return letter_pdf(get_client(), scored, normalise_language((request or {}).get("lang")))

    app.clientside_callback(
        """function (clicks) {
            var frame = document.getElementById('newapp-letter-frame');
            if (clicks && frame && frame.contentWindow) {
                frame.contentWindow.focus();
                frame.contentWindow.print();
            }
            return window.dash_clientside.no_update;
        }""",
        Output("newapp-print-sink", "children"),
        Input("newapp-letter-print", "n_clicks"),
        prevent_initial_call=True,
    )

    # dbc controls take no aria attributes: set them on the elements (WCAG 3.3.1, 4.1.2)
    app.clientside_callback(
        """function (state) {
            if (!state) { return window.dash_clientside.no_update; }
            var first = null;
            state.fields.forEach(function (f) {
                var el = document.getElementById(f.id);
                if (!el) { return; }
                el.setAttribute('aria-invalid', f.invalid ? 'true' : 'false');
                if (f.describedby) { el.setAttribute('aria-describedby', f.describedby); }
                else { el.removeAttribute('aria-describedby'); }
                if (f.invalid && !first) { first = el; }
            });
            if (state.focus && first) { first.focus(); }
            return window.dash_clientside.no_update;
        }""",
        Output("newapp-aria-sink", "children"),
        Input("newapp-invalid", "data"),
    )
