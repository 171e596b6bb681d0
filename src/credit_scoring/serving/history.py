"""A known client's history, for a scoring service that receives only SK_ID_CURR and the application.

- `HistoryFeatureStore`: the client's history aggregates as data_processing computed them
  (``data/04_feature/client_history_features.parquet``, one row per SK_ID_CURR), held in memory: what the
  online row builder (`credit_scoring.serving.rows`) serves.
- `ClientHistoryStore`: the client's raw history rows, read from the validated history tables
  (``data/02_intermediate/staged_*.parquet``): what the reference builder (`credit_scoring.serving.online`)
  recomputes the aggregates from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.expressions import CLIENT_KEY
from credit_scoring.raw.tables import HISTORY_TABLES


def history_feature_columns() -> list[str]:
    """The history-aggregate columns of the model input, in order (every `HISTORY_FEATURE_SETS` entry)."""
    return [column for feature_set in HISTORY_FEATURE_SETS for column in feature_set.columns]


class HistoryFeatureStore:
    """Every known client's history aggregates, keyed by SK_ID_CURR, in memory (a float64 matrix).

    Built from the keyed store data_processing writes (`from_parquet`); a lookup is a binary search and one
    row copy. The aggregates are those of the model inputs: counts 0 and NULLs for a client without history.
    NULL and NaN stay distinct (a mask from the Arrow validity), as in the batch engine.
    """

    def __init__(self, table: pa.Table, source: str = "history features") -> None:
        expected = history_feature_columns()
        columns = [column for column in table.column_names if column != CLIENT_KEY]
        if CLIENT_KEY not in table.column_names or columns != expected:
            missing = [column for column in expected if column not in columns]
            unexpected = [column for column in columns if column not in expected]
            raise ValueError(
                f"{source} does not hold {CLIENT_KEY} and the current history features in order "
                f"(missing {missing[:10]}, unexpected {unexpected[:10]}): rerun "
                "kedro run --pipelines data_processing"
            )
        ids = _as_numpy(table.column(CLIENT_KEY), pa.int64(), f"{source}, column {CLIENT_KEY}")
        order = np.argsort(ids, kind="stable")
        self._ids = ids[order]
        duplicated = np.unique(self._ids[1:][self._ids[1:] == self._ids[:-1]])
        if duplicated.size:
            raise ValueError(f"{source}: duplicated {CLIENT_KEY} {duplicated[:5].tolist()}")
        self.columns: tuple[str, ...] = tuple(columns)
        self._values = np.empty((len(ids), len(columns)), dtype=np.float64)
        self._nulls = np.zeros((len(ids), len(columns)), dtype=bool)
        for j, column in enumerate(columns):
            values = table.column(column)  # engines may type flags and counts as integers
            if values.type != pa.float64():
                values = values.cast(pa.float64())
            self._values[:, j] = _as_numpy(values.fill_null(0.0), pa.float64(), f"{source}, column {column}")[
                order
            ]
            self._nulls[:, j] = values.is_null().to_numpy(zero_copy_only=False)[order]
        self._any_null = self._nulls.any(axis=1)

    ARRAYS = ("ids", "values", "nulls", "any_null")
    """The store's arrays as `save_arrays` writes them (``<name>.npy``), beside ``columns.json``."""

    def save_arrays(self, folder: Path) -> None:
        """Write the prepared arrays into ``folder`` (each file written aside, then renamed into place, the
        column list last: a reader never sees a half-written store)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays = dict(zip(self.ARRAYS, (self._ids, self._values, self._nulls, self._any_null), strict=True))
        for name, array in arrays.items():
            part = folder / f".{name}.{os.getpid()}.npy"
            np.save(part, np.ascontiguousarray(array))
            part.replace(folder / f"{name}.npy")
        part = folder / f".columns.{os.getpid()}.json"
        part.write_text(json.dumps(list(self.columns)), encoding="utf-8")
        part.replace(folder / "columns.json")

    @classmethod
    def load_arrays(cls, folder: Path) -> HistoryFeatureStore | None:
        """The store `save_arrays` wrote, memory-mapped read-only (the processes of a host share its pages),
        or None when ``folder`` holds none or one of other columns."""
        try:
            columns = json.loads((folder / "columns.json").read_text(encoding="utf-8"))
            arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in cls.ARRAYS}
        except (OSError, ValueError):
            return None
        if columns != history_feature_columns() or arrays["values"].shape != (
            len(arrays["ids"]),
            len(columns),
        ):
            return None
        store = cls.__new__(cls)
        store.columns = tuple(columns)
        store._ids, store._values = arrays["ids"], arrays["values"]
        store._nulls, store._any_null = arrays["nulls"], arrays["any_null"]
        return store

    @classmethod
    def prepared(cls, path: str | Path, folder: Path) -> HistoryFeatureStore:
        """The store of the Parquet ``path``, prepared once in ``folder`` and memory-mapped from there: the
        first process converts it (seconds at full size), every later one and every worker of the host maps
        the same pages instead of holding its own copy (0.5 GB at the full Kaggle size)."""
        store = cls.load_arrays(folder)
        if store is None:
            cls.from_parquet(path).save_arrays(folder)
            store = cls.load_arrays(folder)
        if store is None:
            raise OSError(f"the history store prepared in {folder} cannot be read back")
        return store

    @classmethod
    def from_parquet(cls, path: str | Path) -> HistoryFeatureStore:
        """Read the store written by data_processing (a Parquet file, or a folder of part files on Spark)."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"History feature store not found: {path} (run: kedro run --pipelines data_processing)"
            )
        return cls(pq.read_table(path, memory_map=True), source=str(path))

    def __len__(self) -> int:
        return len(self._ids)

    def _position(self, client_id: int) -> int | None:
        position = int(np.searchsorted(self._ids, client_id))
        if position < len(self._ids) and self._ids[position] == client_id:
            return position
        return None

    def __contains__(self, client_id: object) -> bool:
        if isinstance(client_id, bool) or not isinstance(client_id, int | np.integer):
            return False
        return self._position(int(client_id)) is not None

    def row(self, client_id: int) -> tuple | None:
        """(SK_ID_CURR, *aggregates) with None for NULL, or None for a client the store does not know."""
        position = self._position(client_id)
        if position is None:
            return None
        values = self._values[position].tolist()
        if self._any_null[position]:
            nulls = self._nulls[position].tolist()
            values = [None if null else value for value, null in zip(values, nulls, strict=True)]
        return (client_id, *values)


