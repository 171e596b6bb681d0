"""The application database (the decision log, the users, the audit trail, the API keys): any SQLAlchemy URL,
SQLite in WAL mode by default, PostgreSQL in production (``postgresql+psycopg://user:password@host/db``).

`ProcessDatabase` gives each process its own engine, created on first use and again after a fork (gunicorn
workers forked from one master never share a connection), with the tables of its metadata created. SQLite
waits for a busy database (``busy_timeout``); on PostgreSQL connections are checked before use (a restarted
server is noticed) and a connection attempt gives up after a bounded time.
"""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def sqlite_path(url: sa.URL) -> Path | None:
    """The file of a SQLite URL (None: another database, or SQLite in memory)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_engine(url: sa.URL, busy_timeout_ms: int = 10_000, attempts: int = 4) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout (its folder created), or a server
    database whose connection attempts fit ``busy_timeout_ms`` over ``attempts``."""
    sqlite_file = sqlite_path(url)
    if sqlite_file is None:
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            # a host that drops packets must not hold a request for minutes: the busy timeout is the
            # budget for all attempts (libpq's minimum is 2 s)
            connect_args["connect_timeout"] = max(2, math.ceil(busy_timeout_ms / 1000 / attempts))
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
    busy_timeout = int(busy_timeout_ms)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        cursor.close()

    return engine


class ProcessDatabase:
    """This process's engine for ``url`` with the tables of ``metadata``; see the module docstring."""

    def __init__(
        self, url: str | sa.URL, metadata: sa.MetaData, *, busy_timeout_ms: int = 10_000, attempts: int = 4
    ) -> None:
        self.url = sa.make_url(url)
        self.metadata = metadata
        self.busy_timeout_ms = busy_timeout_ms
        self.attempts = attempts
        self._engine: Engine | None = None
        self._engine_pid: int | None = None
        self._tables_ready = False
        self._lock = threading.Lock()  # threads of one worker (gunicorn gthread) share it

    @property
    def engine(self) -> Engine:
        """This process's engine (created on first use, and again after a fork), its tables created.

        Until the tables have been created (the database may be down at start-up), every use tries again.
        """
        if self._engine is not None and self._engine_pid == os.getpid() and self._tables_ready:
            return self._engine
        with self._lock:
            if self._engine is None or self._engine_pid != os.getpid():
                if self._engine is not None:  # the parent's pool: leave its connections to the parent
                    self._engine.dispose(close=False)
                self._engine = create_engine(self.url, self.busy_timeout_ms, self.attempts)
                self._engine_pid = os.getpid()
                self._tables_ready = False
            if not self._tables_ready:
                # a failure (database down; PostgreSQL: another worker creating them at the same moment) is
                # retried by the caller's next use, and checkfirst then finds the tables
                self.metadata.create_all(self._engine, checkfirst=True)
                self._tables_ready = True
            return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._tables_ready = False
