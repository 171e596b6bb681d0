"""The human review routes of ``/api/v1`` (GDPR article 22), on the same `operations` as
`credit_scoring.api.routes`: an adviser confirms or overrides an automated decision with a justification, a
risk user approves or rejects an override, and the override rates are counted.

Every route needs the ``review`` scope (every role holds it). A review or an approval is made by a person: the
dashboard's service key with its signed ``X-Acting-User`` header (`credit_scoring.access.acting`); a key
alone may read, never decide (403). Approving, the review queue and the counts need the ``risk`` role or
above. What was decided is written in one transaction and audited (``decision.review``,
``decision.override``, ``override.approval``); a refused request stores nothing and names the problem.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, g

from credit_scoring.access import audit
from credit_scoring.access.acting import ACTING_USER_HEADER
from credit_scoring.access.roles import Person, role_includes
from credit_scoring.api import schemas
from credit_scoring.api.auditing import note_action, note_clients
from credit_scoring.api.errors import ApiError
from credit_scoring.api.routes import operations
from credit_scoring.api.services import current_services
from credit_scoring.serving.clients import UnknownClientError
from credit_scoring.serving.reviews import (
    ReviewRefused,
    ReviewStore,
    Subject,
    client_subject,
    in_review_band,
)

REVIEWS_EXTENSION = "credit_scoring_reviews"


def review_store() -> ReviewStore:
    """This app's review store, over the decision log's database (created on first use)."""
    services = current_services()
    store = current_app.extensions.get(REVIEWS_EXTENSION)
    if store is None:
        settings = services.settings
        store = current_app.extensions[REVIEWS_EXTENSION] = ReviewStore(
            lambda: services.decision_log.engine,
            settings.review.band_multiples,
            settings.scoring.risk_band_multiples,
        )
    return store


def _person(required: str | None = None, what: str = "make a review") -> Person:
    """The person the call acts for (a 403 for a key alone, or a role below ``required``)."""
    person: Person | None = getattr(g, "acting_user", None)
    if person is None:
        raise ApiError(
            403,
            f"only a person may {what}: call with a signed {ACTING_USER_HEADER} header (the dashboard does)",
            [(ACTING_USER_HEADER, "required: a service key alone may not decide")],
            code="person_required",
        )
    if required is not None and not role_includes(person.role, required):
        raise ApiError(
            403,
            f"{person.name} ({person.role}) may not {what}: it needs the role {required} or above",
            [(ACTING_USER_HEADER, f"the role {person.role} may not {what}")],
            code="insufficient_role",
        )
    return person


def _reader(what: str) -> None:
    """A person reading the queue or the counts must be risk or above; a key with the scope may read."""
    if getattr(g, "acting_user", None) is not None:
        _person("risk", what)


def _refused(error: ReviewRefused) -> ApiError:
    return ApiError(error.status, error.message, [(error.field, error.message)], code=error.code)


def _unavailable(error: sa.exc.SQLAlchemyError) -> ApiError:
    return ApiError(
        503,
        f"the review store is unavailable, nothing was stored ({type(error).__name__})",
        [(None, "review_store_unavailable")],
    )


def _client_score(client_id: int) -> Subject:
    services = current_services()
    directory, scorer = services.require_directory(), services.require_scorer()
    try:
        score = directory.score(client_id)
    except UnknownClientError as error:
        raise ApiError(404, str(error), [("client_id", "unknown production client")]) from None
    return Subject(
        subject=client_subject(client_id),
        kind="client",
        client_id=client_id,
        model_version=services.served.version if services.served else None,
        probability=float(score["probability"]),
        threshold=float(scorer.threshold),
        decision=str(score["decision"]),
    )


def _noted(review: dict[str, Any]) -> tuple[int | None, None, dict[str, Any]]:
    """What the audit trail keeps of a review: who is the actor; here what, from what to what, and why."""
    detail = {
        "review_id": review["review_id"],
        "subject": review["subject"],
        "from": review["automated_decision"],
        "to": review["reviewed_decision"],
        "status": review["status"],
        "justification": review["justification"],
    }
    return review["client_id"], None, detail


def _page(rows: list[dict[str, Any]], total: int, page: int, page_size: int) -> schemas.ReviewPage:
    return schemas.ReviewPage(
        items=[schemas.ReviewOut(**row) for row in rows], total=total, page=page, page_size=page_size
    )


@operations.route(
    "/reviews",
    "POST",
    summary="Confirm or override an automated decision",
    tag="review",
    body=schemas.ReviewIn,
    response=schemas.ReviewOut,
    errors=(400, 404, 409, 415, 503),
    scope="review",
)
def create_review(body: schemas.ReviewIn) -> schemas.ReviewOut:
    """The acting person (an adviser or above) stands by the automated decision (confirm) or changes it
    (override, then pending a risk user's approval), with a justification of at least 15 characters. The
    decision is one of the decision log (``request_id``) or a production client's current score
    (``client_id``). Audited as ``decision.review`` or ``decision.override``; 409 while an override of the
    same decision awaits approval."""
    person = _person(None, "make a review")
    store = review_store()
    try:
        if body.client_id is not None:
            subject = _client_score(body.client_id)
        else:
            subject = store.decision(str(body.request_id))
            if subject is None:
                raise ApiError(
                    404,
                    f"no decision {body.request_id} in the decision log",
                    [("request_id", "unknown decision")],
                )
        review = store.add(
            subject, body.decision, body.justification, reviewer=person.name, reviewer_role=person.role
        )
    except ReviewRefused as error:
        raise _refused(error) from None
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None
    note_action(audit.DECISION_OVERRIDE if review["action"] == "override" else audit.DECISION_REVIEW)
    note_clients([_noted(review)])
    return schemas.ReviewOut(**review)


@operations.route(
    "/reviews/<review_id>/approval",
    "POST",
    summary="Approve or reject an override",
    tag="review",
    body=schemas.ApprovalIn,
    response=schemas.ReviewOut,
    errors=(400, 404, 409, 415, 503),
    scope="review",
)
def approve_review(review_id: str, body: schemas.ApprovalIn) -> schemas.ReviewOut:
    """A risk user or an administrator approves or rejects a pending override, never their own (403), once
    (409); a rejection says why (``note``, 15+ characters). Audited as ``override.approval``."""
    person = _person("risk", "approve an override")
    try:
        review = review_store().approve(
            review_id, body.outcome, approver=person.name, approver_role=person.role, note=body.note
        )
    except ReviewRefused as error:
        raise _refused(error) from None
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None
    note_action(audit.OVERRIDE_APPROVAL)
    client_id, _, detail = _noted(review)
    detail = {**detail, "outcome": body.outcome, "note": review["approval_note"]}
    note_clients([(client_id, None, detail)])
    return schemas.ReviewOut(**review)


@operations.route(
    "/reviews",
    summary="The reviews, by status",
    tag="review",
    query=schemas.ReviewQuery,
    response=schemas.ReviewPage,
    errors=(503,),
    scope="review",
)
def list_reviews(query: schemas.ReviewQuery) -> schemas.ReviewPage:
    """The recorded reviews, most recent first (``status=pending_approval``: the risk team's queue)."""
    _reader("see the review queue")
    try:
        rows, total = review_store().reviews(
            status=query.status, limit=query.page_size, offset=(query.page - 1) * query.page_size
        )
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None
    note_action(audit.CLIENTS_SEARCH)
    note_clients([(None, None, {"reviews": query.status or "all", "page": query.page, "shown": len(rows)})])
    return _page(rows, total, query.page, query.page_size)


@operations.route(
    "/reviews/to-review",
    summary="Decisions in the review band not reviewed yet",
    tag="review",
    query=schemas.PageQuery,
    response=schemas.ToReviewPage,
    errors=(503,),
    scope="review",
)
def decisions_to_review(query: schemas.PageQuery) -> schemas.ToReviewPage:
    """The decision log's decisions (POST /predict) whose probability lies in the review band and that
    nobody reviewed yet, most recent first."""
    _reader("see the review queue")
    store = review_store()
    try:
        rows, total = store.to_review(limit=query.page_size, offset=(query.page - 1) * query.page_size)
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None
    note_action(audit.CLIENTS_SEARCH)
    note_clients([(None, None, {"reviews": "to_review", "page": query.page, "shown": len(rows)})])
    return schemas.ToReviewPage(
        items=[schemas.ToReviewItem(**row) for row in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
        band_multiples=store.band_multiples,
    )


@operations.route(
    "/reviews/summary",
    summary="Override rates per adviser and per band",
    tag="review",
    response=schemas.ReviewSummary,
    errors=(503,),
    scope="review",
)
def review_summary() -> schemas.ReviewSummary:
    """Reviews by status, and the override rate per reviewer, per risk band and inside or outside the review
    band: a high rate is a model problem (or an adviser's)."""
    _reader("see the override counts")
    try:
        return schemas.ReviewSummary(**review_store().summary())
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None


@operations.route(
    "/clients/<int:client_id>/reviews",
    summary="A client's reviews",
    tag="review",
    query=schemas.PageQuery,
    response=schemas.ClientReviews,
    errors=(404, 503),
    scope="review",
)
def client_reviews(client_id: int, query: schemas.PageQuery) -> schemas.ClientReviews:
    """The client's current automated decision (and whether it is to review), then the reviews of the
    client's decisions and scores, most recent first: who, when, from what to what, why, and the approval."""
    subject = _client_score(client_id)
    store = review_store()
    try:
        rows, total = store.reviews(
            client_id=client_id, limit=query.page_size, offset=(query.page - 1) * query.page_size
        )
    except sa.exc.SQLAlchemyError as error:
        raise _unavailable(error) from None
    note_action(audit.CLIENT_VIEW)
    note_clients([(client_id, None, {"reviews": len(rows)})])
    return schemas.ClientReviews(
        items=[schemas.ReviewOut(**row) for row in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
        client_id=client_id,
        probability=subject.probability,
        decision=subject.decision,
        threshold=subject.threshold,
        to_review=in_review_band(subject.probability, subject.threshold, store.band_multiples),
    )
