"""Retention and erasure over the decision log (`credit_scoring.records.prediction_log`), the human reviews of
decisions (``decision_reviews`` and ``decision_review_approvals``) and the audit trail, in the application
database.

- Retention (`apply_retention`): a decision-log record older than the retention period keeps only what is not
  personal: its application input becomes ``{}`` and its client id NULL; its probability, decision,
  threshold, model, endpoint, times and latency stay, so monitoring still counts and dates decisions. A
  review older than the same period is reduced the same way: its justification (free text that may name the
  client) becomes ``""``, its client id NULL and a client's subject ``client:`` (no id); an approval's note
  becomes NULL; who reviewed, from what to what, the band and the times stay, so the override rates still
  count. The same free text in the audit events of those reviews (``decision.review``,
  ``decision.override``, ``override.approval``: ``justification`` and ``note``) becomes null. Audit events
  older than the audit retention period are deleted: the only deletion of audit rows, made here and
  recorded as ``retention.applied`` in the same transaction (nothing is reduced or deleted unrecorded).
- Erasure (`erase_client`): a client's decision-log records are deleted, with the reviews of the client
  (of their production score or of their decisions) and the approvals of those reviews, and the erasure is
  recorded as ``client.erased``. The audit events that mention the client are kept: the lender must keep
  the record of who saw the client's data and when (accountability), and those events hold no application
  input; the free text of the client's review events (``justification``, ``note``) becomes null.

Each command is one transaction. Records still waiting in the decision log's spool or set aside in its
``.rejected.jsonl`` file (the database was down when they were written) are outside the database: erase after
the spool has been replayed, and look at the rejected file by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from credit_scoring.access import tables
from credit_scoring.access.audit import (
    CLIENT_ERASED,
    DECISION_OVERRIDE,
    DECISION_REVIEW,
    OVERRIDE_APPROVAL,
    RETENTION_APPLIED,
    UNKNOWN_ACTOR,
    ActorKind,
    AuditEvent,
    detail_json,
    event_row,
)
from credit_scoring.database import create_engine
from credit_scoring.records import (
    REDUCED_INPUT_JSON,
    decision_review_approvals,
    decision_reviews,
    prediction_log,
    utc_timestamp,
)
from credit_scoring.records import metadata as decision_metadata

#: The retention command's defaults (``--days``, ``--audit-days``; docs/security.md): six months of personal
#: input (long enough for drift windows and a season), five years of audit trail (the usual record-keeping
#: period for credit; confirm with the lender's data protection officer).
DEFAULT_DECISION_LOG_RETENTION_DAYS = 180
DEFAULT_AUDIT_RETENTION_DAYS = 1825

#: A reduced review's justification and a reduced client review's subject (the client's id removed).
REDUCED_JUSTIFICATION = ""
REDUCED_CLIENT_SUBJECT = "client:"
#: The audit actions of reviews, and the free-text fields of their detail that retention and erasure remove.
REVIEW_ACTIONS = (DECISION_REVIEW, DECISION_OVERRIDE, OVERRIDE_APPROVAL)
REVIEW_FREE_TEXT = ("justification", "note")


# --- pure parts -----------------------------------------------------------------------------------------


def retention_cutoff(days: int, now: datetime | None = None) -> str:
    """The UTC text before which a row is older than ``days`` (at least 1: a retention of nothing is a
    mistake, not a policy)."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"a retention period is a whole number of days, at least 1; got {days!r}")
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return utc_timestamp(now - timedelta(days=days))


def check_client_id(client_id: Any) -> int:
    """``client_id`` if it is an integer (bool excluded), a ValueError otherwise."""
    if isinstance(client_id, bool) or not isinstance(client_id, int):
        raise ValueError(f"a client id is an integer (SK_ID_CURR); got {client_id!r}")
    return client_id


def reduce_decisions(cutoff: str) -> sa.Update:
    """The statement that keeps only the non-personal fields of the decisions recorded before ``cutoff``
    (rows already reduced are left alone, so the count is what this run changed)."""
    table = prediction_log
    personal = sa.or_(table.c.client_id.is_not(None), table.c.input_json != REDUCED_INPUT_JSON)
    return (
        table.update()
        .where(table.c.created_at < cutoff, personal)
        .values(input_json=REDUCED_INPUT_JSON, client_id=None)
    )


