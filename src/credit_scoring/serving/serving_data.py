"""What a scoring host needs besides the model, published with the model version by the training run: a new
host needs only the registry's URL and its secrets, not a copy of the project's ``data/`` folder.

The four tables (`SERVING_TABLES`) are Parquet artifacts of the version's run under ``serving_data/``, with a
``manifest.json`` giving each file's rows, bytes and SHA-256. A host downloads them once into its cache folder
(``CREDIT_SCORING_CACHE_DIR``, default ``data/serving_cache``), one folder per version: downloaded aside,
checked against the manifest, then renamed into place whole, so that a half-downloaded or altered copy is
never used, and the host's workers and restarts reuse it. The history store is prepared there once as
memory-mapped arrays (`HistoryFeatureStore.prepared`) that the workers share.

A version registered before this existed (or by a test) has no ``serving_data/``: the host reads the project's
data folder instead and says so (`ServingFiles.source`, on ``/ready``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

logger = logging.getLogger(__name__)

ARTIFACT_PATH = "serving_data"
MANIFEST = "manifest.json"
CACHE_ENV = "CREDIT_SCORING_CACHE_DIR"
DEFAULT_CACHE_DIR = Path("data/serving_cache")
KEPT_VERSIONS = 3
"""Versions a host keeps in its cache: the one serving and the ones a rollback would go back to."""
TRAINING_COLUMNS = (
    "SK_ID_CURR",
    "TARGET",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "CNT_CHILDREN",
)
"""What the similar-clients search reads of the training clients: the descriptive fields and the outcome."""
SERVING_TABLES = {
    "clients": "the production applications (staged application_test): the client pages",
    "client_features": "their model-input rows (scoring_input_table): their scores",
    "training_clients": "the training clients' descriptive fields and outcome: similar clients",
    "history_features": "every known client's history aggregates (client_history_features): /predict",
}
"""The published tables, each stored as ``<name>.parquet``."""


class ServingDataError(RuntimeError):
    """The version's published serving data cannot be had; the message says which file and why."""


class ServingDataListError(ServingDataError):
    """The registry could not say whether the version published serving data."""


@dataclass(frozen=True)
class ServingFiles:
    """Where a host reads each serving table, and from where they came."""

    clients: Path
    client_features: Path
    training_clients: Path
    history_features: Path
    source: str
    """``registry`` (published with the version) or ``data folder`` (the project's batch outputs)."""
    prepared: Path
    """The folder where the history store's memory-mapped arrays are prepared for these files."""
    computed_scores: Path | None = None
    """Where the host keeps the clients' scores it computed with the version (registry data only)."""


def as_arrow(table: Any, columns: tuple[str, ...] | None = None) -> pa.Table:
    """An Ibis table (the data_processing datasets), a DataFrame or an Arrow table as Arrow, optionally only
    ``columns`` (selected before an Ibis table is read, so only they are materialised)."""
    if isinstance(table, pa.Table):
        arrow = table
    elif isinstance(table, pd.DataFrame):
        arrow = pa.Table.from_pandas(table[list(columns)] if columns else table, preserve_index=False)
    else:  # an Ibis table expression
        arrow = (table.select(*columns) if columns else table).to_pyarrow()
    return arrow.select(list(columns)) if columns else arrow


def serving_tables(
    *, clients: Any, client_features: Any, training_clients: Any, history_features: Any
) -> dict[str, pa.Table]:
    """The `SERVING_TABLES` of a training run, as Arrow: what its registered version will serve with."""
    return {
        "clients": as_arrow(clients),
        "client_features": as_arrow(client_features),
        "training_clients": as_arrow(training_clients, TRAINING_COLUMNS),
        "history_features": as_arrow(history_features),
    }


