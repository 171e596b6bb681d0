"""The audit trail: events recorded and read back in order, filtered by client, user and time; details that
would hold a secret or an application refused; a database that cannot record raises AuditUnavailable. On
SQLite files and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from credit_scoring.access import audit
from credit_scoring.access.audit import (
    ACTIONS,
    CLIENT_SCORE,
    CLIENT_VIEW,
    DECISION_SERVED,
    SIGN_IN_FAILURE,
    AuditEvent,
    AuditTrail,
    AuditUnavailable,
    since_timestamp,
)
from tests.fixtures.postgres import free_port


@pytest.fixture
def trail(url: str) -> Iterator[AuditTrail]:
    trail = AuditTrail(url)
    yield trail
    trail.dispose()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The times the next events are recorded at, first to last (the trail stamps ``at`` itself)."""
    times: list[str] = []
    stamp = audit.utc_timestamp
    monkeypatch.setattr(audit, "utc_timestamp", lambda moment=None: stamp(moment) if moment else times.pop(0))
    return times


def view(actor: str, client_id: object = None, **changes: object) -> AuditEvent:
    fields: dict[str, object] = {
        "actor": actor,
        "actor_kind": "user",
        "action": CLIENT_VIEW,
        "outcome": "ok",
        "client_id": client_id,
        "address": "10.0.0.7",
        "request_id": "req-1",
    }
    return AuditEvent(**{**fields, **changes})  # type: ignore[arg-type]


def test_events_come_back_whole_and_filtered_by_client_user_and_time(
    trail: AuditTrail, clock: list[str]
) -> None:
    clock += ["2026-12-01T09:00:00.000Z", "2026-12-02T09:00:00.000Z", "2026-12-02T10:00:00.000Z"]
    trail.record(view("marie", 100002, detail={"language": "fr", "top_k": 5}))
    trail.record(view("paul", 100002, action=CLIENT_SCORE))
    trail.record(AuditEvent("scoring-service", "key", DECISION_SERVED, "ok", client_id=100003))

    everything = trail.export()
    assert [row["at"] for row in everything] == sorted(row["at"] for row in everything)
    assert everything[0] == {
        "id": everything[0]["id"],
        "at": "2026-12-01T09:00:00.000Z",
        "actor": "marie",
        "actor_kind": "user",
        "action": CLIENT_VIEW,
        "outcome": "ok",
        "client_id": 100002,
        "address": "10.0.0.7",
        "request_id": "req-1",
        "detail": {"language": "fr", "top_k": 5},
        "event_id": everything[0]["event_id"],
    }
    assert len({row["event_id"] for row in everything}) == 3  # unique: a replayed spool never duplicates
    assert [row["actor"] for row in trail.export(client_id=100002)] == ["marie", "paul"]
    assert [row["action"] for row in trail.export(user="paul")] == [CLIENT_SCORE]
    assert [row["actor"] for row in trail.export(since="2026-12-02")] == ["paul", "scoring-service"]
    assert [row["actor"] for row in trail.export(since="2026-12-02T11:30:00+02:00")] == ["scoring-service"]
    assert [row["actor"] for row in trail.export(client_id=100002, since=date(2026, 12, 2))] == ["paul"]
    assert trail.export(client_id=100002, user="scoring-service") == []
    assert trail.count() == 3


def test_events_recorded_at_the_same_time_keep_their_order(trail: AuditTrail) -> None:
    trail.record_many([view(f"user-{index}", 7) for index in range(5)])
    trail.record(view("later", 7))
    assert [row["actor"] for row in trail.export(client_id=7)] == [*(f"user-{i}" for i in range(5)), "later"]


