"""Helpers of the data_processing tests: sample CSV files and pipeline runs with an in-memory catalog.

A module with a unique name (not conftest) so that test modules can import it whatever else pytest collected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from credit_scoring.pipelines.data_processing import create_pipeline
from credit_scoring.pipelines.data_processing.pipeline import catalog_name
from credit_scoring.raw.tables import RAW_FILES

PROJECT_ROOT = Path(__file__).resolve().parents[3]
OUTPUTS = ("model_input_table", "scoring_input_table", "feature_dictionary", "raw_data_validation_report")


def project_parameters() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_data_processing.yml").read_text())


def write_raw_csvs(tables: dict[str, pd.DataFrame], directory: Path) -> Path:
    """Write raw tables (Kaggle names) as the eight CSV files, the way the demo generator does."""
    directory.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        frame.to_csv(directory / RAW_FILES[table], index=False)
    return directory


def read_raw_csvs(directory: Path) -> dict[str, ir.Table]:
    """The eight CSV files read on DuckDB with every column as text, as the raw catalog datasets do."""
    con = ibis.duckdb.connect(threads=1)
    return {
        t: con.read_csv(str(directory / f), table_name=f"raw_{t}", all_varchar=True)
        for t, f in RAW_FILES.items()
    }


class KeptDataset(MemoryDataset):
    """A MemoryDataset the runner cannot release: a test reads intermediate outputs after the run."""

    def _release(self) -> None:
        pass


def run_data_processing(raw: dict[str, ir.Table], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the whole pipeline with SequentialRunner on raw Ibis tables (Kaggle names); return its outputs."""
    params = (parameters or project_parameters())["data_processing"]
    catalog = DataCatalog(
        {
            **{catalog_name(table): MemoryDataset(frame) for table, frame in raw.items()},
            "params:data_processing.validation": MemoryDataset(params["validation"]),
            **{name: KeptDataset() for name in OUTPUTS},
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    return {name: catalog.load(name) for name in OUTPUTS}
