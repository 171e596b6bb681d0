"""The audit trail's spool: an event the database refuses is synced to this host's spool file and counts as
recorded; the next write that succeeds (or the background flusher) inserts it exactly once, even after a
crash between the insert's commit and the spool's truncation; a spool that cannot be written raises
AuditUnavailable. On SQLite files and on a real PostgreSQL (stopped and started again)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from credit_scoring.access.audit import CLIENT_VIEW, AuditEvent, AuditTrail, AuditUnavailable
from tests.fixtures.postgres import PostgresServer


def view(request_id: str, client_id: int = 100002) -> AuditEvent:
    return AuditEvent("marie", "user", CLIENT_VIEW, "ok", client_id=client_id, request_id=request_id)


def stored(trail: AuditTrail) -> list[str]:
    """Every request id in the table, duplicates included."""
    return [row["request_id"] for row in trail.export()]


def spooled(trail: AuditTrail) -> list[dict]:
    assert trail.spool is not None
    path = trail.spool.path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def spool_trail(url: str, tmp_path: Path) -> Iterator[AuditTrail]:
    trail = AuditTrail(url, spool_path=tmp_path / "spool" / "audit_events.spool.jsonl", flush_interval_s=0)
    yield trail
    trail.dispose()


def test_a_locked_sqlite_database_spools_and_the_next_write_inserts_once(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    trail = AuditTrail(
        f"sqlite:///{path}",
        busy_timeout_ms=50,
        attempts=2,
        spool_path=tmp_path / "audit.jsonl",
        flush_interval_s=0,
    )
    assert trail.record(view("before")) is True
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert trail.record_many([view("down-1"), view("down-2")]) is False  # spooled: no exception
        assert [row["request_id"] for row in spooled(trail)] == ["down-1", "down-2"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert trail.record(view("after")) is True  # and the spool is replayed
    assert sorted(stored(trail)) == ["after", "before", "down-1", "down-2"]
    assert trail.spool is not None and not trail.spool.pending()
    assert trail.replay_spool() == 0
    assert len(stored(trail)) == 4


def test_a_crash_between_the_insert_and_the_truncation_duplicates_nothing(
    spool_trail: AuditTrail, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after the replay's commit, before the spool is emptied: the next process replays the
    same lines, and their event ids are already there."""
    spool = spool_trail.spool
    assert spool is not None
    assert spool_trail.record(view("first")) is True
    rows = [
        {**json.loads(json.dumps(row)), "request_id": f"spooled-{i}"}
        for i, row in enumerate([spool_trail.export()[0]] * 3)
    ]
    for i, row in enumerate(rows):  # as record_many spools them: the row, its own event id
        row.pop("id")
        row["detail"] = None
        row["event_id"] = f"event-{i}"
    spool.add(rows)

    replay_rows = spool_trail._replay_rows

    def insert_then_die(rows: list[dict]) -> int:
        replay_rows(rows)  # committed
        raise SystemExit("killed before the truncation")

    monkeypatch.setattr(spool_trail, "_replay_rows", insert_then_die)
    with pytest.raises(SystemExit):
        spool_trail.replay_spool()
    assert len(spooled(spool_trail)) == 3  # the spool still holds them
    assert sorted(stored(spool_trail)) == ["first", "spooled-0", "spooled-1", "spooled-2"]

    restarted = AuditTrail(spool_trail.url, spool_path=spool.path, flush_interval_s=0)
    assert restarted.record(view("next")) is True  # replays the same three lines
    assert sorted(stored(restarted)) == ["first", "next", "spooled-0", "spooled-1", "spooled-2"]
    assert spooled(restarted) == []
    restarted.dispose()


