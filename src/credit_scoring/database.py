"""The application database (the decision log, the users, the audit trail, the API keys): any SQLAlchemy URL,
SQLite in WAL mode by default, PostgreSQL in production (``postgresql+psycopg://user:password@host/db``).

`ProcessDatabase` gives each process its own engine, created on first use and again after a fork (gunicorn
workers forked from one master never share a connection), with the tables of its metadata created (and a
nullable column or an index declared after a table was created, added to it: `create_tables`). SQLite
waits for a busy database (``busy_timeout``); on PostgreSQL connections are checked before use (a restarted
server is noticed), and nothing waits without bound: a connection attempt gives up after a bounded time, a
lock wait after the busy timeout (``lock_timeout``), a statement after ``statement_timeout`` (the stores'
engines), a transaction left idle by a broken client is ended by the server
(``idle_in_transaction_session_timeout``), and TCP keepalives notice a server that vanished. A write that
would have hung fails instead, and the decision log and the audit trail spool it (`credit_scoring.spool`).
"""

from __future__ import annotations

import contextlib
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


#: A transaction a client left open (a broken connection, a leaked session) is ended by PostgreSQL after this.
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000


def postgres_connect_args(
    busy_timeout_ms: int = 10_000, attempts: int = 4, statement_timeout_ms: int | None = None
) -> dict[str, Any]:
    """libpq's connection arguments that bound every wait of a PostgreSQL session (see the module docstring).

    The busy timeout is the budget of all connection attempts (libpq's minimum is 2 s) and of one lock wait,
    as SQLite's ``busy_timeout`` is; ``statement_timeout_ms`` None or 0 leaves statements unbounded.
    """
    settings = {
        "lock_timeout": max(1, int(busy_timeout_ms)),
        "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }
    if statement_timeout_ms:
        settings["statement_timeout"] = int(statement_timeout_ms)
    return {
        "connect_timeout": max(2, math.ceil(busy_timeout_ms / 1000 / attempts)),
        "options": " ".join(f"-c {name}={value}" for name, value in settings.items()),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }


def create_engine(
    url: sa.URL, busy_timeout_ms: int = 10_000, attempts: int = 4, statement_timeout_ms: int | None = None
) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with a busy timeout (its folder created), or a server
    database whose connection attempts fit ``busy_timeout_ms`` over ``attempts`` and whose lock waits and
    statements are bounded (`postgres_connect_args`)."""
    sqlite_file = sqlite_path(url)
    if sqlite_file is None:
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            # a host that drops packets, a lock never released, must not hold a request for minutes
            connect_args = postgres_connect_args(busy_timeout_ms, attempts, statement_timeout_ms)
            if url.query.get("options"):  # the URL's own settings are kept, and win (libpq: the last one)
                connect_args["options"] = f"{connect_args['options']} {url.query['options']}"
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


def create_tables(connectable: Engine | sa.Connection, metadata: sa.MetaData) -> None:
    """The tables of ``metadata`` created when missing; on a table created by an earlier version, the
    nullable columns and the indexes declared since then are added (the only changes a release may make)."""
    metadata.create_all(connectable, checkfirst=True)
    inspector = sa.inspect(connectable)
    with _connection(connectable) as connection:
        preparer = connection.dialect.identifier_preparer
        for table in metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable:
                    raise RuntimeError(
                        f"table {table.name} lacks column {column.name}, which cannot be added"
                    )
                column_type = column.type.compile(dialect=connection.dialect)
                connection.execute(
                    sa.text(
                        f"ALTER TABLE {preparer.format_table(table)} "
                        f"ADD COLUMN {preparer.format_column(column)} {column_type}"
                    )
                )
            for index in table.indexes:
                index.create(connection, checkfirst=True)


def _connection(connectable: Engine | sa.Connection) -> Any:
    return connectable.begin() if isinstance(connectable, Engine) else contextlib.nullcontext(connectable)


class ProcessDatabase:
    """This process's engine for ``url`` with the tables of ``metadata``; see the module docstring."""

    def __init__(
        self,
        url: str | sa.URL,
        metadata: sa.MetaData,
        *,
        busy_timeout_ms: int = 10_000,
        attempts: int = 4,
        statement_timeout_ms: int | None = 30_000,
    ) -> None:
        self.url = sa.make_url(url)
        self.metadata = metadata
        self.busy_timeout_ms = busy_timeout_ms
        self.attempts = attempts
        self.statement_timeout_ms = statement_timeout_ms
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
                self._engine = create_engine(
                    self.url, self.busy_timeout_ms, self.attempts, self.statement_timeout_ms
                )
                self._engine_pid = os.getpid()
                self._tables_ready = False
            if not self._tables_ready:
                # a failure (database down; PostgreSQL: another worker creating them at the same moment) is
                # retried by the caller's next use, and checkfirst then finds the tables
                create_tables(self._engine, self.metadata)
                self._tables_ready = True
            return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._tables_ready = False
