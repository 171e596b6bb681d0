"""The decision log on a real PostgreSQL server: round trip, order, idempotence, concurrency and an outage."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from credit_scoring.serving.decision_log import DecisionLog
from tests.fixtures.decision_records import awkward_records, decision_record
from tests.fixtures.postgres import PostgresServer, free_port

pytestmark = pytest.mark.postgres


def open_log(url: str, tmp_path: Path, **options) -> DecisionLog:
    return DecisionLog(url, spool_path=tmp_path / "spool.jsonl", **options)


def stored_ids(url: str) -> list[str]:
    """Every request id in the table, duplicates included, read without the code under test."""
    with psycopg.connect(sa.make_url(url).set(drivername="postgresql").render_as_string(False)) as connection:
        return [row[0] for row in connection.execute("SELECT request_id FROM prediction_log")]


def test_records_round_trip_with_their_types(postgres_url: str, tmp_path: Path) -> None:
    log = open_log(postgres_url, tmp_path)
    records = awkward_records()
    assert log.write(records) is True
    stored = {row["request_id"]: row for row in log.records()}
    assert stored == {record.request_id: asdict(record) for record in records}  # floats to the last bit
    assert stored["req-a"]["client_id"] == 2**53 and type(stored["req-a"]["client_id"]) is int
    assert stored["req-B"]["client_id"] is None
    assert type(stored["reqa"]["probability"]) is float

    inspector = sa.inspect(log.engine)
    columns = {column["name"]: column["type"] for column in inspector.get_columns("prediction_log")}
    assert list(columns) == list(asdict(records[0]))
    assert isinstance(columns["client_id"], sa.BigInteger)  # the API accepts ids up to 2**53
    assert all(isinstance(columns[name], sa.Float) for name in ("probability", "threshold", "latency_ms"))
    assert columns["probability"].precision == 53  # double precision, not PostgreSQL's 4-byte REAL
    assert inspector.get_pk_constraint("prediction_log")["constrained_columns"] == ["request_id"]
    indexes = {index["name"] for index in inspector.get_indexes("prediction_log")}
    assert "ix_prediction_log_created_at" in indexes


def test_records_sort_by_time_then_id_bytewise_as_in_sqlite(postgres_url: str, tmp_path: Path) -> None:
    """The server's collation (ICU English) puts 'req-a' before 'req-B'; the log's order is SQLite's."""
    records = awkward_records()
    sqlite_log = open_log(f"sqlite:///{tmp_path}/log.db", tmp_path / "sqlite")
    postgres_log = open_log(postgres_url, tmp_path)
    for log in (sqlite_log, postgres_log):
        log.write(records[::-1])
    expected = [r.request_id for r in sorted(records, key=lambda r: (r.created_at, r.request_id))]
    assert [row["request_id"] for row in sqlite_log.records()] == expected
    assert [row["request_id"] for row in postgres_log.records()] == expected
    assert expected[1:4] == ["req-a", "req_a", "reqa"]


def test_a_request_id_written_twice_is_stored_once(postgres_url: str, tmp_path: Path) -> None:
    log = open_log(postgres_url, tmp_path)
    first = decision_record("a", probability=0.2)
    assert log.write([first]) is True
    assert log.write([replace(first, probability=0.9)]) is True  # a retry: no error, no second row
    assert log.write([decision_record("a"), decision_record("b"), decision_record("b")]) is True
    assert sorted(stored_ids(postgres_url)) == ["a", "b"]
    assert {row["request_id"]: row["probability"] for row in log.records()}["a"] == 0.2  # the first is kept
    assert not log.spool_path.exists()


WORKERS, PER_WORKER, SHARED = 4, 30, 10


def run_workers(target: Callable[..., None], *args: object, count: int = WORKERS) -> None:
    """``target(*args, worker)`` in ``count`` processes forked like gunicorn's workers, bounded in time.

    The process that forks must have no other thread, as gunicorn's master has none: a thread holding a lock
    at the moment of the fork leaves that lock held forever in the child, which then hangs when it needs it.
    pytest's own process is not such a process once other tests ran (the API tests leave alias-follower and
    MLflow threads running): the tests below fork from a master process of their own (`in_master`).
    """
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=target, args=(*args, w)) for w in range(count)]
    for process in workers:
        process.start()
    try:
        for process in workers:
            process.join(timeout=120)
            assert process.exitcode == 0
    finally:
        for process in workers:
            if process.is_alive():
                process.kill()


def in_master(scenario: Callable[..., None], *args: object) -> None:
    """``scenario(*args)`` in a master process started clean (spawned: no thread of pytest's process in it),
    from which it forks its workers (`run_workers`); fails if it fails or runs over 5 minutes."""
    master = multiprocessing.get_context("spawn").Process(target=scenario, args=args)
    master.start()
    master.join(timeout=300)
    if master.is_alive():
        master.kill()
        pytest.fail("the master process of the workers did not finish within 300 s")
    assert master.exitcode == 0


def _write_many(log: DecisionLog, worker: int) -> None:
    """One API worker; some decisions are written by every worker (a retry reaching another worker)."""
    for i in range(PER_WORKER):
        assert log.write([decision_record(f"w{worker}-{i}")])
        if i < SHARED:
            assert log.write([decision_record(f"shared-{i}"), decision_record(f"w{worker}-batch-{i}")])


def _many_writers(url: str, spool: Path) -> None:
    run_workers(_write_many, DecisionLog(url, spool_path=spool))


