"""A dataset that writes several CSV tables chunk by chunk, for generator nodes, with a JSON manifest.

Kedro saves every chunk a generator node yields. The first chunk of a table in a session creates its file with
the header (refusing to replace an existing file unless the chunk says so); later chunks are appended without
it. The manifest carried by a chunk (e.g. rows written so far) replaces the previous one after the chunk.

Use it as the node's only output: Kedro splits a generator with several outputs through ``itertools.tee``,
whose buffer blocks keep up to 57 chunks alive, which defeats writing in chunks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
from kedro.io import AbstractDataset, DatasetError


@dataclass(frozen=True)
class TablesChunk:
    """Rows to append to some tables; ``overwrite`` allows replacing files that existed before the run."""

    tables: Mapping[str, pd.DataFrame]
    overwrite: bool = False
    manifest: Mapping[str, Any] | None = None
    """Written (as JSON) after the tables when the dataset has a ``manifest_name``."""


@dataclass
class _Progress:
    started: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)


class CsvTablesDataset(AbstractDataset[TablesChunk, dict[str, Callable[[], pd.DataFrame]]]):
    """Tables stored as ``<path>/<file name>`` CSV files, written in chunks.

    Example catalog entry::

        demo_raw_tables:
          type: credit_scoring.datasets.csv_tables.CsvTablesDataset
          path: data/01_raw
          file_names: {application_train: application_train.csv, ...}
          manifest_name: demo_data_manifest.json

    ``load`` returns ``{table: callable}``: each callable reads one whole table (lazy, like
    PartitionedDataset).
    """

    DEFAULT_SAVE_ARGS: ClassVar[dict[str, Any]] = {"index": False, "lineterminator": "\n"}

    def __init__(
        self,
        path: str,
        file_names: Mapping[str, str],
        *,
        manifest_name: str | None = None,
        save_args: dict[str, Any] | None = None,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not file_names:
            raise DatasetError("CsvTablesDataset needs at least one entry in 'file_names'")
        self._path = Path(path)
        self._file_names = dict(file_names)
        self._manifest_name = manifest_name
        self._save_args = {**self.DEFAULT_SAVE_ARGS, **(save_args or {})}
        self._load_args = dict(load_args or {})
        self._progress = _Progress()
        self.metadata = metadata

    def filepath(self, table: str) -> Path:
        """Where ``table`` is stored."""
        return self._path / self._file_names[table]

    def load(self) -> dict[str, Callable[[], pd.DataFrame]]:
        missing = [str(self.filepath(t)) for t in self._file_names if not self.filepath(t).exists()]
        if missing:
            raise DatasetError(f"These table files do not exist: {', '.join(missing)}")
        return {
            table: partial(pd.read_csv, self.filepath(table), **self._load_args) for table in self._file_names
        }

    def save(self, data: TablesChunk) -> None:
        if not isinstance(data, TablesChunk):
            raise DatasetError(f"CsvTablesDataset saves TablesChunk objects, got {type(data).__name__}")
        unknown = sorted(set(data.tables) - set(self._file_names))
        if unknown:
            raise DatasetError(f"Unknown tables {unknown}; this dataset stores {sorted(self._file_names)}")
        fresh = [self.filepath(t) for t in data.tables if t not in self._progress.started]
        if self._manifest_name and not self._progress.started:
            fresh.append(self._path / self._manifest_name)
        existing = [str(path) for path in fresh if path.exists()]
        if existing and not data.overwrite:
            raise FileExistsError(
                "Refusing to overwrite existing files (they may be the real data): "
                + ", ".join(existing)
                + ". Move them away, or allow overwriting explicitly"
                " (demo_data: --params demo_data.overwrite=true)."
            )
        self._path.mkdir(parents=True, exist_ok=True)
        for table, frame in data.tables.items():
            first = table not in self._progress.started
            frame.to_csv(self.filepath(table), mode="w" if first else "a", header=first, **self._save_args)
            self._progress.started.add(table)
            self._progress.rows[table] = self._progress.rows.get(table, 0) + len(frame)
        if self._manifest_name and data.manifest is not None:
            manifest = self._path / self._manifest_name
            staging = manifest.with_suffix(".tmp")
            staging.write_text(json.dumps(data.manifest, indent=2) + "\n", encoding="utf-8")
            staging.replace(manifest)  # a reader never sees a half-written manifest

    def manifest(self) -> dict[str, Any] | None:
        """The manifest on disk, or None."""
        path = self._path / self._manifest_name if self._manifest_name else None
        return json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else None

    def _exists(self) -> bool:
        return all(self.filepath(t).exists() for t in self._file_names)

    def _describe(self) -> dict[str, Any]:
        return {
            "path": str(self._path),
            "file_names": self._file_names,
            "manifest_name": self._manifest_name,
            "save_args": self._save_args,
        }
