"""The audit trail: who did what, to which client, when, from where (table ``audit_events`` of
`credit_scoring.access.tables`, in the application database beside the decision log).

It is append-only from the application's side: `AuditTrail` inserts and reads, it never updates; the only
deletion is the retention command's (`credit_scoring.access.privacy.apply_retention`), itself recorded.
A look at personal data that cannot be recorded must not happen: `AuditTrail.record` retries briefly; then,
given a spool (the API's trail: ``spool_path``), it appends the events durably to this host's spool file
(`credit_scoring.spool`: JSON lines, locked, synced) and they count as recorded, to be inserted by the next
write that succeeds or by the spool's background flusher. Only when there is no spool, or the spool itself
cannot be written (a full or read-only disk), does it raise `AuditUnavailable`, and the caller refuses to show
the data. Every event gets a unique ``event_id`` when it is recorded, and rows are inserted with "on conflict
do nothing" on it: a replay after a crash between the insert's commit and the spool's truncation stores no
event twice. An event the database can never store goes to the spool's ``.rejected.jsonl`` file.

Actions (the ``action`` column; the constants below):

=====================  ==================================================================================
clients.search         a page of clients matching filters was listed (detail: the filters, the count)
client.view            a client's description was shown
client.score           a client's score and its reasons were shown
client.similar         the clients similar to one client were shown
client.compare         a population query placed one client in a distribution
client.whatif          a what-if simulation on one client's application
client.counterfactual  the changes that would grant a refused application were searched (not a decision)
client.letter          a decision letter for a client or a new applicant was printed (HTML or PDF)
decision.served        a decision answered to POST /predict (or one item of a batch)
sign_in.success        a person signed in (actor: the user)
sign_in.failure        a sign-in was refused (actor: the name typed, kind ``anonymous``)
sign_out               a person signed out
access.denied          a user or key asked for something its role or scopes do not allow
user.add               an admin added a user (detail: the user's name and role)
user.disable           an admin disabled a user
user.enable            an admin enabled a disabled user
user.role              an admin changed a user's role (detail: the new role)
user.password          a user's password was replaced (never the password itself)
key.create             an API key was created (detail: its name and scopes; never the key)
key.revoke             an API key was revoked
client.erased          a client's decision-log records and reviews were erased, the free text of their review
                       events removed (detail: the counts)
retention.applied      the retention command reduced old decision-log rows and reviews, removed old review
                       events' free text and deleted old audit rows (detail: the counts)
audit.export           someone exported audit events (detail: the filters and the number of rows)
decision.review        a person confirmed an automated decision (detail: review id, from, to, why)
decision.override      a person overrode an automated decision (detail: review id, from, to, why)
override.approval      a risk user approved or rejected an override (detail: review id, outcome, note)
=====================  ==================================================================================

``detail`` is a small JSON object; it must never hold a password, a key or a client's raw application input,
so `record` refuses the keys named in `FORBIDDEN_DETAIL_KEYS` (at any depth, whatever their case).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from credit_scoring.access.tables import audit_events, metadata
from credit_scoring.database import ProcessDatabase
from credit_scoring.records import utc_timestamp
from credit_scoring.spool import Spool

logger = logging.getLogger(__name__)
SPOOL_NAME = "audit_events.spool.jsonl"

ActorKind = Literal["user", "key", "system", "anonymous"]
Outcome = Literal["ok", "denied", "failed"]
ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)
OUTCOMES: tuple[str, ...] = get_args(Outcome)
UNKNOWN_ACTOR = "-"

CLIENTS_SEARCH = "clients.search"
CLIENT_VIEW = "client.view"
CLIENT_SCORE = "client.score"
CLIENT_SIMILAR = "client.similar"
CLIENT_COMPARE = "client.compare"
CLIENT_WHATIF = "client.whatif"
CLIENT_COUNTERFACTUAL = "client.counterfactual"
CLIENT_LETTER = "client.letter"
DECISION_SERVED = "decision.served"
SIGN_IN_SUCCESS = "sign_in.success"
SIGN_IN_FAILURE = "sign_in.failure"
SIGN_OUT = "sign_out"
ACCESS_DENIED = "access.denied"
USER_ADD = "user.add"
USER_DISABLE = "user.disable"
USER_ENABLE = "user.enable"
USER_ROLE = "user.role"
USER_PASSWORD = "user.password"
KEY_CREATE = "key.create"
KEY_REVOKE = "key.revoke"
CLIENT_ERASED = "client.erased"
RETENTION_APPLIED = "retention.applied"
AUDIT_EXPORT = "audit.export"
DECISION_REVIEW = "decision.review"
DECISION_OVERRIDE = "decision.override"
OVERRIDE_APPROVAL = "override.approval"

ACTIONS: frozenset[str] = frozenset(
    {
        CLIENTS_SEARCH,
        CLIENT_VIEW,
        CLIENT_SCORE,
        CLIENT_SIMILAR,
        CLIENT_COMPARE,
        CLIENT_WHATIF,
        CLIENT_COUNTERFACTUAL,
        CLIENT_LETTER,
        DECISION_SERVED,
        SIGN_IN_SUCCESS,
        SIGN_IN_FAILURE,
        SIGN_OUT,
        ACCESS_DENIED,
        USER_ADD,
        USER_DISABLE,
        USER_ENABLE,
        USER_ROLE,
        USER_PASSWORD,
        KEY_CREATE,
        KEY_REVOKE,
        CLIENT_ERASED,
        RETENTION_APPLIED,
        AUDIT_EXPORT,
        DECISION_REVIEW,
        DECISION_OVERRIDE,
        OVERRIDE_APPROVAL,
    }
)

#: Detail keys that would put a secret or a client's application in the trail (compared lower-cased, ``-``
#: read as ``_``).
FORBIDDEN_DETAIL_KEYS: frozenset[str] = frozenset(
    {"password", "key", "api_key", "secret", "token", "input", "input_json", "application"}
)
# An actor may be a name typed into the sign-in form: bounded, so a huge field cannot bloat the trail.
MAX_TEXT_LENGTH = 200
_BIGINT = 2**63


def system_actor() -> str:
    """The name of the operating-system user running a command ('-' when the system cannot tell)."""
    try:
        return getpass.getuser() or UNKNOWN_ACTOR
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return UNKNOWN_ACTOR


def storable_client_id(value: object) -> bool:
    """True for an integer the ``client_id`` column holds (64 bits; a bool is not an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and -_BIGINT <= value < _BIGINT


class AuditUnavailable(RuntimeError):
    """The audit trail cannot record: whatever was to be recorded must not be shown or done."""


@dataclass(frozen=True)
class AuditEvent:
    """One thing that happened, as recorded (``at`` and ``id`` are given by the trail)."""

    actor: str
    actor_kind: ActorKind
    action: str
    outcome: Outcome
    client_id: int | None = None
    address: str | None = None
    request_id: str | None = None
    detail: dict[str, Any] | None = None


# --- pure helpers ---------------------------------------------------------------------------------------


def _forbidden_keys(value: Any, path: str = "") -> list[str]:
    """The paths of forbidden keys in ``value`` (nested objects and lists included)."""
    found: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).strip().lower().replace("-", "_") in FORBIDDEN_DETAIL_KEYS:
                found.append(where)
            found += _forbidden_keys(item, where)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += _forbidden_keys(item, f"{path}[{index}]")
    return found


