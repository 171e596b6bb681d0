"""Spool files: the records a database refused, kept on this host's disk until a later write inserts them.

The decision log and the audit trail share this mechanism. A spool is one file of JSON lines. Every append
takes an exclusive lock on it (``flock``: the workers of one server append to the same file), writes whole
lines and syncs them to disk (``fsync``) before returning, so a spooled record survives a crash of the
process or of the machine. A replay takes the same lock, hands every record to the store's insert (which
must be idempotent: each record carries its own unique key, so records already inserted before a crash are
skipped, never duplicated), then truncates the file. The file is truncated, never unlinked, because a writer
waiting for the lock holds it open. A line torn by a crash in the middle of an append, and a record the
database can never store, go to ``<name>.rejected.jsonl`` beside the spool instead of blocking the others.

Each host has its own spool folder (`spool_dir`): two servers never read or replay each other's spool, even
when they share the project folder (NFS, or two app servers on one machine). ``CREDIT_SCORING_SPOOL_DIR``
names it; the default is ``data/07_model_output/spool/<host id>`` under the project root (the API keeps the
spool of a SQLite database beside its file: one machine's database), the host id being the machine's name
and, when the environment has one, the ``PORT`` the server listens on (two gunicorn masters on one machine
listen on two ports).

After an append, a daemon thread of the process that spooled tries a replay every few seconds until the spool
is empty: records spooled in a quiet moment do not wait for the next request.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SPOOL_DIR_ENV = "CREDIT_SCORING_SPOOL_DIR"
SPOOL_PARENT = Path("data/07_model_output/spool")


def host_id(environ: Mapping[str, str] | None = None) -> str:
    """This server's name among those that may share a project folder: ``<hostname>`` or
    ``<hostname>-<PORT>`` (a file-name-safe text)."""
    environ = os.environ if environ is None else environ
    name = socket.gethostname() or "localhost"
    port = (environ.get("PORT") or "").strip()
    text = f"{name}-{port}" if port else name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def spool_dir(root: Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """This host's spool folder: ``$CREDIT_SCORING_SPOOL_DIR`` (relative: to ``root``), else
    ``<root>/data/07_model_output/spool/<host id>``; ``root`` defaults to the working directory."""
    environ = os.environ if environ is None else environ
    root = Path.cwd() if root is None else Path(root)
    configured = (environ.get(SPOOL_DIR_ENV) or "").strip()
    if configured:
        return root / Path(configured).expanduser()
    return root / SPOOL_PARENT / host_id(environ)


def append_json_lines(path: Path, objects: Iterable[Mapping[str, Any]]) -> None:
    """One JSON line per object, appended under an exclusive lock (other workers append too) and synced.

    Raises OSError when the file cannot be written (a full or read-only disk): the caller decides.
    """
    text = "".join(json.dumps(item) + "\n" for item in objects)
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
    if created:  # the new file's name must survive a crash too
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class Spool:
    """The spool file at ``path`` of one store (``label`` names it in the logs); see the module docstring.

    ``flush`` (optional) is what the background thread calls to replay the spool (the store's replay);
    ``flush_interval_s`` how often (0: no thread).
    """

    def __init__(
        self,
        path: str | Path,
        label: str,
        *,
        flush: Callable[[], object] | None = None,
        flush_interval_s: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.label = label
        self._flush = flush
        self.flush_interval_s = flush_interval_s
        self._flusher: threading.Thread | None = None
        self._flusher_pid: int | None = None
        self._flusher_lock = threading.Lock()

    @property
    def rejected_path(self) -> Path:
        return self.path.with_suffix(".rejected.jsonl")

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Append ``rows`` durably (OSError: they are not spooled), then make sure a flusher runs."""
        append_json_lines(self.path, rows)
        try:
            self._start_flusher()
        except RuntimeError as error:  # no thread can be started: the next write that succeeds replays
            logger.warning("%s: no background replay (%s)", self.label, error)

    def pending(self) -> bool:
        """True when records wait in the spool."""
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def records(self) -> int:
        """How many records wait (the non-empty lines); 0 without a spool."""
        try:
            with open(self.path, "rb") as file:
                return sum(1 for line in file if line.strip())
        except OSError:
            return 0

    def set_aside(self, entry: Mapping[str, Any], what: str) -> bool:
        """Keep ``entry`` in the rejected file (False, logged critical, when even that fails)."""
        try:
            append_json_lines(self.rejected_path, [entry])
            return True
        except OSError as failure:
            logger.critical("%s: %s NOT recorded (%s)", self.label, what, failure)
            return False

    def _rows(self, lines: Iterable[str]) -> list[dict[str, Any]]:
        """The spool's records; a line torn by a crash in the middle of a write is set aside, not fatal."""
        rows = []
        for line in lines:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise json.JSONDecodeError("not a JSON object", line, 0)
                rows.append(row)
            except json.JSONDecodeError as error:
                logger.critical(
                    "%s: unreadable spool line (%s); kept in %s", self.label, error, self.rejected_path
                )
                self.set_aside({"error": f"unreadable spool line: {error}", "line": line}, "a spool line")
        return rows

    def replay(self, insert: Callable[[list[dict[str, Any]]], int]) -> int:
        """Give the spooled records to ``insert`` (idempotent; returns how many it inserted) under the lock,
        then empty the spool; returns ``insert``'s count (0: nothing spooled).

        Whatever ``insert`` raises (the database still refuses) propagates and the spool stays as it was.
        """
        try:
            spool = open(self.path, "r+", encoding="utf-8")  # noqa: SIM115 - held under the lock
        except FileNotFoundError:
            return 0
        with spool:
            fcntl.flock(spool, fcntl.LOCK_EX)
            try:
                rows = self._rows(spool)
                inserted = insert(rows) if rows else 0
                # truncated, never unlinked: a writer waiting for the lock holds this very file open
                spool.seek(0)
                spool.truncate()
                spool.flush()
                os.fsync(spool.fileno())
            finally:
                fcntl.flock(spool, fcntl.LOCK_UN)
        if rows:
            logger.info("%s: %d spooled record(s) replayed, %d inserted", self.label, len(rows), inserted)
        return inserted

    # --- the background flusher --------------------------------------------------------------------

    def _start_flusher(self) -> None:
        if self._flush is None or self.flush_interval_s <= 0:
            return
        with self._flusher_lock:
            alive = (
                self._flusher is not None and self._flusher.is_alive() and self._flusher_pid == os.getpid()
            )
            if alive:
                return
            self._flusher = threading.Thread(
                target=self._flush_until_empty, name=f"spool-flusher:{self.path.name}", daemon=True
            )
            self._flusher_pid = os.getpid()
            self._flusher.start()

    def _flush_until_empty(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.flush_interval_s):
            with self._flusher_lock:  # an append after this check starts a new flusher
                if not self.pending():
                    self._flusher = None
                    return
            try:
                self._flush()  # type: ignore[misc]
            except Exception as error:
                logger.warning("%s: spool replay failed (%s: %s)", self.label, type(error).__name__, error)