def delete_audit_events(cutoff: str) -> sa.Delete:
    """The statement that deletes the audit events recorded before ``cutoff``."""
    return tables.audit_events.delete().where(tables.audit_events.c.at < cutoff)


def delete_client_decisions(client_id: int) -> sa.Delete:
    return prediction_log.delete().where(prediction_log.c.client_id == client_id)


def reduce_reviews(cutoff: str) -> sa.Update:
    """The statement that keeps only the non-personal fields of the reviews made before ``cutoff`` (as
    `reduce_decisions`: rows already reduced are left alone)."""
    table = decision_reviews
    client_subject = sa.and_(table.c.subject_kind == "client", table.c.subject != REDUCED_CLIENT_SUBJECT)
    personal = sa.or_(
        table.c.client_id.is_not(None), table.c.justification != REDUCED_JUSTIFICATION, client_subject
    )
    subject = sa.case((table.c.subject_kind == "client", REDUCED_CLIENT_SUBJECT), else_=table.c.subject)
    return (
        table.update()
        .where(table.c.reviewed_at < cutoff, personal)
        .values(justification=REDUCED_JUSTIFICATION, client_id=None, subject=subject)
    )


def reduce_approvals(cutoff: str) -> sa.Update:
    """The statement that removes the note of the approvals made before ``cutoff``."""
    table = decision_review_approvals
    return table.update().where(table.c.approved_at < cutoff, table.c.note.is_not(None)).values(note=None)


def client_review_ids(client_id: int) -> sa.Select:
    """The ids of the reviews of ``client_id``: of their production score, or of their decisions (a
    decision's review carries the decision's client id; the subject test covers a row that does not)."""
    table = decision_reviews
    their_decisions = sa.select(prediction_log.c.request_id).where(prediction_log.c.client_id == client_id)
    return sa.select(table.c.review_id).where(
        sa.or_(
            table.c.client_id == client_id,
            table.c.subject == f"client:{client_id}",
            sa.and_(table.c.subject_kind == "decision", table.c.subject.in_(their_decisions)),
        )
    )


def delete_client_reviews(connection: Connection, client_id: int) -> tuple[int, int]:
    """Delete the reviews of ``client_id`` and their approvals (before the decision log's rows, which find
    the reviews of the client's decisions); the numbers of reviews and approvals deleted."""
    review_ids = [row[0] for row in connection.execute(client_review_ids(client_id))]
    approvals_table = decision_review_approvals
    approvals = reviews = 0
    for start in range(0, len(review_ids), 500):  # bounded IN lists
        chunk = review_ids[start : start + 500]
        approvals += connection.execute(
            approvals_table.delete().where(approvals_table.c.review_id.in_(chunk))
        ).rowcount
        reviews += connection.execute(
            decision_reviews.delete().where(decision_reviews.c.review_id.in_(chunk))
        ).rowcount
    return int(reviews), int(approvals)


def reduce_review_events(connection: Connection, condition: sa.ColumnElement[bool]) -> int:
    """Set to null the free text (`REVIEW_FREE_TEXT`) of the review audit events matching ``condition``;
    the number of events changed (events already without text are not read again)."""
    events = tables.audit_events
    holds_text = sa.or_(*(events.c.detail.like(f'%"{key}":"%') for key in REVIEW_FREE_TEXT))
    query = sa.select(events.c.id, events.c.detail).where(
        events.c.action.in_(REVIEW_ACTIONS), holds_text, condition
    )
    changed = 0
    for row_id, text in connection.execute(query).all():
        detail = json.loads(text)
        if not isinstance(detail, dict) or all(detail.get(key) is None for key in REVIEW_FREE_TEXT):
            continue
        reduced = {**detail, **{key: None for key in REVIEW_FREE_TEXT if key in detail}}
        statement = events.update().where(events.c.id == row_id).values(detail=detail_json(reduced))
        changed += connection.execute(statement).rowcount
    return int(changed)


# --- commands -------------------------------------------------------------------------------------------


