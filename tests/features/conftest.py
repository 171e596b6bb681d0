"""Tiny raw tables written as CSV files, read back as text the way the pipeline reads them (DuckDB)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest

from credit_scoring.features.sample_data import make_raw_tables
from credit_scoring.raw_schema import RAW_FILES, RAW_TABLES


@pytest.fixture(scope="session")
def raw_tables() -> dict[str, pd.DataFrame]:
    """The sample raw tables (never mutate: copy first)."""
    return make_raw_tables()


@pytest.fixture(scope="session")
def raw_csv_dir(tmp_path_factory: pytest.TempPathFactory, raw_tables: dict[str, pd.DataFrame]) -> Path:
    directory = tmp_path_factory.mktemp("raw")
    for table, frame in raw_tables.items():
        frame.to_csv(directory / RAW_FILES[table], index=False)
    return directory


@pytest.fixture
def duckdb_con() -> ibis.BaseBackend:
    con = ibis.duckdb.connect(threads=1)
    yield con
    con.disconnect()


@pytest.fixture
def read_text(duckdb_con: ibis.BaseBackend, tmp_path: Path) -> Callable[[pd.DataFrame, str], ir.Table]:
    """Write a frame as CSV and read it back with every column as text, as the raw catalog datasets do."""

    def read(frame: pd.DataFrame, name: str) -> ir.Table:
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        return duckdb_con.read_csv(str(path), table_name=f"raw_{name}", all_varchar=True, header=True)

    return read


_NULLABLE_DTYPES = {"int64": "Int64", "float64": "float64", "string": "string"}


def typed_table(table: str, rows: list[dict] | pd.DataFrame) -> ir.Table:
    """A validated-like (typed) raw table from a few rows; unspecified columns are NULL."""
    frame = pd.DataFrame(rows).reindex(columns=list(RAW_TABLES[table]))
    frame = frame.astype({column: _NULLABLE_DTYPES[kind] for column, kind in RAW_TABLES[table].items()})
    return ibis.memtable(frame)


@pytest.fixture
def make_typed() -> Callable[[str, list[dict] | pd.DataFrame], ir.Table]:
    return typed_table