def test_concurrent_processes_lose_nothing_and_duplicate_nothing(postgres_url: str, tmp_path: Path) -> None:
    """Worker processes start on an empty database: they race to create the table, then to insert."""
    spool = tmp_path / "spool.jsonl"
    in_master(_many_writers, postgres_url, spool)
    ids = stored_ids(postgres_url)
    expected = {f"w{w}-{i}" for w in range(WORKERS) for i in range(PER_WORKER)}
    expected |= {f"w{w}-batch-{i}" for w in range(WORKERS) for i in range(SHARED)}
    expected |= {f"shared-{i}" for i in range(SHARED)}
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert not spool.exists() or spool.stat().st_size == 0


def _write_a_few(log: DecisionLog, worker: int) -> None:
    assert all(log.write([decision_record(f"child{worker}-{i}")]) for i in range(5))


def _parent_and_children(url: str, spool: Path) -> None:
    log = DecisionLog(url, spool_path=spool)
    assert log.write([decision_record("parent-before")])  # the parent holds a pooled connection
    run_workers(_write_a_few, log, count=2)  # each child opens its own
    assert log.write([decision_record("parent-after")])  # the parent's connection still works
    assert not spool.exists()


def test_workers_forked_from_a_process_that_wrote_leave_its_connection_alone(
    postgres_url: str, tmp_path: Path
) -> None:
    in_master(_parent_and_children, postgres_url, tmp_path / "spool.jsonl")
    assert len(stored_ids(postgres_url)) == 2 + 2 * 5


def test_threads_sharing_one_log_lose_nothing(postgres_url: str, tmp_path: Path) -> None:
    """A threaded worker (gunicorn gthread) shares one DecisionLog, first used by all threads at once."""
    log = open_log(postgres_url, tmp_path)
    start = threading.Barrier(6)
    results: list[bool] = []

    def serve(thread: int) -> None:
        start.wait(timeout=30)
        results.extend(log.write([decision_record(f"t{thread}-{i}")]) for i in range(25))

    threads = [threading.Thread(target=serve, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert results == [True] * 150
    assert sorted(stored_ids(postgres_url)) == sorted(f"t{t}-{i}" for t in range(6) for i in range(25))


def test_an_outage_spools_and_the_next_write_catches_up(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    running = open_log(postgres_url, tmp_path, attempts=2)
    assert running.write([decision_record("before")]) is True  # a pooled connection now exists
    # a worker that starts during the outage: its table was never created
    late_url = postgres_server.create_database(f"late_{sa.make_url(postgres_url).database}")
    late = DecisionLog(late_url, spool_path=tmp_path / "late.jsonl", attempts=2)
    postgres_server.stop()
    try:
        assert running.write([decision_record("down-1"), decision_record("down-2")]) is False  # no exception
        assert running.write([decision_record("down-3")]) is False
        assert late.write([decision_record("late-down")]) is False
        assert running.spool_path.stat().st_size > 0 and late.spool_path.stat().st_size > 0
    finally:
        postgres_server.start()
    assert running.write([decision_record("after")]) is True  # the stale pooled connection is replaced
    assert late.write([decision_record("late-after")]) is True
    assert sorted(stored_ids(postgres_url)) == ["after", "before", "down-1", "down-2", "down-3"]
    assert sorted(stored_ids(late_url)) == ["late-after", "late-down"]
    assert running.spool_path.stat().st_size == 0 and late.spool_path.stat().st_size == 0
    assert running.write([decision_record("down-1")]) is True  # replayed once, never twice
    assert len(stored_ids(postgres_url)) == 5


def test_a_closed_port_spools_without_raising(tmp_path: Path) -> None:
    log = open_log(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere", tmp_path, attempts=2)
    assert log.write([decision_record("x")]) is False
    assert '"request_id": "x"' in log.spool_path.read_text()


def test_a_refused_value_is_kept_aside_and_blocks_nothing(postgres_url: str, tmp_path: Path) -> None:
    """PostgreSQL text cannot hold a NUL character (SQLite's can): that record goes to the rejected file, the
    others of its batch are stored, and the spool is not blocked by it."""
    log = open_log(postgres_url, tmp_path)
    refused = decision_record("nul", model_version="3\x00")
    assert log.write([decision_record("ok-1"), refused, decision_record("ok-2")]) is True
    assert sorted(stored_ids(postgres_url)) == ["ok-1", "ok-2"]
    kept = [json.loads(line) for line in log.rejected_path.read_text().splitlines()]
    assert [entry["record"] for entry in kept] == [asdict(refused)]
    assert "NUL" in kept[0]["error"]


def test_every_wait_of_a_session_is_bounded(postgres_url: str, tmp_path: Path) -> None:
    log = open_log(postgres_url, tmp_path, busy_timeout_ms=2_000)
    with log.engine.connect() as connection:
        shown = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
        }
    assert shown == {
        "lock_timeout": "2s",
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "1min",
    }


def test_a_lock_held_too_long_spools_instead_of_hanging(postgres_url: str, tmp_path: Path) -> None:
    """A session that holds the table (a migration, a leaked transaction) makes a write give up after the
    busy timeout and spool its record; the next write after the lock is released inserts it."""
    log = open_log(postgres_url, tmp_path, busy_timeout_ms=300, attempts=2)
    assert log.write([decision_record("before")]) is True
    plain_url = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain_url) as holder:
        holder.execute("LOCK TABLE prediction_log IN ACCESS EXCLUSIVE MODE")
        assert log.write([decision_record("while-locked")]) is False  # no hang, no exception
        assert log.spool.records() == 1
    assert log.write([decision_record("after")]) is True
    assert sorted(stored_ids(postgres_url)) == ["after", "before", "while-locked"]
