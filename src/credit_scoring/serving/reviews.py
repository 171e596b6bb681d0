"""The human review of automated decisions (GDPR article 22): an adviser confirms or overrides a decision with
a justification, a risk user approves or rejects an override. Stored beside the decision log, in its
database (tables ``decision_reviews`` and ``decision_review_approvals`` of `credit_scoring.records`).

What is reviewed (a *subject*) is either a decision of the decision log (``POST /predict``: its request id)
or a production client's current score (``client:<id>``). A score is *to review* when its probability lies
in the review band around the threshold t: ``band_multiples[0] * t <= p < band_multiples[1] * t``
(`in_review_band`; ``review.band_multiples`` of ``conf/base/app.yml``). Any decision may be reviewed (a
client may ask for a human review of any automated decision); the band only marks the close calls.

The rules, checked before anything is written (`ReviewRefused` names the field and the problem, and nothing
is stored): the justification is required (`check_justification`); a new review of a subject whose override
awaits approval is refused (the pending one is decided first); only an override is approved, once, by
someone else than its reviewer. Writes are single transactions; rows are never updated (an approval is a
row of its own, keyed by the review id, so a second approval fails on the key on SQLite and PostgreSQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from credit_scoring.records import (
    DEFAULT_BAND_MULTIPLES,
    DEFAULT_REVIEW_BAND,
    MAX_JUSTIFICATION,
    MIN_JUSTIFICATION,
    decision_review_approvals,
    decision_reviews,
    prediction_log,
    utc_timestamp,
)
from credit_scoring.serving.scoring import RISK_BANDS, risk_band

MAX_NOTE = 1000
CLIENT_SUBJECT = "client:"
DECISIONS = ("granted", "refused")
STATUSES = ("confirmed", "pending_approval", "approved", "rejected")
Status = Literal["confirmed", "pending_approval", "approved", "rejected"]


class ReviewRefused(ValueError):
    """A review or an approval that may not be stored: ``status`` (HTTP-like), ``field`` and the problem."""

    def __init__(self, status: int, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.code = status, message, field, code


def in_review_band(
    probability: float, threshold: float, multiples: Sequence[float] = DEFAULT_REVIEW_BAND
) -> bool:
    """True when ``probability`` lies in the review band around ``threshold`` (see the module docstring)."""
    low, high = float(multiples[0]) * threshold, float(multiples[1]) * threshold
    return low <= probability < high


def check_justification(
    text: str | None, field: str = "justification", minimum: int = MIN_JUSTIFICATION
) -> str:
    """``text`` trimmed, when it is a real justification (``minimum`` to `MAX_JUSTIFICATION` characters)."""
    cleaned = (text or "").replace("\x00", "").strip()
    if not cleaned:
        raise ReviewRefused(422, f"a {field} is required", field, "justification_required")
    if len(cleaned) < minimum:
        raise ReviewRefused(
            422, f"the {field} is too short: at least {minimum} characters", field, "justification_too_short"
        )
    if len(cleaned) > MAX_JUSTIFICATION:
        raise ReviewRefused(
            422, f"the {field} is too long: at most {MAX_JUSTIFICATION} characters", field, "too_long"
        )
    return cleaned


@dataclass(frozen=True)
class Subject:
    """What a review is about: the automated decision as it was made."""

    subject: str
    kind: Literal["decision", "client"]
    client_id: int | None
    model_version: str | None
    probability: float
    threshold: float
    decision: str


def client_subject(client_id: int) -> str:
    return f"{CLIENT_SUBJECT}{int(client_id)}"


_STATUS = sa.case(
    (decision_reviews.c.action == "confirm", sa.literal("confirmed")),
    (decision_review_approvals.c.outcome.is_(None), sa.literal("pending_approval")),
    else_=decision_review_approvals.c.outcome,
)


def _joined() -> sa.Select:
    return sa.select(
        decision_reviews,
        _STATUS.label("status"),
        decision_review_approvals.c.approver,
        decision_review_approvals.c.approved_at,
        decision_review_approvals.c.note.label("approval_note"),
    ).select_from(
        decision_reviews.outerjoin(
            decision_review_approvals,
            decision_review_approvals.c.review_id == decision_reviews.c.review_id,
        )
    )


def _review(row: Any) -> dict[str, Any]:
    review = dict(row._mapping)
    review["in_review_band"] = bool(review["in_review_band"])
    return review


def _lock_subject(connection: sa.Connection, subject: str) -> None:
    """Two reviews of one subject at the same moment: the second waits for the first's transaction, then sees
    its pending override. PostgreSQL: a transaction-scoped advisory lock on the subject. SQLite: the
    database's write lock, taken before the check by a statement that writes nothing (the driver starts a
    transaction only at a write, and SQLite has one writer at a time)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(subject))))
    elif connection.dialect.name == "sqlite":
        connection.execute(decision_reviews.update().where(sa.false()).values(subject=subject))