def write_serving_data(tables: Mapping[str, pa.Table], folder: Path) -> dict[str, Any]:
    """Write the tables as ``<name>.parquet`` into ``folder`` with the manifest; returns the manifest."""
    missing = sorted(set(SERVING_TABLES) - set(tables))
    unknown = sorted(set(tables) - set(SERVING_TABLES))
    if missing or unknown:
        raise ValueError(f"serving data: missing tables {missing}, unknown tables {unknown}")
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in SERVING_TABLES:
        path = folder / f"{name}.parquet"
        pq.write_table(tables[name], path)
        files[name] = {"rows": tables[name].num_rows, "bytes": path.stat().st_size, "sha256": _sha256(path)}
    manifest = {"format": 1, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def publish_serving_data(client: MlflowClient, run_id: str, tables: Mapping[str, pa.Table]) -> dict[str, Any]:
    """Log the tables and their manifest as artifacts of ``run_id`` (the run of the registered version)."""
    with tempfile.TemporaryDirectory(prefix="serving-data-") as staging:
        manifest = write_serving_data(tables, Path(staging))
        client.log_artifacts(run_id, staging, ARTIFACT_PATH)
    total = sum(item["bytes"] for item in manifest["files"].values())
    logger.info("Published the serving data (%.1f MB) with run %s", total / 1e6, run_id)
    return manifest


@contextmanager
def host_lock(cache: Path, key: str) -> Iterator[None]:
    """One process of the host at a time for ``key``: the first worker fetches and prepares a version's data,
    the others wait and then map what it made (instead of each downloading and converting it again)."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        lock = open(cache / f".{key}.lock", "a")  # noqa: SIM115 - held for the block
    except OSError as error:
        raise ServingDataError(f"the serving data cache {cache} cannot be written: {error}") from error
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def cache_dir(root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The host's cache folder: ``$CREDIT_SCORING_CACHE_DIR``, else ``data/serving_cache`` of the project."""
    configured = (environ if environ is not None else os.environ).get(CACHE_ENV, "").strip()
    return Path(configured) if configured else root / DEFAULT_CACHE_DIR


def version_key(name: str, version: str, run_id: str) -> str:
    """A version's folder in the host's cache: its name, number and run (two registries may both have a
    version 1)."""
    return f"{name}-v{version}-{run_id[:12]}"


def published_files(client: MlflowClient, run_id: str, cache: Path, version_key: str) -> ServingFiles | None:
    """The serving files the run published, downloaded into ``cache/<version_key>`` once per host; None when
    the run published none. Raises `ServingDataError` naming what failed (registry, download, a file that
    does not match its manifest, a cache folder that cannot be written)."""
    folder = cache / version_key
    if not _complete(folder):
        try:
            if not any(item.path.endswith(MANIFEST) for item in client.list_artifacts(run_id, ARTIFACT_PATH)):
                return None
        except (MlflowException, OSError) as error:
            raise ServingDataListError(
                f"the registry cannot list the serving data of run {run_id}: {error}"
            ) from error
        _download(client, run_id, folder)
        _prune(cache, keep=folder)
    return _files(folder, "registry")


def data_folder_files(paths: Any, cache: Path) -> ServingFiles:
    """The project's batch outputs (`ApiSettings.paths`) as serving files, for a version that published none;
    the history store is prepared under a key of its file's size and modification time."""
    history = Path(paths.client_history_features)
    try:
        stat = history.stat()
        key = hashlib.sha256(f"{history.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[
            :16
        ]
    except OSError:
        key = "missing"
    prepared = cache / "data-folder" / key
    if prepared.parent.is_dir():
        _prune(prepared.parent, keep=prepared)  # stores of earlier data_processing runs
    return ServingFiles(
        clients=Path(paths.staged_application_test),
        client_features=Path(paths.scoring_input_table),
        training_clients=Path(paths.staged_application_train),
        history_features=history,
        source="data folder",
        prepared=prepared,
    )


def _files(folder: Path, source: str) -> ServingFiles:
    return ServingFiles(
        **{name: folder / f"{name}.parquet" for name in SERVING_TABLES},
        source=source,
        prepared=folder / "history_store",
        computed_scores=folder / "scores.parquet",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _problems(folder: Path) -> list[str]:
    """What does not match the manifest in ``folder`` (empty: every file is there, whole)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"{MANIFEST}: {error}"]
    problems = [f"{name}.parquet: not in the manifest" for name in SERVING_TABLES if name not in files]
    for name, expected in files.items():
        path = folder / f"{name}.parquet"
        if not path.is_file():
            problems.append(f"{path.name}: missing")
        elif path.stat().st_size != expected.get("bytes") or _sha256(path) != expected.get("sha256"):
            problems.append(f"{path.name}: its size or SHA-256 differs from the manifest")
    return problems


def _complete(folder: Path) -> bool:
    """A folder renamed into place was checked before: its manifest and files being there is enough."""
    return (folder / MANIFEST).is_file() and all(
        (folder / f"{name}.parquet").is_file() for name in SERVING_TABLES
    )


def _download(client: MlflowClient, run_id: str, folder: Path) -> None:
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    except OSError as error:
        raise ServingDataError(
            f"the serving data cache {folder.parent} cannot be written: {error}"
        ) from error
    try:
        try:
            downloaded = Path(client.download_artifacts(run_id, ARTIFACT_PATH, str(staging)))
        except (MlflowException, OSError) as error:
            raise ServingDataError(
                f"the serving data of run {run_id} cannot be downloaded: {error}"
            ) from error
        problems = _problems(downloaded)
        if problems:
            raise ServingDataError(f"the serving data of run {run_id} is not whole: {'; '.join(problems)}")
        try:
            downloaded.rename(folder)
        except OSError as error:
            if not _complete(folder):  # another worker of the host renamed its copy first: that one is used
                raise ServingDataError(f"the serving data cannot be put in {folder}: {error}") from error
        logger.info("Serving data of run %s cached in %s", run_id, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prune(cache: Path, keep: Path) -> None:
    """Remove all but the `KEPT_VERSIONS` most recent version folders (never ``keep``). A worker still
    mapping a removed store keeps its pages until it lets them go."""
    folders = [
        path for path in cache.iterdir() if path.is_dir() and not path.name.startswith((".", "data-folder"))
    ]
    folders.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    for old in folders[KEPT_VERSIONS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
