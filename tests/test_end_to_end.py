"""The product end to end, as a new user runs it: demo data, then `kedro run` (every default pipeline) in a
fresh copy of the project; the generated documents carry the run's figures and the notebook runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from credit_scoring.reporting.documents import number

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KEDRO = str(Path(sys.executable).with_name("kedro"))
#: Small data and small budgets: the run checks the wiring and the contracts, not the model's quality.
DEMO_PARAMS = "demo_data.preset=small,demo_data.n_train=2000,demo_data.n_test=400"
RUN_PARAMS = "modelling.tuning.logreg.n_trials=2,modelling.tuning.lgbm.n_trials=2"

pytestmark = pytest.mark.slow


def _kedro(project: Path, *args: str) -> None:
    env = {**os.environ, "DO_NOT_TRACK": "1", "MLFLOW_DISABLE_TELEMETRY": "true"}
    result = subprocess.run(
        [KEDRO, "run", *args], cwd=project, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, f"kedro run {' '.join(args)} failed:\n{result.stderr[-4000:]}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the project (configuration, notebooks, empty data) after demo data and `kedro run`."""
    root = tmp_path_factory.mktemp("project")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    # the package is installed (editable); the demo generator reads its profile through the catalog
    resources = Path("src/credit_scoring/resources")
    shutil.copytree(PROJECT_ROOT / resources, root / resources)
    shutil.copytree(PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    shutil.copytree(PROJECT_ROOT / "notebooks", root / "notebooks")
    for layer in (PROJECT_ROOT / "data").iterdir():
        if layer.is_dir():
            (root / "data" / layer.name).mkdir(parents=True)
    (root / "logs").mkdir()
    _kedro(root, "--pipeline", "demo_data", "--params", DEMO_PARAMS)
    _kedro(root, "--params", RUN_PARAMS)
    return root


def test_documents_carry_the_runs_figures(project: Path) -> None:
    reporting = project / "data" / "08_reporting"
    metrics = json.loads((reporting / "model_metrics.json").read_text())
    comparison = pd.read_csv(reporting / "model_comparison.csv")
    note = (reporting / "methodology_note.md").read_text()
    card = (reporting / "model_card.md").read_text()
    for key in ("cv_auc", "holdout_auc", "threshold", "business_cost_per_client", "approve_all_cost"):
        assert number(float(metrics[key])) in note, key
        assert number(float(metrics[key])) in card, key
    for row in comparison.itertuples():
        line = next(line for line in note.splitlines() if line.startswith(f"| {row.model_name} |"))
        assert number(float(row.cv_auc)) in line
    assert (reporting / "methodology_note.html").read_text().startswith("<!DOCTYPE html>")
    fairness = pd.read_csv(reporting / "fairness_report.csv")
    assert set(fairness["attribute"]) == {"gender", "age band"}


def test_exploration_notebook_runs_on_the_demo_data(project: Path) -> None:
    path = project / "notebooks" / "01_explore_model_input.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any("training clients" in output.get("text", "") for output in outputs)