def _as_numpy(column: pa.ChunkedArray, dtype: pa.DataType, where: str) -> np.ndarray:
    if column.type != dtype:
        try:
            column = column.cast(dtype)  # safe cast: no silent truncation
        except pa.ArrowInvalid as error:
            raise ValueError(f"{where}: expected {dtype}, got {column.type}") from error
    if column.null_count:
        raise ValueError(f"{where}: unexpected NULL")
    return column.to_numpy()


class ClientHistoryStore:
    """A known client's raw history rows, read from the validated history tables (Parquet files/folders)."""

    def __init__(self, paths: Mapping[str, str | Path]) -> None:
        missing = [table for table in HISTORY_TABLES if table not in paths]
        if missing:
            raise ValueError(f"ClientHistoryStore needs a path for every history table; missing {missing}")
        self._sources = {table: self._source(Path(paths[table])) for table in HISTORY_TABLES}

    @classmethod
    def from_directory(cls, directory: str | Path, prefix: str = "staged_") -> ClientHistoryStore:
        """The store over ``<directory>/<prefix><catalog name>.parquet`` as written by data_processing.

        The staged tables of a successful run are the validated ones (a failed validation stops the run).
        """
        directory = Path(directory)
        return cls({table: directory / f"{prefix}{table.lower()}.parquet" for table in HISTORY_TABLES})

    @staticmethod
    def _source(path: Path) -> str:
        if not path.exists():
            raise FileNotFoundError(
                f"History table not found: {path} (run: kedro run --pipelines data_processing)"
            )
        pattern = path / "**" / "*.parquet" if path.is_dir() else path
        return str(pattern).replace("'", "''")

    def history(self, sk_id_curr: int) -> dict[str, pd.DataFrame]:
        """The client's rows in each history table (bureau_balance through the client's bureau loans)."""
        con = duckdb.connect(config={"threads": 1})
        try:
            rows = {}
            for table in HISTORY_TABLES:
                if table == "bureau_balance":
                    bureau = self._sources["bureau"]
                    loans = f"SELECT SK_ID_BUREAU FROM read_parquet('{bureau}') WHERE SK_ID_CURR = ?"
                    balance = self._sources[table]
                    query = f"SELECT * FROM read_parquet('{balance}') WHERE SK_ID_BUREAU IN ({loans})"
                else:
                    query = f"SELECT * FROM read_parquet('{self._sources[table]}') WHERE SK_ID_CURR = ?"
                rows[table] = con.execute(query, [int(sk_id_curr)]).df()
            return rows
        finally:
            con.close()
