"""Fixtures of the demo_data tests: the small preset, generated once by the real pipeline into CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from credit_scoring.datasets.csv_tables import CsvTablesDataset
from credit_scoring.pipelines.demo_data import create_pipeline
from credit_scoring.pipelines.demo_data.config import packaged_profile
from credit_scoring.raw.tables import RAW_FILES

MANIFEST = "demo_data_manifest.json"


def run_demo_pipeline(out_dir: Path, **params: Any) -> dict[str, Any]:
    """Run the demo_data pipeline into ``out_dir`` with an in-memory catalog; return the final manifest."""
    tables = CsvTablesDataset(path=str(out_dir), file_names=RAW_FILES, manifest_name=MANIFEST)
    catalog = DataCatalog(
        {
            "params:demo_data": MemoryDataset({"preset": "small", **params}),
            "home_credit_profile": MemoryDataset(packaged_profile()),
            "demo_raw_tables": tables,
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    return tables.manifest()


def read_tables(directory: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(directory / file, low_memory=False) for name, file in RAW_FILES.items()}


@pytest.fixture(scope="session")
def run_demo():
    """The pipeline runner above, for tests that need their own run."""
    return run_demo_pipeline


@pytest.fixture(scope="session")
def read_back():
    """The CSV reader above."""
    return read_tables


@pytest.fixture(scope="session")
def profile() -> dict[str, Any]:
    return packaged_profile()


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The small preset (seed 42, no drift) written as CSV files, and its manifest."""
    out_dir = tmp_path_factory.mktemp("demo_small")
    return out_dir, run_demo_pipeline(out_dir, seed=42)


@pytest.fixture(scope="session")
def tables(small_run: tuple[Path, dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The small preset read back from its CSV files, as a user of data/01_raw sees it."""
    return read_tables(small_run[0])
