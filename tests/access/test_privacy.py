"""Retention and erasure: old decisions and reviews keep only their non-personal fields, old audit events go,
a client's decisions and reviews are erased, and each command is recorded in the same transaction. On SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from credit_scoring.access import audit
from credit_scoring.access.audit import (
    CLIENT_ERASED,
    CLIENT_VIEW,
    DECISION_OVERRIDE,
    DECISION_REVIEW,
    OVERRIDE_APPROVAL,
    RETENTION_APPLIED,
    AuditEvent,
    AuditTrail,
)
from credit_scoring.access.privacy import apply_retention, erase_client, retention_cutoff
from credit_scoring.monitoring.prediction_log import TimeWindow, read_prediction_log
from credit_scoring.records import utc_timestamp
from credit_scoring.serving.decision_log import DecisionLog
from credit_scoring.serving.reviews import ReviewStore, Subject, client_subject
from tests.fixtures.decision_records import decision_record

NOW = datetime.now(UTC)  # the retention event itself is stamped with the real time
MARCH_FIRST = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def log(url: str, tmp_path: Path) -> Iterator[DecisionLog]:
    log = DecisionLog(url, spool_path=tmp_path / "spool.jsonl")
    yield log
    log.dispose()


@pytest.fixture
def trail(url: str) -> Iterator[AuditTrail]:
    trail = AuditTrail(url)
    yield trail
    trail.dispose()


def days_ago(days: float) -> str:
    return utc_timestamp(NOW - timedelta(days=days))


def record_at(trail: AuditTrail, at: str, event: AuditEvent, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record ``event`` as if at ``at`` (the trail stamps events itself)."""
    with monkeypatch.context() as patch:
        patch.setattr(audit, "utc_timestamp", lambda: at)
        trail.record(event)


def view(client_id: int, actor: str = "marie") -> AuditEvent:
    return AuditEvent(actor, "user", CLIENT_VIEW, "ok", client_id=client_id)


def by_id(log: DecisionLog) -> dict[str, dict]:
    return {row["request_id"]: row for row in log.records()}


@pytest.fixture
def store(log: DecisionLog) -> ReviewStore:
    return ReviewStore(lambda: log.engine)


def client_score(client_id: int) -> Subject:
    """A production client's current score, as the API reviews it."""
    return Subject(client_subject(client_id), "client", client_id, "3", 0.28, 0.3, "granted")


def override(
    store: ReviewStore, subject: Subject, at: str, why: str = "Mr Martin's new job is secure"
) -> dict:
    """An override of ``subject`` at ``at``, approved with a note a day later."""
    review = store.add(subject, "refused", why, reviewer="marie", reviewer_role="adviser", at=at)
    later = utc_timestamp(datetime.fromisoformat(at) + timedelta(days=1))
    return store.approve(
        review["review_id"],
        "approved",
        approver="rita",
        approver_role="risk",
        note="Checked Mr Martin",
        at=later,
    )


def review_events(review: dict) -> list[AuditEvent]:
    """The audit events the API records for ``review`` and its approval (as `api.review_routes` does)."""
    detail = {
        "review_id": review["review_id"],
        "subject": review["subject"],
        "from": review["automated_decision"],
        "to": review["reviewed_decision"],
        "status": "pending_approval",
        "justification": review["justification"],
    }
    approval = {**detail, "status": review["status"], "outcome": "approved", "note": review["approval_note"]}
    client_id = review["client_id"]
    return [
        AuditEvent("marie", "user", DECISION_OVERRIDE, "ok", client_id=client_id, detail=detail),
        AuditEvent("rita", "user", OVERRIDE_APPROVAL, "ok", client_id=client_id, detail=approval),
    ]


def reviews_by_subject(store: ReviewStore) -> dict[str, dict]:
    return {review["subject"]: review for review in store.reviews(limit=100)[0]}


