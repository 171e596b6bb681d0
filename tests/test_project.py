"""The Kedro project bootstraps, registers its pipelines and refuses to run without raw data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from credit_scoring.hooks import HOW_TO_GET_DATA, MissingRawDataError
from credit_scoring.pipeline_registry import DEFAULT_PIPELINES, register_pipelines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXPECTED_PIPELINES = {
    "demo_data",
    "data_processing",
    "modelling",
    "drift",
    "traffic",
    "performance",
    "scoring",
}


@pytest.fixture
def empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the project's configuration with empty data layers, as on a fresh clone."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src").mkdir()  # the package itself is installed (editable) in the environment
    shutil.copytree(PROJECT_ROOT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("local"))
    (tmp_path / "conf" / "local").mkdir()
    for layer in (PROJECT_ROOT / "data").iterdir():
        (tmp_path / "data" / layer.name).mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    # A failed run leaves kedro-mlflow's run open; later tests in this process must not log into it.
    while mlflow.active_run():
        mlflow.end_run()


def test_session_bootstraps_and_loads_catalog_and_parameters(empty_project: Path) -> None:
    bootstrap_project(empty_project)
    with KedroSession.create(project_path=empty_project) as session:
        context = session.load_context()
        assert context.params["random_state"] == 42
        assert "model_input_table" in context.catalog
        assert "application_train" in context.catalog


def test_registry_lists_every_pipeline_and_a_default() -> None:
    bootstrap_project(PROJECT_ROOT)
    pipelines = register_pipelines()
    assert set(pipelines) >= EXPECTED_PIPELINES
    default_nodes = set(pipelines["__default__"].nodes)
    for name in DEFAULT_PIPELINES:
        assert set(pipelines[name].nodes) <= default_nodes
    demo_nodes = set(pipelines["demo_data"].nodes)
    assert not demo_nodes & default_nodes, "the default run must never write data/01_raw"
    assert not set(pipelines["traffic"].nodes) & default_nodes, "a simulation runs only when asked"
    assert pipelines["performance"].outputs() == {"performance_summary", "performance_alerts_log"}


def test_run_on_empty_raw_folder_says_how_to_get_data(empty_project: Path) -> None:
    bootstrap_project(empty_project)
    with (
        KedroSession.create(project_path=empty_project) as session,
        pytest.raises(MissingRawDataError, match=r"application_train\.csv") as raised,
    ):
        session.run(pipeline_names=["data_processing"])
    message = str(raised.value)
    assert HOW_TO_GET_DATA in message
    assert "make data" in message and "kaggle" in message.lower()
