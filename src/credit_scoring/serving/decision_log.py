"""The decision log: one row per scored application, in any SQLAlchemy database (SQLite WAL by default).

The table is declared once, in `credit_scoring.records` (the drift pipeline reads it as "current" data).

Writes are synchronous (a record is committed before the answer leaves) and never fail a request: SQLite
waits for a busy database (``busy_timeout``) and a write is retried; if the database still refuses, the
records are appended to a spool file (JSON lines, under a file lock) and inserted by the next write that
succeeds (or by the spool's background flusher), so nothing is lost: `credit_scoring.spool`, shared with the
audit trail. The request id is the key that makes a replay idempotent. A record the database can never store
(a value it rejects) goes to a ``.rejected.jsonl`` file beside the spool instead of blocking it. The spool of
a SQLite file is beside it; the spool of a server database is in this host's spool folder
(`credit_scoring.spool.spool_dir`: ``$CREDIT_SCORING_SPOOL_DIR``, else one folder per host and port under
``data/07_model_output/spool/``). The engine is created lazily in each process, so gunicorn workers forked
from one master never share a connection.

On PostgreSQL (``postgresql+psycopg://user:password@host:5432/db``) the same table is created with three
differences that keep it equal to SQLite's: ``client_id`` is BIGINT (SQLite's INTEGER holds 64 bits and the
API accepts ids up to 2**53), ``request_id`` and ``created_at`` sort bytewise (``COLLATE "C"``, whatever the
database's collation), and floats are double precision. Connections are checked before use (a restarted
server is noticed), and a connection attempt, a lock wait and a statement give up after a bounded time
(`credit_scoring.database.create_engine`): a write then fails into the spool instead of hanging.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from credit_scoring.database import ProcessDatabase, sqlite_path
from credit_scoring.records import TABLE_NAME, DecisionRecord, metadata, prediction_log, utc_timestamp
from credit_scoring.spool import Spool, spool_dir

logger = logging.getLogger(__name__)
DEFAULT_URL = "sqlite:///data/07_model_output/prediction_log.db"
__all__ = ["TABLE_NAME", "DecisionLog", "DecisionRecord", "metadata", "prediction_log", "utc_timestamp"]


SPOOL_NAME = "prediction_log.spool.jsonl"


class DecisionLog:
    """Append-only store of `DecisionRecord`; see the module docstring for the guarantees."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        spool_path: str | Path | None = None,
        busy_timeout_ms: int = 10_000,
        attempts: int = 4,
        flush_interval_s: float = 5.0,
    ) -> None:
        self.url = sa.make_url(url)
        sqlite_file = sqlite_path(self.url)
        default_spool = (
            sqlite_file.with_name(sqlite_file.name + ".spool.jsonl")
            if sqlite_file
            else spool_dir() / SPOOL_NAME
        )
        self.spool = Spool(
            Path(spool_path) if spool_path else default_spool,
            "Decision log",
            flush=self.replay_spool,
            flush_interval_s=flush_interval_s,
        )
        self.busy_timeout_ms = busy_timeout_ms
        self.attempts = attempts
        self._database = ProcessDatabase(
            self.url, metadata, busy_timeout_ms=busy_timeout_ms, attempts=attempts
        )

    # --- connection ---------------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """This process's engine, its table created (`credit_scoring.database.ProcessDatabase`)."""
        return self._database.engine

    def dispose(self) -> None:
        self._database.dispose()

    @property
    def spool_path(self) -> Path:
        return self.spool.path

    @property
    def rejected_path(self) -> Path:
        return self.spool.rejected_path

    # --- writing -------------------------------------------------------------------------------------

    def write(self, records: Sequence[DecisionRecord]) -> bool:
        """Commit the records (True), or spool them for later when the database refuses (False).

        Never raises for a database problem: a request must not fail because of its log record.
        """
        if not records:
            return True
        rows = [record.to_row() for record in records]
        error: Exception | None = None
        for attempt in range(self.attempts):
            try:
                self._insert(rows)
                break
            except (SQLAlchemyError, OSError) as failure:  # OSError: the SQLite folder cannot be made
                error = failure
                time.sleep(min(0.02 * 2**attempt, 0.5))
        else:
            logger.error(
                "Decision log unavailable after %d attempts (%s): %d record(s) spooled to %s",
                self.attempts,
                type(error).__name__ if error else "unknown",
                len(rows),
                self.spool_path,
            )
            self._spool(rows)
            return False
        if self.spool.pending():
            self.replay_spool()
        return True

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        """All rows in one transaction; if a request id is already there or a value is refused, row by row,
        skipping those (a retry after a partial failure then completes without duplicates)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(prediction_log.insert(), rows)
        except (IntegrityError, DataError):
            self._insert_one_by_one(rows)

    def _insert_one_by_one(self, rows: Iterable[dict[str, Any]]) -> int:
        inserted = 0
        with self.engine.connect() as connection:
            for row in rows:
                try:
                    with connection.begin():
                        connection.execute(prediction_log.insert(), [row])
                    inserted += 1
                except IntegrityError:
                    logger.warning("Decision log: request id %s already recorded", row["request_id"])
                except DataError as error:  # retrying can never store it: keep it aside, do not block others
                    self._reject(row, error)
        return inserted

    def _reject(self, row: dict[str, Any], error: DataError) -> None:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        logger.critical(
            "Decision log: the database refuses request %s (%s); kept in %s",
            row["request_id"],
            reason,
            self.rejected_path,
        )
        self.spool.set_aside({"error": reason, "record": row}, str(row["request_id"]))

    def _spool(self, rows: Sequence[dict[str, Any]]) -> None:
        try:
            self.spool.add(rows)
        except OSError as error:  # nowhere left to write: say which decisions are missing, loudly
            logger.critical(
                "Decision log and spool unavailable (%s): records %s NOT recorded",
                error,
                [row["request_id"] for row in rows],
            )

    def replay_spool(self) -> int:
        """Insert the spooled records (idempotent: ids already present are skipped); returns how many.

        Never raises for a database problem: the spool then stays for the next attempt.
        """
        try:
            return self.spool.replay(self._insert_one_by_one)
        except (SQLAlchemyError, OSError):
            return 0  # still unavailable: the spool stays for the next attempt

    # --- reading (tests, operations; the drift pipeline has its own reader) --------------------------

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(prediction_log)).scalar())

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        query = sa.select(prediction_log).order_by(prediction_log.c.created_at, prediction_log.c.request_id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