def test_a_spool_that_cannot_be_written_raises_audit_unavailable_naming_both(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    trail = AuditTrail(
        f"sqlite:///{tmp_path / 'a-file' / 'app.db'}",
        attempts=1,
        spool_path=tmp_path / "a-file" / "spool" / "audit.jsonl",
        flush_interval_s=0,
    )
    with pytest.raises(AuditUnavailable, match=r"its spool .* cannot be written") as raised:
        trail.record(view("nowhere"))
    assert "refuse what was to be recorded" in str(raised.value)


@pytest.mark.postgres
def test_a_refused_event_is_set_aside_and_blocks_no_other(postgres_url: str, tmp_path: Path) -> None:
    """A spooled row the database can never store (a client id that is not a number: PostgreSQL refuses it,
    SQLite would not) goes to the rejected file at the replay; the others are inserted."""
    trail = AuditTrail(postgres_url, spool_path=tmp_path / "audit.jsonl", flush_interval_s=0)
    spool = trail.spool
    assert spool is not None and trail.record(view("first")) is True
    good = {**trail.export()[0], "request_id": "good", "event_id": "good-event", "detail": None}
    good.pop("id")
    refused = {**good, "request_id": "refused", "event_id": "refused-event", "client_id": "not a number"}
    spool.add([good, refused])
    assert trail.record(view("next")) is True
    assert sorted(stored(trail)) == ["first", "good", "next"]
    kept = [json.loads(line) for line in spool.rejected_path.read_text().splitlines()]
    assert [entry["record"]["request_id"] for entry in kept] == ["refused"]
    assert not spool.pending()
    trail.dispose()


def test_the_flusher_inserts_the_spool_without_another_request(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    trail = AuditTrail(
        f"sqlite:///{path}",
        busy_timeout_ms=50,
        attempts=1,
        spool_path=tmp_path / "a.jsonl",
        flush_interval_s=0.2,
    )
    assert trail.record(view("before")) is True
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert trail.record(view("down")) is False
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    deadline = time.monotonic() + 20
    while trail.spool is not None and trail.spool.pending() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(stored(trail)) == ["before", "down"]


def test_a_table_of_an_earlier_version_gets_the_event_id_column(tmp_path: Path) -> None:
    """An application database created before the event ids: the column and its unique index are added."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE audit_events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
            "actor_kind TEXT NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL, client_id INTEGER, "
            "address TEXT, request_id TEXT, detail TEXT)"
        )
        connection.execute(
            "INSERT INTO audit_events (at, actor, actor_kind, action, outcome) "
            "VALUES ('2026-01-01T00:00:00.000Z', 'old', 'user', 'client.view', 'ok')"
        )
    trail = AuditTrail(f"sqlite:///{path}", spool_path=tmp_path / "spool.jsonl", flush_interval_s=0)
    assert trail.record(view("new")) is True
    old, new = trail.export()
    assert old["event_id"] is None and new["event_id"]
    indexes = {index["name"]: index for index in sa.inspect(trail.engine).get_indexes("audit_events")}
    assert indexes["ux_audit_events_event_id"]["unique"]


@pytest.mark.postgres
def test_a_postgres_outage_spools_and_the_next_write_inserts_once(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    trail = AuditTrail(postgres_url, attempts=2, spool_path=tmp_path / "audit.jsonl", flush_interval_s=0)
    assert trail.record(view("before")) is True  # a pooled connection now exists
    postgres_server.stop()
    try:
        started = time.monotonic()
        assert trail.record_many([view("down-1"), view("down-2")]) is False  # no exception
        assert trail.record(view("down-3")) is False
        assert time.monotonic() - started < 30
        assert [row["request_id"] for row in spooled(trail)] == ["down-1", "down-2", "down-3"]
    finally:
        postgres_server.start()
    assert trail.record(view("after")) is True  # the stale connection is replaced, the spool replayed
    events = trail.export()
    assert sorted(event["request_id"] for event in events) == [
        "after",
        "before",
        "down-1",
        "down-2",
        "down-3",
    ]
    assert len({event["event_id"] for event in events}) == 5
    assert trail.spool is not None and not trail.spool.pending()
    down = [event for event in events if event["request_id"].startswith("down")]
    after = next(event for event in events if event["request_id"] == "after")
    assert all(event["at"] <= after["at"] for event in down)  # the time it happened, not of the replay
    trail.dispose()
