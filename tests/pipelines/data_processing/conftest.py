"""Fixtures of the data_processing tests: the sample raw tables and their CSV files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from data_processing_runs import PROJECT_ROOT, write_raw_csvs
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.fixtures.raw_tables import make_raw_tables


@pytest.fixture(scope="session")
def raw_tables() -> dict[str, pd.DataFrame]:
    return make_raw_tables()


@pytest.fixture(scope="session")
def raw_csv_dir(tmp_path_factory: pytest.TempPathFactory, raw_tables: dict[str, pd.DataFrame]) -> Path:
    return write_raw_csvs(raw_tables, tmp_path_factory.mktemp("raw"))


@pytest.fixture(scope="session")
def kedro_run_project(raw_tables: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kedro run --pipelines data_processing` on the sample CSVs, in a copy of the project (real catalog)."""
    project = tmp_path_factory.mktemp("project")
    (project / "src").mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    write_raw_csvs(raw_tables, project / "data" / "01_raw")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID"):  # kedro-mlflow sets them: restored after
            patch.setenv(name, "")
            patch.delenv(name)
        bootstrap_project(project)
        with KedroSession.create(project_path=project) as session:
            session.run(pipeline_names=["data_processing"])
    # kedro-mlflow leaves the runs it started active in this process (a CLI run ends with its process): a
    # later test's own run would be refused as nested
    while mlflow.active_run() is not None:
        mlflow.end_run()
    return project


@pytest.fixture(scope="session")
def kedro_run_outputs(kedro_run_project: Path) -> dict:
    """The outputs that run wrote, read back."""
    data = kedro_run_project / "data"
    return {
        "model_input_table": pd.read_parquet(data / "05_model_input/model_input_table.parquet"),
        "scoring_input_table": pd.read_parquet(data / "05_model_input/scoring_input_table.parquet"),
        "feature_dictionary": pd.read_csv(data / "04_feature/feature_dictionary.csv"),
        "raw_data_validation_report": json.loads(
            (data / "08_reporting/raw_data_validation_report.json").read_text()
        ),
    }