def _rate(overrides: int, reviews: int) -> float | None:
    return overrides / reviews if reviews else None


class ReviewStore:
    """The reviews in the decision log's database; ``engine`` gives this process's engine (the decision log's,
    whose metadata holds the review tables: they are created and migrated with it)."""

    def __init__(
        self,
        engine: Callable[[], Engine],
        band_multiples: Sequence[float] = DEFAULT_REVIEW_BAND,
        risk_band_multiples: Sequence[float] = DEFAULT_BAND_MULTIPLES,
    ) -> None:
        self._engine = engine
        self.band_multiples = tuple(band_multiples)
        self.risk_band_multiples = tuple(risk_band_multiples)

    @property
    def engine(self) -> Engine:
        return self._engine()

    # --- subjects --------------------------------------------------------------------------------------

    def decision(self, request_id: str) -> Subject | None:
        """The decision the decision log holds under ``request_id`` (None: no such decision)."""
        query = sa.select(prediction_log).where(prediction_log.c.request_id == request_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        record = row._mapping
        return Subject(
            subject=request_id,
            kind="decision",
            client_id=record["client_id"],
            model_version=record["model_version"],
            probability=float(record["probability"]),
            threshold=float(record["threshold"]),
            decision=record["decision"],
        )

    # --- writing ---------------------------------------------------------------------------------------

    def add(
        self,
        subject: Subject,
        decision: str,
        justification: str,
        *,
        reviewer: str,
        reviewer_role: str,
        at: str | None = None,
    ) -> dict[str, Any]:
        """Record a confirmation (``decision`` is the automated one) or an override; the review as stored."""
        if decision not in DECISIONS:
            raise ReviewRefused(422, f"the decision must be one of {', '.join(DECISIONS)}", "decision")
        justification = check_justification(justification)
        row = {
            "review_id": uuid.uuid4().hex,
            "subject": subject.subject,
            "subject_kind": subject.kind,
            "client_id": subject.client_id,
            "model_version": subject.model_version,
            "probability": subject.probability,
            "threshold": subject.threshold,
            "risk_band": risk_band(subject.probability, subject.threshold, self.risk_band_multiples),
            "in_review_band": in_review_band(subject.probability, subject.threshold, self.band_multiples),
            "automated_decision": subject.decision,
            "reviewed_decision": decision,
            "action": "confirm" if decision == subject.decision else "override",
            "justification": justification,
            "reviewer": reviewer,
            "reviewer_role": reviewer_role,
            "reviewed_at": at or utc_timestamp(),
        }
        same_subject = _joined().where(decision_reviews.c.subject == subject.subject).subquery()
        pending = sa.select(sa.func.count()).where(same_subject.c.status == "pending_approval")
        with self.engine.begin() as connection:
            _lock_subject(connection, subject.subject)
            if connection.execute(pending).scalar():
                raise ReviewRefused(
                    409,
                    f"an override of {subject.subject} awaits approval: a risk user decides it first",
                    "subject",
                    "pending_approval",
                )
            connection.execute(decision_reviews.insert(), [row])
        return self.review(row["review_id"]) or row

    def approve(
        self,
        review_id: str,
        outcome: Literal["approved", "rejected"],
        *,
        approver: str,
        approver_role: str,
        note: str | None = None,
        at: str | None = None,
    ) -> dict[str, Any]:
        """Approve or reject the override ``review_id`` (once, by someone else than its reviewer)."""
        if outcome not in ("approved", "rejected"):
            raise ReviewRefused(422, "the outcome must be approved or rejected", "outcome")
        note = (note or "").replace("\x00", "").strip() or None
        if outcome == "rejected":
            note = check_justification(note, "note")
        elif note is not None and len(note) > MAX_NOTE:
            raise ReviewRefused(422, f"the note is too long: at most {MAX_NOTE} characters", "note")
        review = self.review(review_id)
        if review is None:
            raise ReviewRefused(404, f"no review {review_id}", "review_id", "unknown_review")
        if review["action"] != "override":
            raise ReviewRefused(409, "a confirmation needs no approval: only an override does", "review_id")
        if review["status"] != "pending_approval":
            raise ReviewRefused(
                409, f"this override was already {review['status']}", "review_id", "already_decided"
            )
        if review["reviewer"] == approver:
            raise ReviewRefused(
                403, "an override is approved by someone else than its reviewer", "review_id", "own_override"
            )
        row = {
            "review_id": review_id,
            "outcome": outcome,
            "approver": approver,
            "approver_role": approver_role,
            "approved_at": at or utc_timestamp(),
            "note": note,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(decision_review_approvals.insert(), [row])
        except IntegrityError:  # another approver was first
            raise ReviewRefused(
                409, "this override was already decided", "review_id", "already_decided"
            ) from None
        return self.review(review_id) or {**review, **row}

    # --- reading ---------------------------------------------------------------------------------------

    def review(self, review_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(_joined().where(decision_reviews.c.review_id == review_id)).first()
        return _review(row) if row is not None else None

    def reviews(
        self,
        *,
        client_id: int | None = None,
        subject: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Reviews, most recent first, and how many match."""
        inner = _joined()
        if client_id is not None:
            inner = inner.where(decision_reviews.c.client_id == client_id)
        if subject is not None:
            inner = inner.where(decision_reviews.c.subject == subject)
        matching = inner.subquery()
        query = sa.select(matching)
        if status is not None:
            query = query.where(matching.c.status == status)
        total_query = sa.select(sa.func.count()).select_from(query.subquery())
        query = (
            query.order_by(matching.c.reviewed_at.desc(), matching.c.review_id).limit(limit).offset(offset)
        )
        with self.engine.connect() as connection:
            total = int(connection.execute(total_query).scalar() or 0)
            rows = [_review(row) for row in connection.execute(query)]
        return rows, total

    def to_review(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """The decision log's decisions in the review band that nobody reviewed yet, most recent first."""
        low, high = self.band_multiples
        log = prediction_log
        reviewed = sa.select(decision_reviews.c.subject).where(decision_reviews.c.subject == log.c.request_id)
        condition = sa.and_(
            log.c.probability >= log.c.threshold * low,
            log.c.probability < log.c.threshold * high,
            ~sa.exists(reviewed),
        )
        columns = [
            log.c.request_id,
            log.c.created_at,
            log.c.client_id,
            log.c.model_version,
            log.c.probability,
            log.c.threshold,
            log.c.decision,
        ]
        query = (
            sa.select(*columns)
            .where(condition)
            .order_by(log.c.created_at.desc(), log.c.request_id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as connection:
            total = int(
                connection.execute(sa.select(sa.func.count()).select_from(log).where(condition)).scalar()
            )
            rows = [dict(row._mapping) for row in connection.execute(query)]
        return rows, total

    def summary(self) -> dict[str, Any]:
        """Counts by status, and the override rate (overrides / reviews) per reviewer and per risk band."""
        joined = _joined().subquery()
        overrides = sa.func.sum(sa.case((joined.c.action == "override", 1), else_=0))
        statuses = {status: 0 for status in STATUSES}
        with self.engine.connect() as connection:
            for status, count in connection.execute(
                sa.select(joined.c.status, sa.func.count()).group_by(joined.c.status)
            ):
                statuses[status] = int(count)
            by_reviewer = [
                {
                    "reviewer": reviewer,
                    "reviews": int(n),
                    "overrides": int(o or 0),
                    "override_rate": _rate(o or 0, n),
                }
                for reviewer, n, o in connection.execute(
                    sa.select(joined.c.reviewer, sa.func.count(), overrides)
                    .group_by(joined.c.reviewer)
                    .order_by(joined.c.reviewer)
                )
            ]
            bands = {
                band: (int(n), int(o or 0))
                for band, n, o in connection.execute(
                    sa.select(joined.c.risk_band, sa.func.count(), overrides).group_by(joined.c.risk_band)
                )
            }
            in_band = {
                bool(flag): (int(n), int(o or 0))
                for flag, n, o in connection.execute(
                    sa.select(joined.c.in_review_band, sa.func.count(), overrides).group_by(
                        joined.c.in_review_band
                    )
                )
            }
        total = sum(statuses.values())
        override_count = total - statuses["confirmed"]
        by_band = [
            {"band": band, "reviews": n, "overrides": o, "override_rate": _rate(o, n)}
            for band in RISK_BANDS
            for n, o in [bands.get(band, (0, 0))]
        ]
        by_review_band = [
            {"in_review_band": flag, "reviews": n, "overrides": o, "override_rate": _rate(o, n)}
            for flag in (True, False)
            for n, o in [in_band.get(flag, (0, 0))]
        ]
        return {
            "reviews": total,
            "overrides": override_count,
            "override_rate": _rate(override_count, total),
            "by_status": statuses,
            "by_reviewer": by_reviewer,
            "by_band": by_band,
            "by_review_band": by_review_band,
            "band_multiples": list(self.band_multiples),
        }