@contextmanager
def _engine(engine_or_url: Engine | str | sa.URL) -> Iterator[Engine]:
    """An engine with the decision log's and the access tables (a URL's engine is disposed afterwards)."""
    own = not isinstance(engine_or_url, Engine)
    engine = create_engine(sa.make_url(engine_or_url)) if own else engine_or_url  # type: ignore[arg-type]
    try:
        decision_metadata.create_all(engine, checkfirst=True)
        tables.metadata.create_all(engine, checkfirst=True)
        yield engine
    finally:
        if own:
            engine.dispose()


def _record(connection: Connection, event: AuditEvent) -> None:
    connection.execute(tables.audit_events.insert(), [event_row(event, utc_timestamp())])


def apply_retention(
    engine_or_url: Engine | str | sa.URL,
    days: int,
    now: datetime | None = None,
    *,
    audit_days: int | None = None,
    actor: str = UNKNOWN_ACTOR,
    actor_kind: ActorKind = "system",
) -> dict[str, Any]:
    """Reduce the decisions and the reviews older than ``days`` to their non-personal fields (with the
    approvals' notes and the free text of those reviews' audit events) and, when ``audit_days`` is given,
    delete the audit events older than that; all recorded as ``retention.applied``, in one transaction.

    Returns the cutoffs and counts: ``decision_log_reduced`` rows, ``reviews_reduced`` reviews,
    ``review_approvals_reduced`` approval notes, ``review_events_reduced`` audit events, ``audit_deleted``
    events.
    """
    decision_cutoff = retention_cutoff(days, now)
    audit_cutoff = retention_cutoff(audit_days, now) if audit_days is not None else None
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        reduced = connection.execute(reduce_decisions(decision_cutoff)).rowcount
        reviews = connection.execute(reduce_reviews(decision_cutoff)).rowcount
        approvals = connection.execute(reduce_approvals(decision_cutoff)).rowcount
        deleted = connection.execute(delete_audit_events(audit_cutoff)).rowcount if audit_cutoff else 0
        events = reduce_review_events(connection, tables.audit_events.c.at < decision_cutoff)  # the kept ones
        counts = {
            "decision_log_retention_days": days,
            "decision_log_cutoff": decision_cutoff,
            "decision_log_reduced": int(reduced),
            "reviews_reduced": int(reviews),
            "review_approvals_reduced": int(approvals),
            "review_events_reduced": events,
            "audit_retention_days": audit_days,
            "audit_cutoff": audit_cutoff,
            "audit_deleted": int(deleted),
        }
        _record(connection, AuditEvent(actor, actor_kind, RETENTION_APPLIED, "ok", detail=counts))
    return counts


def erase_client(
    engine_or_url: Engine | str | sa.URL,
    client_id: int,
    actor: str,
    *,
    actor_kind: ActorKind = "system",
) -> dict[str, Any]:
    """Delete the decision-log records of ``client_id``, the client's reviews and their approvals, and record
    ``client.erased``, in one transaction.

    The audit events that mention the client are kept, by design: the lender must keep the record of who saw
    the client's data (they hold no application input); the free text of the client's review events
    (justification, note) becomes null. Returns ``decision_log_deleted``, ``reviews_deleted``,
    ``review_approvals_deleted``, ``review_events_reduced`` and ``audit_events_kept``.
    """
    client_id = check_client_id(client_id)
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        reviews, approvals = delete_client_reviews(connection, client_id)
        deleted = int(connection.execute(delete_client_decisions(client_id)).rowcount)
        events = reduce_review_events(connection, tables.audit_events.c.client_id == client_id)
        kept_query = sa.select(sa.func.count()).where(tables.audit_events.c.client_id == client_id)
        kept = int(connection.execute(kept_query).scalar() or 0)
        detail = {
            "decision_log_deleted": deleted,
            "reviews_deleted": reviews,
            "review_approvals_deleted": approvals,
            "review_events_reduced": events,
            "audit_events_kept": kept,
        }
        counts = {"client_id": client_id, **detail}
        event = AuditEvent(actor, actor_kind, CLIENT_ERASED, "ok", client_id=client_id, detail=detail)
        _record(connection, event)
    return counts