def _clean_text(value: str | None, field: str) -> str | None:
    """``value`` bounded and without NUL (PostgreSQL refuses it in text): names can come from a form."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"audit event: {field} must be text, got {type(value).__name__}")
    return value.replace("\x00", "\ufffd")[:MAX_TEXT_LENGTH]


def detail_json(detail: Mapping[str, Any] | None) -> str | None:
    """The detail as stored (JSON text, keys sorted), or a ValueError naming a forbidden or bad key."""
    if detail is None:
        return None
    if not isinstance(detail, Mapping):
        raise ValueError(f"audit event: detail must be a JSON object, got {type(detail).__name__}")
    forbidden = _forbidden_keys(detail)
    if forbidden:
        raise ValueError(
            f"audit event: detail may not hold a password, a key or a client's application input: "
            f"remove {', '.join(forbidden)}"
        )
    try:
        return json.dumps(detail, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"audit event: detail is not plain JSON ({error})") from None


def event_row(event: AuditEvent, at: str) -> dict[str, Any]:
    """The row that records ``event`` at ``at``; a ValueError says which field is wrong."""
    if event.actor_kind not in ACTOR_KINDS:
        kinds = ", ".join(ACTOR_KINDS)
        raise ValueError(f"audit event: unknown actor_kind {event.actor_kind!r}: use {kinds}")
    if event.outcome not in OUTCOMES:
        raise ValueError(f"audit event: unknown outcome {event.outcome!r}: use {', '.join(OUTCOMES)}")
    if event.action not in ACTIONS:
        raise ValueError(f"audit event: unknown action {event.action!r}: see credit_scoring.access.audit")
    client_id = event.client_id
    if client_id is not None and not storable_client_id(client_id):
        raise ValueError(f"audit event: client_id must be a 64-bit integer or None, got {client_id!r}")
    return {
        "at": at,
        "actor": _clean_text(event.actor, "actor") or UNKNOWN_ACTOR,
        "actor_kind": event.actor_kind,
        "action": event.action,
        "outcome": event.outcome,
        "client_id": client_id,
        "address": _clean_text(event.address, "address"),
        "request_id": _clean_text(event.request_id, "request_id"),
        "detail": detail_json(event.detail),
    }


def since_timestamp(since: str | date | datetime) -> str:
    """The UTC text ``at`` is compared with: a date means its midnight UTC, a datetime without a zone is UTC.

    A ValueError names a value that is neither an ISO date nor an ISO datetime.
    """
    moment: date | datetime
    if isinstance(since, str):
        try:
            moment = datetime.fromisoformat(since.strip())
        except ValueError:
            raise ValueError(
                f"not an ISO date or datetime: {since!r} (e.g. 2026-12-01 or 2026-12-01T08:30:00Z)"
            ) from None
    else:
        moment = since
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_timestamp(moment)


def _exported(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as exported: the detail back as an object (text kept as it is if it is not JSON)."""
    exported = dict(row)
    if exported.get("detail") is not None:
        with contextlib.suppress(TypeError, ValueError):
            exported["detail"] = json.loads(exported["detail"])
    return exported


