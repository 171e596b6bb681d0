"""The adviser's routes of ``/api/v1`` (issue 24), registered on the same `operations` as `routes`:

- ``POST /counterfactual``: what would change a refusal (`credit_scoring.serving.counterfactual`). Not a
  decision: never in the decision log; audited as ``client.counterfactual``
  (`credit_scoring.api.auditing.CONSULTATIONS`).
- ``GET /clients/{id}/letter`` and ``POST /letter``: the printable decision letter, HTML or PDF
  (`credit_scoring.serving.letter`); audited as ``client.letter``, never in the decision log.

Thin views: they validate (their models), delegate to the serving layer and answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from flask import Response, g
from pydantic import BaseModel

from credit_scoring.api import adviser_schemas as schemas
from credit_scoring.api.auditing import note_clients
from credit_scoring.api.errors import ApiError
from credit_scoring.api.routes import (
    _elapsed_ms,
    _feature_labels,
    _model_ref,
    _received,
    _unknown_client,
    operations,
)
from credit_scoring.api.services import Services, current_services
from credit_scoring.raw.validation import RawDataValidationError
from credit_scoring.serving.clients import UnknownClientError
from credit_scoring.serving.counterfactual import (
    AlreadyGrantedError,
    Counterfactuals,
    find_counterfactuals,
)
from credit_scoring.serving.decision_log import utc_timestamp
from credit_scoring.serving.family_reasons import Reason
from credit_scoring.serving.letter import Letter, letter_filename, letter_html, letter_pdf
from credit_scoring.serving.model import GRANTED, REFUSED
from credit_scoring.serving.online import ApplicationFieldError

CLIENT_ID = "SK_ID_CURR"
LETTER_MEDIA_TYPES = ("text/html", "application/pdf")  # format=html, format=pdf
REASONS_ASKED = 5  # the reasons explained before the letter keeps its ``letter.max_reasons``


@contextmanager
def _scoring_errors() -> Iterator[None]:
    """The scorer's refusals of an application as the 422s of POST /predict."""
    try:
        yield
    except RawDataValidationError as error:
        details = [(problem.column or None, f"{problem.issue}") for problem in error.problems]
        raise ApiError(422, "the application fails the raw-data validation", details) from None
    except ApplicationFieldError as error:
        raise ApiError(422, "the application cannot be scored", [(None, str(error))]) from None


def _counterfactuals(services: Services, application: Mapping[str, Any]) -> Counterfactuals:
    """The alternatives of ``application`` under the configured policy; 422 ``already_granted`` for a
    granted one."""
    scorer = services.require_scorer()
    with _scoring_errors():
        try:
            return find_counterfactuals(scorer, application, services.settings.counterfactual)
        except AlreadyGrantedError as error:
            raise ApiError(
                422,
                f"nothing to change: {str(error)[:1].lower()}{str(error)[1:]}; ask POST /counterfactual for "
                "a refused application only",
                [(None, "the application is granted")],
                code="already_granted",
            ) from None