@pytest.mark.parametrize(
    "detail",
    [
        {"password": "hunter2"},
        {"Password": "hunter2"},
        {"key": "abc"},
        {"API-Key": "abc"},
        {"secret": "x"},
        {"token": "x"},
        {"input": {}},
        {"input_json": "{}"},
        {"application": {"AMT_CREDIT": 1}},
        {"request": {"fields": [{"ok": 1}, {"token": "x"}]}},
    ],
)
def test_a_detail_that_could_hold_a_secret_or_an_application_is_refused(
    trail: AuditTrail, detail: dict
) -> None:
    with pytest.raises(ValueError, match="may not hold a password, a key or a client's application input"):
        trail.record_many([view("marie", 1), view("marie", 2, detail=detail)])
    assert trail.count() == 0  # nothing of the batch was written


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "client.peek"}, "unknown action 'client.peek'"),
        ({"actor_kind": "robot"}, "unknown actor_kind 'robot'"),
        ({"outcome": "maybe"}, "unknown outcome 'maybe'"),
        ({"client_id": "100002"}, "client_id must be a 64-bit integer"),
        ({"client_id": True}, "client_id must be a 64-bit integer"),
        ({"detail": ["not", "an", "object"]}, "detail must be a JSON object"),
        ({"detail": {"when": datetime(2026, 1, 1)}}, "detail is not plain JSON"),
    ],
)
def test_a_malformed_event_is_refused(trail: AuditTrail, changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        trail.record(view("marie", **{"client_id": 1, **changes}))


def test_the_vocabulary_is_documented() -> None:
    assert all(f"\n{action} " in audit.__doc__ for action in ACTIONS)


def test_a_name_typed_into_a_form_is_stored_bounded_and_without_nul(trail: AuditTrail) -> None:
    trail.record(AuditEvent("eve\x00" + "x" * 5000, "anonymous", SIGN_IN_FAILURE, "denied", address="::1"))
    trail.record(AuditEvent("", "anonymous", SIGN_IN_FAILURE, "denied"))
    first, second = trail.export()
    assert first["actor"].startswith("eve\ufffdx") and len(first["actor"]) == audit.MAX_TEXT_LENGTH
    assert second["actor"] == "-"


def test_the_trail_offers_no_way_to_change_an_event() -> None:
    public = {name for name in dir(AuditTrail) if not name.startswith("_")}
    assert public == {
        "record",
        "record_many",
        "export",
        "count",
        "engine",
        "url",
        "dispose",
        "replay_spool",  # inserts spooled events, never changes one
    }


def test_an_unreachable_sqlite_database_raises_audit_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    trail = AuditTrail(f"sqlite:///{tmp_path / 'a-file' / 'app.db'}", attempts=2)
    with pytest.raises(AuditUnavailable, match="cannot record 1 event") as raised:
        trail.record(view("marie", 100002))
    assert isinstance(raised.value, RuntimeError)


@pytest.mark.postgres
def test_a_closed_postgres_port_raises_audit_unavailable_without_the_password() -> None:
    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{free_port()}/nowhere"
    trail = AuditTrail(url, attempts=2)
    with pytest.raises(AuditUnavailable, match="after 2 attempts") as raised:
        trail.record(view("marie", 100002))
    assert "s3cret" not in str(raised.value) and "127.0.0.1" in str(raised.value)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2026-12-01", "2026-12-01T00:00:00.000Z"),
        ("2026-12-01T08:30", "2026-12-01T08:30:00.000Z"),
        ("2026-12-01T08:30:00Z", "2026-12-01T08:30:00.000Z"),
        ("2026-12-01T08:30:00.5+02:00", "2026-12-01T06:30:00.500Z"),
        (date(2026, 12, 1), "2026-12-01T00:00:00.000Z"),
        (datetime(2026, 12, 1, 8, 30, tzinfo=UTC), "2026-12-01T08:30:00.000Z"),
    ],
)
def test_since_is_compared_as_utc_text(since: str | date, expected: str) -> None:
    assert since_timestamp(since) == expected


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "01/12/2026", ""])
def test_a_bad_since_is_named(since: str) -> None:
    with pytest.raises(ValueError, match="not an ISO date or datetime"):
        since_timestamp(since)
