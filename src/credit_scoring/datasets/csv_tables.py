"""A dataset that writes several CSV tables chunk by chunk, for generator nodes.

Kedro saves every chunk a generator node yields. The first chunk of a table in a session creates its file with
the header (refusing to replace an existing file unless the chunk says so); later chunks are appended without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError


@dataclass(frozen=True)
class TablesChunk:
    """Rows to append to some of the tables; ``overwrite`` allows replacing files that existed before the run."""

    tables: Mapping[str, pd.DataFrame]
    overwrite: bool = False


@dataclass
class _Progress:
    started: set[str] = field(default_factory=set)
    rows: dict[str, int] = field(default_factory=dict)


class CsvTablesDataset(AbstractDataset[TablesChunk, dict[str, Callable[[], pd.DataFrame]]]):
    """Tables stored as ``<path>/<file name>`` CSV files, written in chunks.

    Example catalog entry::

        demo_raw_tables:
          type: credit_scoring.datasets.CsvTablesDataset
          path: data/01_raw
          file_names: {application_train: application_train.csv, ...}

    ``load`` returns ``{table: callable}``: each callable reads one whole table (lazy, like PartitionedDataset).
    """

    DEFAULT_SAVE_ARGS: dict[str, Any] = {"index": False, "lineterminator": "\n"}

    def __init__(
        self,
        path: str,
        file_names: Mapping[str, str],
        save_args: dict[str, Any] | None = None,
        load_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not file_names:
            raise DatasetError("CsvTablesDataset needs at least one entry in 'file_names'")
        self._path = Path(path)
        self._file_names = dict(file_names)
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
        return {table: partial(pd.read_csv, self.filepath(table), **self._load_args) for table in self._file_names}

    def save(self, data: TablesChunk) -> None:
        if not isinstance(data, TablesChunk):
            raise DatasetError(f"CsvTablesDataset saves TablesChunk objects, got {type(data).__name__}")
        unknown = sorted(set(data.tables) - set(self._file_names))
        if unknown:
            raise DatasetError(f"Unknown tables {unknown}; this dataset stores {sorted(self._file_names)}")
        fresh = [t for t in data.tables if t not in self._progress.started]
        existing = [str(self.filepath(t)) for t in fresh if self.filepath(t).exists()]
        if existing and not data.overwrite:
            raise FileExistsError(
                "Refusing to overwrite existing files (they may be the real data): " + ", ".join(existing)
                + ". Move them away, or allow overwriting explicitly (demo_data: --params demo_data.overwrite=true)."
            )
        self._path.mkdir(parents=True, exist_ok=True)
        for table, frame in data.tables.items():
            first = table not in self._progress.started
            frame.to_csv(self.filepath(table), mode="w" if first else "a", header=first, **self._save_args)
            self._progress.started.add(table)
            self._progress.rows[table] = self._progress.rows.get(table, 0) + len(frame)

    def _exists(self) -> bool:
        return all(self.filepath(t).exists() for t in self._file_names)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "file_names": self._file_names, "save_args": self._save_args}
