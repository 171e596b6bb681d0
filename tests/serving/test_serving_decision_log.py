"""The decision log: its fixed schema, no record lost (busy database, restarts, concurrent processes)."""

from __future__ import annotations

import json
import multiprocessing
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from credit_scoring.serving.decision_log import DecisionLog, DecisionRecord, utc_timestamp

CONTRACT = {
    "request_id": "TEXT",
    "created_at": "TEXT",
    "endpoint": "TEXT",
    "model_name": "TEXT",
    "model_version": "TEXT",
    "client_id": "INTEGER",
    "input_json": "TEXT",
    "probability": "FLOAT",
    "decision": "TEXT",
    "threshold": "FLOAT",
    "latency_ms": "FLOAT",
}


def record(request_id: str, client_id: int | None = 100002) -> DecisionRecord:
    return DecisionRecord(
        request_id=request_id,
        created_at=utc_timestamp(),
        endpoint="/api/v1/predict",
        model_name="credit-scoring",
        model_version="3",
        client_id=client_id,
        input_json='{"AMT_CREDIT":1000.0}',
        probability=0.12,
        decision="granted",
        threshold=0.3,
        latency_ms=4.2,
    )


def test_timestamps_are_iso_utc_with_milliseconds() -> None:
    assert utc_timestamp(datetime(2026, 12, 2, 4, 5, 6, 123456, tzinfo=UTC)) == "2026-12-02T04:05:06.123Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())


def test_schema_is_the_contract(tmp_path: Path) -> None:
    log = DecisionLog(f"sqlite:///{tmp_path}/sub/log.db")
    log.write([record("a")])
    inspector = sa.inspect(log.engine)
    columns = {column["name"]: str(column["type"]) for column in inspector.get_columns("prediction_log")}
    assert columns == CONTRACT
    assert inspector.get_pk_constraint("prediction_log")["constrained_columns"] == ["request_id"]
    with sqlite3.connect(tmp_path / "sub" / "log.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_records_survive_a_restart_and_duplicates_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    DecisionLog(url).write([record("a"), record("b", client_id=None)])
    reopened = DecisionLog(url)
    assert reopened.count() == 2
    assert reopened.write([record("b"), record("c")])  # "b" already there: "c" is still recorded
    rows = reopened.records()
    assert [row["request_id"] for row in rows] == ["a", "b", "c"]
    assert rows[1]["client_id"] is None and rows[0]["probability"] == 0.12


def test_a_locked_database_spools_and_the_next_write_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = DecisionLog(f"sqlite:///{path}", busy_timeout_ms=50, attempts=2)
    log.write([record("before")])
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert log.write([record("while-locked-1"), record("while-locked-2")]) is False  # no exception
        assert log.spool_path.stat().st_size > 0
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert log.write([record("after")]) is True
    assert sorted(row["request_id"] for row in log.records()) == [
        "after",
        "before",
        "while-locked-1",
        "while-locked-2",
    ]
    assert log.spool_path.stat().st_size == 0


def test_a_torn_spool_line_is_set_aside_and_the_others_are_stored(tmp_path: Path) -> None:
    """A crash in the middle of a spool write leaves half a line: the next request must not fail on it."""
    log = DecisionLog(f"sqlite:///{tmp_path}/log.db", spool_path=tmp_path / "spool.jsonl")
    spooled = json.dumps(record("spooled").to_row())
    log.spool_path.write_text(f"{spooled}\n" + '{"request_id": "torn", "probab\n')
    assert log.write([record("next")]) is True
    assert sorted(row["request_id"] for row in log.records()) == ["next", "spooled"]
    assert log.spool_path.stat().st_size == 0
    set_aside = [json.loads(line) for line in log.rejected_path.read_text().splitlines()]
    assert len(set_aside) == 1 and set_aside[0]["line"].startswith('{"request_id": "torn"')


def test_an_unreachable_database_never_raises(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    log = DecisionLog(
        f"sqlite:///{tmp_path}/not-a-folder/log.db", spool_path=tmp_path / "spool.jsonl", attempts=1
    )
    assert log.write([record("x")]) is False
    assert '"request_id": "x"' in (tmp_path / "spool.jsonl").read_text()


def _write_many(url: str, worker: int, count: int) -> None:
    log = DecisionLog(url)
    for i in range(count):
        log.write([record(f"w{worker}-{i}")])


def test_concurrent_processes_lose_no_record(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    DecisionLog(url).write([record("first")])  # the table exists before the writers start
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(url, w, 40)) for w in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    log = DecisionLog(url)
    assert log.count() == 1 + 4 * 40
    assert not log.spool_path.exists() or log.spool_path.stat().st_size == 0
