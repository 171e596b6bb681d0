"""A throw-away PostgreSQL cluster run from the server's own tools (``initdb``, ``pg_ctl``): for the tests
(``tests/fixtures/postgres.py``) and the local stack (``credit_scoring.ops.stack``).

The cluster lives in one folder (data, socket, server log) and listens on 127.0.0.1 with trust authentication.
PostgreSQL refuses to run as root: as root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` system user
(created by Debian's package) through ``runuser``, and the folder must belong to it. Its collation is ICU's
English, not C, as a production database usually has: text does not sort by bytes there.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SERVER_USER = "postgres"  # the system user the server runs as, and the cluster's superuser role
BIN_DIR_ENV = "POSTGRES_BIN_DIR"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
TOOLS = ("initdb", "pg_ctl")
OLDEST_MAJOR = 15  # initdb's ICU locale provider


def find_bin_dir() -> Path | None:
    """``$POSTGRES_BIN_DIR`` when set, else the newest ``/usr/lib/postgresql/<major>/bin``, else pg_ctl's
    folder on the PATH."""
    explicit = os.environ.get(BIN_DIR_ENV)
    candidates = [Path(explicit)] if explicit else []
    if not explicit and DEBIAN_ROOT.is_dir():
        versions = [path for path in DEBIAN_ROOT.iterdir() if re.fullmatch(r"\d+(\.\d+)?", path.name)]
        candidates += [path / "bin" for path in sorted(versions, key=lambda p: float(p.name), reverse=True)]
    on_path = shutil.which("pg_ctl")
    if on_path and not explicit:
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in TOOLS):
            return candidate
    return None


def run_as_prefix() -> list[str]:
    """How to run the server's tools: directly, or as the postgres user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", SERVER_USER, "--"]


def major_version(bin_dir: Path) -> int:
    """15 for ``pg_ctl (PostgreSQL) 15.18``."""
    output = subprocess.run(
        [str(bin_dir / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(\.\d+)?", output)
    return int(found.group(1)) if found else 0


def postgres_missing() -> str | None:
    """Why a PostgreSQL cluster cannot be started here, or None."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return (
            "PostgreSQL is not installed (apt-get install postgresql; "
            f"or set {BIN_DIR_ENV} to the folder of initdb and pg_ctl)"
        )
    if major_version(bin_dir) < OLDEST_MAJOR:
        return f"PostgreSQL {major_version(bin_dir)} in {bin_dir}: these tests need {OLDEST_MAJOR} or newer"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} system user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser (util-linux) is missing"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A running cluster: URLs, databases, and stop/start for tests of an outage."""

    bin_dir: Path
    root: Path
    port: int
    max_connections: int = 50

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` (psycopg 3 driver, TCP on 127.0.0.1)."""
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SERVER_USER, dbname=database, autocommit=True
        )

    def create_database(self, name: str) -> str:
        with self.connect() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))

    def _tool(self, *arguments: str, timeout: float = 120) -> None:
        command = [*run_as_prefix(), str(self.bin_dir / arguments[0]), *arguments[1:]]
        # cwd: the postgres user may not be allowed into the caller's working directory
        result = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{tail}"
            )

    def init(self) -> None:
        self._tool(
            "initdb",
            "--pgdata",
            str(self.data_dir),
            "--username",
            SERVER_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--locale-provider",
            "icu",
            "--icu-locale",
            "en-US",
            "--no-sync",
        )

    def start(self) -> None:
        options = " ".join(
            (
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",  # a throw-away cluster: durability is not what these tests measure
                f"-c max_connections={self.max_connections}",
            )
        )
        self._tool(
            "pg_ctl", "start", "--pgdata", str(self.data_dir), "--log", str(self.root / "server.log"),
            "--wait", "--timeout", "60", "--options", options,
        )  # fmt: skip

    def stop(self) -> None:
        self._tool("pg_ctl", "stop", "--pgdata", str(self.data_dir), "--mode", "fast", "--wait")

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def answers(self) -> bool:
        """True when the server is up (``pg_ctl status``: a left-over ``postmaster.pid`` is not enough)."""
        command = [*run_as_prefix(), str(self.bin_dir / "pg_ctl"), "status", "--pgdata", str(self.data_dir)]
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        return result.returncode == 0

    def postmaster_pid(self) -> int | None:
        """The server's process id, from the first line of ``postmaster.pid``."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first) if first.strip().isdigit() else None

    def ensure_database(self, name: str) -> str:
        """The URL of ``name``, created when it does not exist."""
        with self.connect() as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        return self.url(name) if found else self.create_database(name)


def make_server_folder(path: Path) -> Path:
    """``path`` created for a cluster: mode 700, owned by the postgres user when we are root (the server's
    tools run as that user, which must also be able to reach the folder's parents)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        account = pwd.getpwnam(SERVER_USER)
        os.chown(path, account.pw_uid, account.pw_gid)
    path.chmod(0o700)
    return path