def _plain(value: Any) -> Any:
    """A JSON value of the changed application (no NaN, integers kept)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _counterfactual_out(
    services: Services, found: Counterfactuals, language: str, timestamp: str
) -> schemas.CounterfactualOut:
    labels = _feature_labels(services)
    alternatives = [
        schemas.AlternativeOut(
            lever=alternative.lever,  # type: ignore[arg-type]
            changes=[
                schemas.FieldChangeOut(
                    field=change.field,
                    label=labels.label(change.field, language),
                    before=change.old,
                    after=change.new,
                )
                for change in alternative.changes
            ],
            term=alternative.term if alternative.term is None or math.isfinite(alternative.term) else None,
            probability=alternative.probability,
            decision=GRANTED,
            sentence=alternative.sentences[language],
            application={key: _plain(value) for key, value in alternative.application.items()},
        )
        for alternative in found.alternatives
    ]
    none_reason = (
        schemas.NoneReasonOut(code=found.reason, message=found.reason_text[language])  # type: ignore[arg-type]
        if found.reason
        else None
    )
    return schemas.CounterfactualOut(
        request_id=g.request_id,
        probability=found.probability,
        threshold=found.threshold,
        decision=REFUSED,
        alternatives=alternatives,
        none_reason=none_reason,
        language=language,  # type: ignore[arg-type]
        model=_model_ref(services),
        timestamp=timestamp,
        latency_ms=_elapsed_ms(),
    )


@operations.route(
    "/counterfactual",
    "POST",
    summary="What would change a refusal",
    tag="scoring",
    query=schemas.CounterfactualQuery,
    body=lambda: current_services().application_model,
    response=schemas.CounterfactualOut,
    errors=(400, 413, 415, 503),
    scope="score",
)
def counterfactual(query: schemas.CounterfactualQuery, body: BaseModel) -> schemas.CounterfactualOut:
    """For a refused application (the body POST /predict takes), the smallest realistic changes the served
    model grants: a smaller credit, another term (so another annuity), both, a cheaper purchase, or (when the
    lender allows it: ``counterfactual.co_borrower_income``) a co-borrower's income; never age, gender,
    family or region. Each alternative is scored again before it is answered, and its ``application`` sent
    to POST /predict is granted. When none exists within the lender's bounds (``counterfactual:`` of
    conf/base/app.yml), ``none_reason`` says so. A granted application: 422 ``already_granted``. Not a
    decision: never written to the decision log; recorded in the audit trail as client.counterfactual."""
    services = current_services()
    fields = _received(body)
    found = _counterfactuals(services, fields)
    answer = _counterfactual_out(services, found, query.lang, utc_timestamp(services.clock()))
    note_clients(
        [
            (
                fields.get(CLIENT_ID),
                g.request_id,
                {"alternatives": len(answer.alternatives), "model_version": answer.model.version},
            )
        ]
    )
    return answer


# --- the decision letter --------------------------------------------------------------------------------


def _reason_sentences(reasons: Sequence[Reason] | None, decision: str) -> tuple[str, ...]:
    """What the letter says of the decision: a refusal's reasons (those the lender's policy allows), or what
    spoke for a granted application (among the same families). Plain sentences, never a number of the
    model."""
    if not reasons:
        return ()
    if decision == REFUSED:
        return tuple(reason.sentence for reason in reasons)
    return tuple(r.sentence for r in reasons if r.direction == "lowers" and r.refusal_reason_allowed)


def _alternative_sentences(
    services: Services, application: Mapping[str, Any], language: str
) -> tuple[str, ...]:
    """The counterfactual alternatives' sentences of a refused application (none when the served model
    grants it after all, e.g. a batch score the online path does not repeat exactly)."""
    scorer = services.require_scorer()
    try:
        with _scoring_errors():
            found = find_counterfactuals(scorer, application, services.settings.counterfactual)
    except AlreadyGrantedError:
        return ()
    return tuple(alternative.sentences[language] for alternative in found.alternatives)


def _letter_response(services: Services, letter: Letter, query: schemas.LetterQuery) -> Response:
    html = letter_html(letter, services.settings.letter)
    note_clients(
        [
            (
                letter.client_id,
                g.request_id,
                {"decision": letter.decision, "format": query.format, "language": query.lang},
            )
        ]
    )
    if query.format == "html":
        return Response(html, status=200, mimetype="text/html", content_type="text/html; charset=utf-8")
    filename = letter_filename(letter.client_id, query.lang)
    return Response(
        letter_pdf(html),
        status=200,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _signer() -> str | None:
    """The signed-in adviser the request acts for (the dashboard's header), else None: the department."""
    person = getattr(g, "acting_user", None)
    return person.name if person is not None else None


@operations.route(
    "/clients/<int:client_id>/letter",
    summary="A client's decision letter",
    tag="clients",
    query=schemas.LetterQuery,
    errors=(404, 503),
    media_type=LETTER_MEDIA_TYPES,
    scope="clients",
)
def client_letter(client_id: int, query: schemas.LetterQuery) -> Response:
    """The printable decision letter of a production client: the lender (``letter:`` of
    conf/base/app.yml), the date, the client number, the decision of the client page, its main reasons in
    plain words, for a refusal what would change it (POST /counterfactual's alternatives), and the right to
    a human review (GDPR article 22: whom to write to, by when); signed by the signed-in adviser the request
    acts for, else by the credit department. ``format=html`` (UTF-8, print stylesheet, no external asset) or
    ``format=pdf`` (the same page rendered by WeasyPrint, an attachment named
    ``decision-letter-<id>-<lang>.pdf``). Recorded in the audit trail as client.letter; not a decision."""
    services = current_services()
    directory, scorer = services.require_directory(), services.require_scorer()
    try:
        score = directory.score(client_id)
        explanation = scorer.explain(directory.model_input_row(client_id), REASONS_ASKED, query.lang)[0]
        application = directory.application(client_id)
    except UnknownClientError as error:
        raise _unknown_client(error) from None
    decision = str(score["decision"])
    reasons = explanation.refusal_reasons if decision == REFUSED else explanation.reasons
    refused = decision == REFUSED
    alternatives = _alternative_sentences(services, application, query.lang) if refused else ()
    letter = Letter(
        language=query.lang,
        decision=decision,
        issued=services.clock().date(),
        reference=g.request_id,
        client_id=client_id,
        reasons=_reason_sentences(reasons, decision),
        alternatives=alternatives,
        alternatives_none=refused and not alternatives,
        signer=_signer(),
    )
    return _letter_response(services, letter, query)


@operations.route(
    "/letter",
    "POST",
    summary="A new applicant's decision letter",
    tag="scoring",
    query=schemas.LetterQuery,
    body=lambda: current_services().application_model,
    errors=(400, 413, 415, 503),
    media_type=LETTER_MEDIA_TYPES,
    scope="score",
)
def application_letter(query: schemas.LetterQuery, body: BaseModel) -> Response:
    """The decision letter of an application (the body POST /predict takes; a new applicant's, from the
    new-application page): as GET /clients/{id}/letter, with "your application of <date>" instead of a
    client number and the decision the served model gives now. Recorded in the audit trail as
    client.letter; not written to the decision log (POST /predict records the decision)."""
    services = current_services()
    fields = _received(body)
    scorer = services.require_scorer()
    with _scoring_errors():
        score = scorer.score([fields], reasons=True, top_k=REASONS_ASKED, language=query.lang)[0]
    refused = score.decision == REFUSED
    reasons = score.refusal_reasons if refused else score.reasons
    alternatives = _alternative_sentences(services, fields, query.lang) if refused else ()
    today = services.clock().date()
    client_id = fields.get(CLIENT_ID) if score.known_client else None
    letter = Letter(
        language=query.lang,
        decision=score.decision,
        issued=today,
        reference=g.request_id,
        client_id=client_id,
        application_date=today,
        reasons=_reason_sentences(reasons, score.decision),
        alternatives=alternatives,
        alternatives_none=refused and not alternatives,
        signer=_signer(),
    )
    return _letter_response(services, letter, query)
