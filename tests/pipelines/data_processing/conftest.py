"""Fixtures of the data_processing tests: the sample raw tables and their CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from data_processing_runs import write_raw_csvs

from credit_scoring.features.sample_data import make_raw_tables


@pytest.fixture(scope="session")
def raw_tables() -> dict[str, pd.DataFrame]:
    return make_raw_tables()


@pytest.fixture(scope="session")
def raw_csv_dir(tmp_path_factory: pytest.TempPathFactory, raw_tables: dict[str, pd.DataFrame]) -> Path:
    return write_raw_csvs(raw_tables, tmp_path_factory.mktemp("raw"))
