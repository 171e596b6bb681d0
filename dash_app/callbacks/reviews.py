"""Review queue callbacks (the risk team's page, `dash_app.pages.reviews`): the overrides awaiting approval,
approving or rejecting one (a rejection needs a note), and the close calls nobody reviewed yet."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, callback_context, html, no_update

from credit_scoring.access.roles import Role
from credit_scoring.records import MIN_JUSTIFICATION
from dash_app.api_client import ApiClient, ApiError, get_client
from dash_app.components import data_table, error_alert
from dash_app.i18n import format_percent, normalise_language, t
from dash_app.review_panel import decision_words, refusal_text

ROLE: Role = "risk"
"""Approving overrides is the risk team's (`dash_app.permissions`); the API checks the role again."""


def subject_words(review: dict[str, Any], lang: str) -> str:
    if review.get("subject_kind") == "client" and review.get("client_id") is not None:
        return t("reviews.subject_client", lang, client_id=review["client_id"])
    return t("reviews.subject_decision", lang, request_id=review["subject"])


def pending_item(review: dict[str, Any], lang: str) -> html.Li:
    return html.Li(
        [
            html.P(
                t(
                    "reviews.item",
                    lang,
                    subject=subject_words(review, lang),
                    before=decision_words(review["automated_decision"], lang),
                    after=decision_words(review["reviewed_decision"], lang),
                    who=review["reviewer"],
                    when=review["reviewed_at"][:16].replace("T", " "),
                    probability=format_percent(review["probability"], lang, 1),
                    threshold=format_percent(review["threshold"], lang, 1),
                ),
                className="mb-1",
            ),
            html.P(t("reviews.why", lang, why=review["justification"]), className="small"),
        ],
        className="mb-2",
    )


def choice_label(review: dict[str, Any], lang: str) -> str:
    before = decision_words(review["automated_decision"], lang)
    after = decision_words(review["reviewed_decision"], lang)
    return f"{subject_words(review, lang)}: {before} → {after} ({review['reviewer']})"


def queue_section(client: ApiClient, lang: str) -> tuple[Any, list[dict[str, str]]]:
    """The pending overrides (a list, and the choices of the approval form)."""
    try:
        pending = client.reviews(status="pending_approval", page_size=100)["items"]
    except ApiError as error:
        return error_alert(error.message, lang), []
    if not pending:
        return html.P(t("reviews.none", lang), id="reviews-none"), []
    listing = html.Ul([pending_item(review, lang) for review in pending], id="reviews-pending")
    options = [{"label": choice_label(review, lang), "value": review["review_id"]} for review in pending]
    return listing, options


def to_review_section(client: ApiClient, lang: str) -> Any:
    """The decision log's close calls nobody reviewed yet."""
    try:
        page = client.decisions_to_review(page_size=50)
    except ApiError as error:
        return error_alert(error.message, lang)
    if not page["items"]:
        return html.P(t("reviews.to_review_none", lang))
    columns = [
        t("review.col_when", lang),
        t("reviews.col_application", lang),
        t("reviews.col_decision", lang),
        t("reviews.col_probability", lang),
    ]
    rows = [
        [
            item["created_at"][:16].replace("T", " "),
            item["request_id"],
            decision_words(item["decision"], lang),
            f"{format_percent(item['probability'], lang, 1)} / {format_percent(item['threshold'], lang, 1)}",
        ]
        for item in page["items"]
    ]
    return data_table(columns, rows)


def decide(
    client: ApiClient, review_id: str | None, outcome: str, note: str | None, lang: str
) -> tuple[str, bool, Any, bool]:
    """(the note's error, whether the note is invalid, the result, whether the queue changed)."""
    if not review_id:
        return "", False, dbc.Alert(t("reviews.error_choose", lang), color="danger"), False
    cleaned = (note or "").strip()
    if outcome == "rejected" and len(cleaned) < MIN_JUSTIFICATION:
        return t("reviews.error_note", lang, min=MIN_JUSTIFICATION), True, "", False
    try:
        client.approve_review(review_id, outcome, cleaned or None)
    except ApiError as error:
        if error.status == 422:
            return t("review.refused_other", lang, message=error.message), True, "", False
        return (
            "",
            False,
            dbc.Alert(refusal_text(error, lang), color="danger"),
            error.code == "already_decided",
        )
    done = dbc.Alert(t(f"reviews.done_{outcome}", lang), color="success", id="approval-done")
    return "", False, done, True


def register(app: Dash) -> None:
    @app.callback(
        Output("reviews-queue", "children"),
        Output("approval-choice", "options"),
        Output("approval-choice", "value"),
        Output("reviews-to-review", "children"),
        Output("approval-choices", "hidden"),
        Input("reviews-request", "data"),
        Input("reviews-refresh", "data"),
    )
    def render_queue(request, _refresh):
        lang = normalise_language((request or {}).get("lang"))
        client = get_client()
        listing, options = queue_section(client, lang)
        # nothing to decide: no form (the result of the last decision stays below)
        return listing, options, None, to_review_section(client, lang), not options

    @app.callback(
        Output("approval-note-error", "children"),
        Output("approval-note", "invalid"),
        Output("approval-result", "children"),
        Output("reviews-refresh", "data"),
        Input("approval-approve", "n_clicks"),
        Input("approval-reject", "n_clicks"),
        State("reviews-request", "data"),
        State("approval-choice", "value"),
        State("approval-note", "value"),
        State("reviews-refresh", "data"),
        prevent_initial_call=True,
    )
    def send_decision(_approve, _reject, request, review_id, note, refresh):
        outcome = "rejected" if callback_context.triggered_id == "approval-reject" else "approved"
        lang = normalise_language((request or {}).get("lang"))
        error, invalid, result, changed = decide(get_client(), review_id, outcome, note, lang)
        return error, invalid, result, (refresh or 0) + 1 if changed else no_update