# --- the store ------------------------------------------------------------------------------------------


def new_event_id() -> str:
    """A unique id for one event (128 random bits, hex)."""
    return uuid.uuid4().hex


def _insert_statement(connection: Connection) -> sa.Insert:
    """An insert that skips an event already stored (same ``event_id``) where the database can say so."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(audit_events).on_conflict_do_nothing(index_elements=["event_id"])
    if dialect == "sqlite":
        return sqlite.insert(audit_events).on_conflict_do_nothing(index_elements=["event_id"])
    return audit_events.insert()  # elsewhere a duplicate raises IntegrityError: inserted one by one then


class AuditTrail:
    """The audit trail in the application database at ``url``; see the module docstring.

    ``spool_path``: this host's spool file (`credit_scoring.spool`); without one, an event the database
    refuses raises `AuditUnavailable` at once.
    """

    def __init__(
        self,
        url: str | sa.URL,
        *,
        busy_timeout_ms: int = 10_000,
        attempts: int = 3,
        spool_path: str | Path | None = None,
        flush_interval_s: float = 5.0,
    ) -> None:
        self.attempts = max(1, attempts)
        self._database = ProcessDatabase(url, metadata, busy_timeout_ms=busy_timeout_ms, attempts=attempts)
        self.spool = (
            Spool(spool_path, "Audit trail", flush=self.replay_spool, flush_interval_s=flush_interval_s)
            if spool_path
            else None
        )

    @property
    def url(self) -> sa.URL:
        return self._database.url

    @property
    def engine(self) -> Engine:
        """This process's engine, the access tables created (`credit_scoring.database.ProcessDatabase`)."""
        return self._database.engine

    def dispose(self) -> None:
        self._database.dispose()

    def record(self, event: AuditEvent) -> bool:
        """Insert ``event`` (True), or spool it (False); see `record_many` for the errors."""
        return self.record_many([event])

    def record_many(self, events: Iterable[AuditEvent]) -> bool:
        """Insert all ``events`` in one transaction (True), or spool them all when the database refuses
        (False). ValueError: an event is wrong (nothing recorded); AuditUnavailable: neither the database nor
        the spool can record them."""
        at = utc_timestamp()
        # every event checked before any is written
        rows = [{**event_row(event, at), "event_id": new_event_id()} for event in events]
        if not rows:
            return True
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                self._insert(rows)
                error = None
                break
            except DataError as failure:  # the same again would be refused again: the replay sets it aside
                error = failure
                break
            except (SQLAlchemyError, OSError) as failure:  # OSError: the SQLite folder cannot be made
                error = failure
                if attempt + 1 < self.attempts:
                    time.sleep(0.05 * 2**attempt)
        if error is None:
            if self.spool is not None and self.spool.pending():
                self.replay_spool()
            return True
        where = self.url.render_as_string(hide_password=True)
        failure_text = f"{type(error).__name__}: {_first_line(error)}"
        if self.spool is None:
            raise AuditUnavailable(
                f"the audit trail at {where} cannot record {len(rows)} event(s) after {self.attempts} "
                f"attempts ({failure_text}); refuse what was to be recorded"
            ) from error
        try:
            self.spool.add(rows)
        except OSError as spool_error:
            raise AuditUnavailable(
                f"the audit trail at {where} cannot record {len(rows)} event(s) ({failure_text}) and its "
                f"spool {self.spool.path} cannot be written ({spool_error}); refuse what was to be recorded"
            ) from error
        logger.error(
            "Audit trail at %s unavailable (%s): %d event(s) spooled to %s",
            where,
            failure_text,
            len(rows),
            self.spool.path,
        )
        return False

    def _insert(self, rows: list[dict[str, Any]]) -> int:
        """The rows in one transaction, those already stored skipped (their ``event_id``)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(_insert_statement(connection), rows)
            return len(rows)
        except IntegrityError:  # a database without "on conflict do nothing": one by one
            return self._insert_one_by_one(rows, reject=False)

    def _insert_one_by_one(self, rows: Iterable[dict[str, Any]], *, reject: bool) -> int:
        """Each row in its own transaction, those already stored skipped; with ``reject``, a row the
        database refuses is kept in the rejected file instead of blocking the others."""
        inserted = 0
        with self.engine.connect() as connection:
            for row in rows:
                try:
                    with connection.begin():
                        connection.execute(_insert_statement(connection), [row])
                    inserted += 1
                except IntegrityError:
                    logger.warning("Audit trail: event %s already recorded", row.get("event_id"))
                except DataError as error:
                    if not reject or self.spool is None:
                        raise
                    reason = _first_line(error)
                    logger.critical(
                        "Audit trail: the database refuses event %s (%s); kept in %s",
                        row.get("event_id"),
                        reason,
                        self.spool.rejected_path,
                    )
                    self.spool.set_aside(
                        {"error": reason, "record": row}, f"audit event {row.get('event_id')}"
                    )
        return inserted

    def _replay_rows(self, rows: list[dict[str, Any]]) -> int:
        try:
            return self._insert(rows)
        except DataError:  # one of them can never be stored: the others one by one
            return self._insert_one_by_one(rows, reject=True)

    def replay_spool(self) -> int:
        """Insert the spooled events (idempotent: events already stored are skipped); how many rows were
        given to the database (0: nothing spooled, or the database still refuses: the spool stays)."""
        if self.spool is None:
            return 0
        try:
            return self.spool.replay(self._replay_rows)
        except (SQLAlchemyError, OSError) as error:
            logger.warning(
                "Audit trail: spool not replayed yet (%s: %s)", type(error).__name__, _first_line(error)
            )
            return 0

    def export(
        self,
        client_id: int | None = None,
        user: str | None = None,
        since: str | date | datetime | None = None,
        action: str | None = None,
    ) -> list[dict[str, Any]]:
        """The events about ``client_id``, by ``user`` (the actor's name, a person or a key), at or after
        ``since`` and of ``action``, in the order they were recorded (``at``, then ``id``)."""
        if action is not None and action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}: use one of {', '.join(sorted(ACTIONS))}")
        query = sa.select(audit_events)
        if action is not None:
            query = query.where(audit_events.c.action == action)
        if client_id is not None:
            query = query.where(audit_events.c.client_id == client_id)
        if user is not None:
            query = query.where(audit_events.c.actor == user)
        if since is not None:
            query = query.where(audit_events.c.at >= since_timestamp(since))
        query = query.order_by(audit_events.c.at, audit_events.c.id)
        with self.engine.connect() as connection:
            return [_exported(row._mapping) for row in connection.execute(query)]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(audit_events)).scalar())


def _first_line(error: Exception | None) -> str:
    text = str(getattr(error, "orig", None) or error or "").strip()
    return text.splitlines()[0] if text else "no detail"
