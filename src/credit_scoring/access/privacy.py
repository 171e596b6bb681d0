"""Retention and erasure over the decision log (`credit_scoring.records.prediction_log`) and the audit trail,
in the application database.

- Retention (`apply_retention`): a decision-log record older than the retention period keeps only what is not
  personal: its application input becomes ``{}`` and its client id NULL; its probability, decision,
  threshold, model, endpoint, times and latency stay, so monitoring still counts and dates decisions. Audit
  events older than the audit retention period are deleted: the only deletion of audit rows, made here and
  recorded as ``retention.applied`` in the same transaction (nothing is reduced or deleted unrecorded).
- Erasure (`erase_client`): a client's decision-log records are deleted, and the erasure is recorded as
  ``client.erased``. The audit events that mention the client are kept: the lender must keep the record of
  who saw the client's data and when (accountability), and those events hold no application input.

Each command is one transaction. Records still waiting in the decision log's spool or set aside in its
``.rejected.jsonl`` file (the database was down when they were written) are outside the database: erase after
the spool has been replayed, and look at the rejected file by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from credit_scoring.access import tables
from credit_scoring.access.audit import (
    CLIENT_ERASED,
    RETENTION_APPLIED,
    UNKNOWN_ACTOR,
    ActorKind,
    AuditEvent,
    event_row,
)
from credit_scoring.database import create_engine
from credit_scoring.records import REDUCED_INPUT_JSON, prediction_log, utc_timestamp
from credit_scoring.records import metadata as decision_metadata

#: The retention command's defaults (``--days``, ``--audit-days``; docs/security.md): six months of personal
#: input (long enough for drift windows and a season), five years of audit trail (the usual record-keeping
#: period for credit; confirm with the lender's data protection officer).
DEFAULT_DECISION_LOG_RETENTION_DAYS = 180
DEFAULT_AUDIT_RETENTION_DAYS = 1825


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
    """Reduce the decisions older than ``days`` to their non-personal fields and, when ``audit_days`` is
    given, delete the audit events older than that; both recorded as ``retention.applied``, in one
    transaction.

    Returns the cutoffs and counts: ``decision_log_reduced`` rows, ``audit_deleted`` events.
    """
    decision_cutoff = retention_cutoff(days, now)
    audit_cutoff = retention_cutoff(audit_days, now) if audit_days is not None else None
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        reduced = connection.execute(reduce_decisions(decision_cutoff)).rowcount
        deleted = connection.execute(delete_audit_events(audit_cutoff)).rowcount if audit_cutoff else 0
        counts = {
            "decision_log_retention_days": days,
            "decision_log_cutoff": decision_cutoff,
            "decision_log_reduced": int(reduced),
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
    """Delete the decision-log records of ``client_id`` and record ``client.erased``, in one transaction.

    The audit events that mention the client are kept, by design: the lender must keep the record of who saw
    the client's data (they hold no application input). Returns ``decision_log_deleted`` and
    ``audit_events_kept``.
    """
    client_id = check_client_id(client_id)
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        deleted = int(connection.execute(delete_client_decisions(client_id)).rowcount)
        kept_query = sa.select(sa.func.count()).where(tables.audit_events.c.client_id == client_id)
        kept = int(connection.execute(kept_query).scalar() or 0)
        counts = {"client_id": client_id, "decision_log_deleted": deleted, "audit_events_kept": kept}
        detail = {"decision_log_deleted": deleted, "audit_events_kept": kept}
        event = AuditEvent(actor, actor_kind, CLIENT_ERASED, "ok", client_id=client_id, detail=detail)
        _record(connection, event)
    return counts
