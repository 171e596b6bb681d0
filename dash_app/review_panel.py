"""The human review panel (GDPR article 22): the "to review" mark of a close call, the form to confirm or
override the automated decision with a justification (errors next to the field, in the page's language), and
the past reviews (who, when, from what to what, why, status).

It reviews one *subject*: a production client's current score (``{"client_id": ...}``, the client page) or a
decision of the decision log (``{"request_id": ...}``, a POST /predict answer: the new-application page). A
page places `review_panel` with its own ``prefix`` and registers the form's callback once with
`register_panel(app, prefix)` in its callbacks module (whose ``ROLE`` is the adviser's). The API checks
everything again, and records the signed-in person as the reviewer.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from credit_scoring.records import MAX_JUSTIFICATION, MIN_JUSTIFICATION
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import data_table, decision_badge, error_alert
from dash_app.i18n import normalise_language, t

DECISIONS = ("granted", "refused")
REFUSAL_CODES = (
    "person_required",
    "insufficient_role",
    "own_override",
    "already_decided",
    "pending_approval",
)


def other_decision(decision: str) -> str:
    return "granted" if decision == "refused" else "refused"


def ids(prefix: str) -> dict[str, str]:
    """The component ids of one panel."""
    names = ("subject", "decision", "justification", "justification-error", "submit", "result", "history")
    return {name: f"{prefix}-{name}" for name in names}


def justification_error(text: str | None, lang: str) -> str | None:
    """What is wrong with a justification, in words (None: it may be sent): the API's rule, said here first
    so the adviser sees it next to the field."""
    cleaned = (text or "").strip()
    if not cleaned:
        return t("review.error_required", lang)
    if len(cleaned) < MIN_JUSTIFICATION:
        return t("review.error_short", lang, min=MIN_JUSTIFICATION)
    if len(cleaned) > MAX_JUSTIFICATION:
        return t("review.error_long", lang, max=MAX_JUSTIFICATION)
    return None


def refusal_text(error: ApiError, lang: str) -> str:
    """The API's refusal in the page's language when it is a known one, else its own message."""
    if error.code in REFUSAL_CODES:
        return t(f"review.refused_{error.code}", lang)
    return t("review.refused_other", lang, message=error.message)


def decision_words(decision: str, lang: str) -> str:
    return t(f"common.{decision}", lang) if decision in DECISIONS else decision


def status_words(review: dict[str, Any], lang: str) -> str:
    status = review["status"]
    words = t(f"review.status_{status}", lang, who=review.get("approver") or "")
    note = review.get("approval_note")
    return f"{words} — {note}" if note else words


def history_block(reviews: list[dict[str, Any]], lang: str, heading_id: str) -> html.Div:
    """The past reviews as a table: when, who, from, to, why, status."""
    heading = html.H3(t("review.history_heading", lang), className="h5 mt-3", id=heading_id)
    if not reviews:
        return html.Div([heading, html.P(t("review.history_none", lang))])
    columns = [t(f"review.col_{name}", lang) for name in ("when", "who", "from", "to", "why", "status")]
    rows = [
        [
            review["reviewed_at"][:16].replace("T", " "),
            f"{review['reviewer']} ({t('role.' + review['reviewer_role'], lang)})"
            if review.get("reviewer_role") in ("adviser", "risk", "admin")
            else review["reviewer"],
            decision_words(review["automated_decision"], lang),
            decision_words(review["reviewed_decision"], lang),
            review["justification"],
            status_words(review, lang),
        ]
        for review in reviews
    ]
    return html.Div([heading, data_table(columns, rows)])


def history_for(
    client: ApiClient, subject: dict[str, Any], lang: str, heading_id: str
) -> html.Div | dbc.Alert:
    """The reviews of the subject's client (a new applicant without a client id: the subject's own, none
    yet)."""
    client_id = subject.get("client_id")
    if client_id is None:
        return history_block([], lang, heading_id)
    try:
        reviews = client.client_reviews(int(client_id))["items"]
    except ApiError as error:
        return error_alert(error.message, lang)
    return history_block(reviews, lang, heading_id)


def review_panel(
    subject: dict[str, Any],
    lang: str,
    *,
    prefix: str = "review",
    history: html.Div | dbc.Alert | None = None,
) -> html.Section:
    """The panel for ``subject``: ``client_id`` or ``request_id``, the automated ``decision`` and
    ``to_review`` (the API's mark), e.g. ``{"request_id": answer["request_id"], "decision":
    answer["decision"], "to_review": answer["to_review"]}`` for a POST /predict answer."""
    lang = normalise_language(lang)
    names = ids(prefix)
    decision = subject["decision"]
    heading_id = f"{prefix}-heading"
    mark = (
        dbc.Alert(t("review.to_review", lang), color="warning", id=f"{prefix}-mark", className="to-review")
        if subject.get("to_review")
        else html.P(t("review.not_to_review", lang), id=f"{prefix}-mark", className="small")
    )
    error_id = names["justification-error"]
    help_id = f"{prefix}-justification-help"
    form = html.Div(
        [
            html.Fieldset(
                [
                    html.Legend(t("review.choice_legend", lang), className="h6"),
                    dbc.RadioItems(
                        id=names["decision"],
                        options=[
                            {
                                "label": t("review.confirm", lang, decision=decision_words(decision, lang)),
                                "value": decision,
                            },
                            {
                                "label": t(
                                    "review.override",
                                    lang,
                                    decision=decision_words(other_decision(decision), lang),
                                ),
                                "value": other_decision(decision),
                            },
                        ],
                        value=decision,
                    ),
                ],
                className="mb-2",
            ),
            dbc.Label(
                t("review.justification", lang, min=MIN_JUSTIFICATION), html_for=names["justification"]
            ),
            dbc.Textarea(
                id=names["justification"],
                rows=3,
                maxLength=MAX_JUSTIFICATION + 100,
            ),
            html.Div(t("review.justification_help", lang), id=help_id, className="form-text"),
            html.Div(id=error_id, className="invalid-feedback d-block", role="alert"),
            html.Div(id=f"{prefix}-aria-sink", hidden=True),
            dbc.Button(t("review.submit", lang), id=names["submit"], color="primary", className="mt-2"),
            html.Div(id=names["result"], className="mt-2", **{"aria-live": "polite"}),
        ]
    )
    return html.Section(
        [
            html.H2(t("review.heading", lang), className="h4", id=heading_id),
            mark,
            html.P([t("review.automated", lang, decision=""), decision_badge(decision, lang)]),
            form,
            html.Div(
                history if history is not None else history_block([], lang, f"{prefix}-history-heading"),
                id=names["history"],
            ),
            _subject_store(names["subject"], subject, lang),
        ],
        id=f"{prefix}-panel",
        className="review-panel mt-4",
        **{"aria-labelledby": heading_id},
    )


def _subject_store(store_id: str, subject: dict[str, Any], lang: str) -> dcc.Store:
    kept = {key: subject.get(key) for key in ("client_id", "request_id", "decision")}
    return dcc.Store(id=store_id, data={**kept, "lang": lang})


def submit_review(
    client: ApiClient, subject: dict[str, Any], decision: str | None, justification: str | None, prefix: str
) -> tuple[str, bool, Any, Any]:
    """The form sent: (the error next to the field, whether the field is invalid, the result, the refreshed
    history or no_update). Nothing is sent when the justification is wrong; nothing is stored when the API
    refuses."""
    lang = normalise_language(subject.get("lang"))
    if decision not in DECISIONS:
        return "", False, dbc.Alert(t("review.error_choice", lang), color="danger"), no_update
    problem = justification_error(justification, lang)
    if problem:
        return problem, True, "", no_update
    try:
        review = client.review(
            decision,
            (justification or "").strip(),
            client_id=subject.get("client_id"),
            request_id=subject.get("request_id"),
        )
    except ApiError as error:
        if error.status == 422:  # the API's own reading of the field: shown next to it
            return t("review.refused_other", lang, message=error.message), True, "", no_update
        return "", False, dbc.Alert(refusal_text(error, lang), color="danger"), no_update
    if review["action"] == "override":
        text = t(
            "review.saved_override",
            lang,
            before=decision_words(review["automated_decision"], lang),
            after=decision_words(review["reviewed_decision"], lang),
        )
    else:
        text = t("review.saved_confirm", lang, decision=decision_words(review["reviewed_decision"], lang))
    history = history_for(
        client, {**subject, "client_id": review.get("client_id")}, lang, f"{prefix}-history-heading"
    )
    if subject.get("client_id") is None and review.get("client_id") is None:
        history = history_block([review], lang, f"{prefix}-history-heading")
    return "", False, dbc.Alert(text, color="success", id=f"{prefix}-saved"), history


def register_panel(app: Dash, prefix: str = "review") -> None:
    """The form's callback for the panel of ``prefix`` (call once per prefix)."""
    names = ids(prefix)

    @app.callback(
        Output(names["justification-error"], "children"),
        Output(names["justification"], "invalid"),
        Output(names["result"], "children"),
        Output(names["history"], "children"),
        Input(names["submit"], "n_clicks"),
        State(names["subject"], "data"),
        State(names["decision"], "value"),
        State(names["justification"], "value"),
        prevent_initial_call=True,
    )
    def send_review(_clicks, subject, decision, justification):
        return submit_review(get_client(), subject or {}, decision, justification, prefix)

    # dbc controls take no aria attributes: the field says where its help and its error are, and whether it is
    # invalid, on the element itself (WCAG 3.3.1, 4.1.2); an error moves the focus back to the field
    described = f"{prefix}-justification-help {names['justification-error']}"
    app.clientside_callback(
        f"""function (error) {{
            var field = document.getElementById("{names["justification"]}");
            if (!field) {{ return window.dash_clientside.no_update; }}
            field.setAttribute("aria-describedby", "{described}");
            field.setAttribute("aria-invalid", error ? "true" : "false");
            if (error) {{ field.focus(); }}
            return window.dash_clientside.no_update;
        }}""",
        Output(f"{prefix}-aria-sink", "children"),
        Input(names["justification-error"], "children"),
    )