def test_retention_reduces_old_decisions_and_deletes_old_audit_events(
    log: DecisionLog, trail: AuditTrail, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = decision_record("old", created_at=days_ago(31), client_id=100002)
    anonymous = decision_record("old-anonymous", created_at=days_ago(400), client_id=None)
    recent = decision_record("recent", created_at=days_ago(29), client_id=100002)
    assert log.write([old, anonymous, recent])
    record_at(trail, days_ago(366), view(100002, "ancient"), monkeypatch)
    record_at(trail, days_ago(364), view(100002, "kept"), monkeypatch)

    counts = apply_retention(url, 30, NOW, audit_days=365, actor="ops")

    assert counts == {
        "decision_log_retention_days": 30,
        "decision_log_cutoff": days_ago(30),
        "decision_log_reduced": 2,
        "reviews_reduced": 0,
        "review_approvals_reduced": 0,
        "review_events_reduced": 0,
        "audit_retention_days": 365,
        "audit_cutoff": days_ago(365),
        "audit_deleted": 1,
    }
    rows = by_id(log)
    assert rows["recent"] == asdict(recent)
    for name, record in (("old", old), ("old-anonymous", anonymous)):
        assert rows[name] == {**asdict(record), "input_json": "{}", "client_id": None}  # the rest stays
    events = trail.export()
    assert [event["actor"] for event in events] == ["kept", "ops"]
    assert events[-1]["action"] == RETENTION_APPLIED and events[-1]["actor_kind"] == "system"
    assert events[-1]["detail"] == counts

    again = apply_retention(url, 30, NOW, audit_days=365)
    assert (again["decision_log_reduced"], again["audit_deleted"]) == (0, 0)  # what this run changed


def test_retention_without_audit_days_keeps_every_audit_event(
    log: DecisionLog, trail: AuditTrail, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.write([decision_record("old", created_at=days_ago(100))])
    record_at(trail, days_ago(5000), view(1), monkeypatch)
    counts = apply_retention(log.engine, 90, NOW)  # an engine works as well as a URL
    assert (counts["decision_log_reduced"], counts["audit_deleted"], counts["audit_cutoff"]) == (1, 0, None)
    assert [event["action"] for event in trail.export()] == [CLIENT_VIEW, RETENTION_APPLIED]


def test_erasure_removes_only_that_clients_decisions_and_is_recorded(
    log: DecisionLog, trail: AuditTrail, url: str
) -> None:
    log.write(
        [
            decision_record("a-1", client_id=100002),
            decision_record("a-2", client_id=100002, created_at=days_ago(1)),
            decision_record("b-1", client_id=100003),
            decision_record("none", client_id=None),
        ]
    )
    trail.record_many([view(100002), view(100002, "paul"), view(100003)])

    counts = erase_client(url, 100002, "dpo")

    assert counts == {
        "client_id": 100002,
        "decision_log_deleted": 2,
        "reviews_deleted": 0,
        "review_approvals_deleted": 0,
        "review_events_reduced": 0,
        "audit_events_kept": 2,
    }
    assert sorted(by_id(log)) == ["b-1", "none"]
    about_client = trail.export(client_id=100002)
    assert [(event["actor"], event["action"]) for event in about_client] == [
        ("marie", CLIENT_VIEW),
        ("paul", CLIENT_VIEW),
        ("dpo", CLIENT_ERASED),
    ]  # who saw the client is kept
    assert about_client[-1]["detail"] == {key: value for key, value in counts.items() if key != "client_id"}
    assert erase_client(url, 100002, "dpo")["decision_log_deleted"] == 0


def test_erasure_removes_the_clients_reviews_their_approvals_and_their_free_text_in_the_trail(
    log: DecisionLog, trail: AuditTrail, store: ReviewStore, url: str
) -> None:
    log.write(
        [
            decision_record("a-1", client_id=100002, probability=0.28),
            decision_record("b-1", client_id=100003, probability=0.28),
            decision_record("new", client_id=None, probability=0.28),
        ]
    )
    at = days_ago(2)
    of_decision = override(store, store.decision("a-1"), at)  # type: ignore[arg-type]
    of_score = store.add(
        client_score(100002), "granted", "Stable income for years", reviewer="paul", reviewer_role="adviser"
    )
    others = [override(store, store.decision("b-1"), at), override(store, store.decision("new"), at)]  # type: ignore[arg-type]
    trail.record_many([*review_events(of_decision), *review_events(others[0])])

    counts = erase_client(url, 100002, "dpo")

    assert (counts["reviews_deleted"], counts["review_approvals_deleted"]) == (2, 1)
    assert (counts["decision_log_deleted"], counts["review_events_reduced"]) == (1, 2)
    assert sorted(reviews_by_subject(store)) == ["b-1", "new"]
    assert store.review(of_decision["review_id"]) is None and store.review(of_score["review_id"]) is None
    with log.engine.connect() as connection:  # no orphan approval is left behind
        approvals = connection.execute(sa.text("select review_id from decision_review_approvals")).scalars()
        assert sorted(approvals) == sorted(review["review_id"] for review in others)
    kept = trail.export(client_id=100002)
    assert [event["action"] for event in kept] == [DECISION_OVERRIDE, OVERRIDE_APPROVAL, CLIENT_ERASED]
    for event in kept[:2]:  # who did what stays; the free text that may name the client goes
        assert event["detail"]["justification"] is None and event["detail"]["review_id"]
        assert event["detail"]["to"] == "refused"
    assert kept[1]["detail"]["note"] is None
    other = trail.export(client_id=100003)
    assert other[0]["detail"]["justification"] == "Mr Martin's new job is secure"
    assert other[1]["detail"]["note"] == "Checked Mr Martin"

    again = erase_client(url, 100002, "dpo")
    assert (again["reviews_deleted"], again["review_events_reduced"]) == (0, 0)


def test_retention_reduces_old_reviews_as_it_reduces_old_decisions(
    log: DecisionLog, trail: AuditTrail, store: ReviewStore, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.write([decision_record("old", created_at=days_ago(40), client_id=100002, probability=0.28)])
    old = override(store, store.decision("old"), days_ago(35))  # type: ignore[arg-type]
    old_client = store.add(
        client_score(100003),
        "granted",
        "Mrs Durand has a guarantor",
        reviewer="paul",
        reviewer_role="adviser",
        at=days_ago(31),
    )
    recent = override(store, client_score(100004), days_ago(29))  # its approval: 28 days ago
    for event in review_events(old):
        record_at(trail, days_ago(34), event, monkeypatch)
    for event in review_events(recent):
        record_at(trail, days_ago(28), event, monkeypatch)

    counts = apply_retention(url, 30, NOW, actor="ops")

    assert (counts["decision_log_reduced"], counts["reviews_reduced"]) == (1, 2)
    assert (counts["review_approvals_reduced"], counts["review_events_reduced"]) == (1, 2)
    reduced = store.review(old["review_id"])
    assert reduced is not None
    assert (reduced["justification"], reduced["client_id"], reduced["approval_note"]) == ("", None, None)
    for field in ("subject", "reviewer", "automated_decision", "reviewed_decision", "status", "risk_band"):
        assert reduced[field] == old[field]  # the override rates still count it
    reduced_client = store.review(old_client["review_id"])
    assert reduced_client is not None
    assert (reduced_client["subject"], reduced_client["client_id"]) == ("client:", None)
    assert store.review(recent["review_id"]) == recent
    events = {
        (event["action"], event["detail"]["review_id"]): event["detail"]
        for event in trail.export()
        if event["action"] in (DECISION_OVERRIDE, DECISION_REVIEW, OVERRIDE_APPROVAL)
    }
    assert events[(DECISION_OVERRIDE, old["review_id"])]["justification"] is None
    assert events[(OVERRIDE_APPROVAL, old["review_id"])]["note"] is None
    assert events[(DECISION_OVERRIDE, recent["review_id"])]["justification"] == recent["justification"]
    assert store.summary()["overrides"] == 2

    again = apply_retention(url, 30, NOW)
    assert (again["reviews_reduced"], again["review_approvals_reduced"], again["review_events_reduced"]) == (
        0,
        0,
        0,
    )


def test_nothing_is_erased_unless_the_erasure_is_recorded(log: DecisionLog, url: str) -> None:
    log.write([decision_record("a-1", client_id=100002)])
    with pytest.raises(ValueError, match="actor_kind"):
        erase_client(url, 100002, "dpo", actor_kind="robot")  # type: ignore[arg-type]
    assert list(by_id(log)) == ["a-1"]


@pytest.mark.parametrize("client_id", ["100002", 1.0, True, None])
def test_erasure_needs_an_integer_client_id(tmp_path: Path, client_id: object) -> None:
    with pytest.raises(ValueError, match="a client id is an integer"):
        erase_client(f"sqlite:///{tmp_path / 'app.db'}", client_id, "dpo")  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, -3, 1.5, True, None])
def test_a_retention_period_is_a_positive_whole_number_of_days(days: object) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        retention_cutoff(days, MARCH_FIRST)  # type: ignore[arg-type]


def test_the_cutoff_is_utc_text_days_before_now() -> None:
    assert retention_cutoff(30, MARCH_FIRST) == "2027-01-30T12:00:00.000Z"
    assert retention_cutoff(1, datetime(2027, 3, 1, 12, 0)) == "2027-02-28T12:00:00.000Z"  # naive: UTC


def test_retention_on_an_unreachable_database_raises_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises((sa.exc.SQLAlchemyError, OSError)):
        apply_retention(f"sqlite:///{tmp_path / 'a-file' / 'app.db'}", 30, NOW)


def test_the_drift_reader_skips_the_decisions_the_retention_reduced(log: DecisionLog, url: str) -> None:
    """A reduced record has no application left: drift on the API's traffic must not read it as one."""
    assert log.write(
        [
            decision_record("old", created_at=days_ago(31), client_id=100002),
            decision_record("recent", created_at=days_ago(29), client_id=100003),
        ]
    )
    apply_retention(url, 30, NOW)
    window = TimeWindow(NOW - timedelta(days=60), NOW)
    assert read_prediction_log(log.engine, window)["request_id"].tolist() == ["recent"]
