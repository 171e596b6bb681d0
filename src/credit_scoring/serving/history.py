"""A known client's raw history rows, read from the validated history tables that data_processing writes
(``data/02_intermediate/staged_*.parquet``), so a scoring service needs only SK_ID_CURR and the request."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from credit_scoring.raw.tables import HISTORY_TABLES


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
                f"History table not found: {path} (run: kedro run --pipeline data_processing)"
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
