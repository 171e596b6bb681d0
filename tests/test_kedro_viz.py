"""Kedro-Viz as a data engineer reads it: every dataset in a layer, previews on the tables.

The layer of a file is the Kedro layer of its data folder (data/01_raw ... data/09_simulation); the few files
whose folder contradicts the flow follow the flow (`FLOW_LAYERS`), since Kedro-Viz drops every layer from the
view as soon as two of them depend on each other. The catalogs are checked as YAML (fast); `kedro viz build`
then builds the static site from a copy of the configuration (no data needed) and its JSON is checked.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from kedro.io.core import parse_dataset_definition

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CATALOG_FILES = [
    path
    for env in ("base", "spark", "simulation")
    for path in sorted(PROJECT_ROOT.glob(f"conf/{env}/catalog*.yml"))
]

#: The data folders and their layers, in the order data flows through them.
FOLDER_LAYERS = {
    "01_raw": "raw",
    "02_intermediate": "intermediate",
    "03_primary": "primary",
    "04_feature": "feature",
    "05_model_input": "model_input",
    "06_models": "models",
    "07_model_output": "model_output",
    "08_reporting": "reporting",
    "09_simulation": "simulation",
}
LAYERS = tuple(FOLDER_LAYERS.values())

#: Files whose layer is not their folder's: what is built from them comes earlier in the flow.
FLOW_LAYERS = {
    "feature_dictionary": "model_input",  # 04_feature, but written from scoring_input_table
    "feature_leakage_report": "model_input",  # 08_reporting, but model_metrics is computed from it
    "model_metrics": "models",  # 08_reporting, but the model bundle and its registration read it
    "promotion_decision": "models",  # 08_reporting, but the registration reads it
    "described_model_version": "models",  # 08_reporting, but client_explanations (07) reads it
}


def catalog_entries() -> list[tuple[str, str, dict[str, Any]]]:
    """(file, dataset name, entry) of every catalog file, templates (``_name``) left out."""
    entries = []
    for file in CATALOG_FILES:
        for name, entry in (yaml.safe_load(file.read_text()) or {}).items():
            if not name.startswith("_"):
                entries.append((str(file.relative_to(PROJECT_ROOT)), name, entry))
    return entries


ENTRIES = [
    pytest.param(file, name, entry, id=f"{Path(file).parent.name}:{name}")
    for file, name, entry in catalog_entries()
]


def viz(entry: dict[str, Any]) -> dict[str, Any]:
    return (entry.get("metadata") or {}).get("kedro-viz") or {}


def data_folder(entry: dict[str, Any]) -> str | None:
    """The data/NN_name folder the entry's file lives in (``${globals:...}`` resolved), if any."""
    globals_ = yaml.safe_load((PROJECT_ROOT / "conf/base/globals.yml").read_text())

    def resolve(match: re.Match[str]) -> str:
        value: Any = globals_
        for key in match.group(1).split("."):
            value = value[key]
        return str(value)

    inner = entry.get("dataset") if isinstance(entry.get("dataset"), dict) else {}
    for value in (entry.get(key) or inner.get(key) for key in ("filepath", "path", "folder", "url")):
        if value:
            found = re.search(r"data/(\d\d_[a-z_]+)", re.sub(r"\$\{globals:([\w.]+)\}", resolve, str(value)))
            if found:
                return found.group(1)
    return None


def shows_a_table(entry: dict[str, Any]) -> bool:
    """Whether the entry's class previews a table (its ``preview()`` returns a ``TablePreview``); for a
    kedro-mlflow artifact, the class of the dataset it wraps."""
    config = entry["dataset"] if entry["type"].endswith("MlflowArtifactDataset") else entry
    config = {"type": config} if isinstance(config, str) else config
    dataset_class, _ = parse_dataset_definition({"type": config["type"]})
    preview = getattr(dataset_class, "preview", None)
    if preview is None:
        return False
    annotation = inspect.signature(preview).return_annotation
    return getattr(annotation, "__name__", str(annotation)) == "TablePreview"


@pytest.mark.parametrize(("file", "name", "entry"), ENTRIES)
def test_every_catalog_entry_has_a_layer(file: str, name: str, entry: dict[str, Any]) -> None:
    assert viz(entry).get("layer") in LAYERS, f"{file}: {name} needs metadata: {{kedro-viz: {{layer: ...}}}}"


@pytest.mark.parametrize(("file", "name", "entry"), ENTRIES)
def test_the_layer_is_the_data_folder_unless_the_flow_says_otherwise(
    file: str, name: str, entry: dict[str, Any]
) -> None:
    folder = data_folder(entry)
    if name in FLOW_LAYERS:
        assert viz(entry)["layer"] == FLOW_LAYERS[name] != FOLDER_LAYERS.get(folder or "")
    elif folder is not None:
        assert viz(entry)["layer"] == FOLDER_LAYERS[folder], f"{file}: {name} is in data/{folder}"


@pytest.mark.parametrize(("file", "name", "entry"), ENTRIES)
def test_every_table_has_a_preview(file: str, name: str, entry: dict[str, Any]) -> None:
    preview_args = viz(entry).get("preview_args")
    if shows_a_table(entry):
        assert preview_args == {"nrows": 5}, f"{file}: {name} is a table: give it preview_args: {{nrows: 5}}"
    else:
        assert preview_args is None, f"{file}: {name} shows no table: preview_args would be ignored"


def test_the_checks_see_the_tables_and_the_rest() -> None:
    entries = {name: entry for file, name, entry in catalog_entries() if "simulation" not in file}
    assert shows_a_table(entries["application_train"]) and shows_a_table(entries["model_input_table"])
    assert shows_a_table(entries["tuning_trials"])  # a CSV logged to MLflow
    assert not shows_a_table(entries["model_metrics"]) and not shows_a_table(entries["demo_raw_tables"])
    assert data_folder(entries["traffic_outcomes"]) == "09_simulation"
    assert data_folder(entries["prediction_log"]) == "07_model_output"
    assert data_folder(entries["described_model"]) is None
    simulated = {name: entry for file, name, entry in catalog_entries() if "simulation" in file}
    assert data_folder(simulated["prediction_log"]) == "09_simulation"  # `make simulate` reads its own


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kedro viz build --include-previews` (as README shows it) in a copy holding pyproject.toml, conf/ (not
    conf/local) and two small tables: the package is installed, and the build instantiates the catalog
    without reading data, except the tables it previews."""
    project = tmp_path_factory.mktemp("viz")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    for folder in ("conf/local", "src", "logs", "data/01_raw", "data/05_model_input"):
        (project / folder).mkdir(parents=True, exist_ok=True)
    rows = pd.DataFrame({"SK_ID_CURR": range(100_001, 100_009), "TARGET": [0, 1] * 4})
    rows.to_csv(project / "data/01_raw/application_train.csv", index=False)
    rows.to_parquet(project / "data/05_model_input/model_input_table.parquet", index=False)
    kedro = Path(sys.executable).parent / "kedro"
    result = subprocess.run(
        [str(kedro), "viz", "build", "--include-previews"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    assert "circular" not in result.stdout + result.stderr
    return project / "build"


@pytest.mark.slow
def test_kedro_viz_build_places_every_dataset_in_its_layer(site: Path) -> None:
    main = json.loads((site / "api" / "main").read_text())
    assert (site / "index.html").is_file() and main["selected_pipeline"] == "__default__"
    pipelines = {pipeline["id"] for pipeline in main["pipelines"]}
    assert {
        "__default__",
        "data_processing",
        "modelling",
        "explainability",
        "drift",
        "reporting",
    } <= pipelines
    for pipeline in pipelines:
        graph = json.loads((site / "api" / "pipelines" / pipeline).read_text())
        datasets = [node for node in graph["nodes"] if node["type"] == "data"]
        assert datasets and graph["layers"], f"{pipeline}: no layers (a cycle between layers hides them)"
        unplaced = sorted(node["name"] for node in datasets if node["layer"] not in LAYERS)
        assert not unplaced, f"{pipeline}: datasets without a layer: {unplaced}"
    # The end-to-end view shows the layers in the order the data flows through the folders.
    used = {node["layer"] for node in main["nodes"] if node["type"] == "data"}
    assert [layer for layer in main["layers"] if layer in used] == [
        layer for layer in LAYERS if layer in used
    ]
    assert used == set(LAYERS) - {"simulation"}  # make simulate's folder is the traffic pipeline's only
    tasks = [node["name"] for node in main["nodes"] if node["type"] == "task"]
    assert tasks and all(name.endswith("_node") for name in tasks)  # shown as "Train Lgbm Node"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["application_train", "model_input_table"])
def test_the_site_previews_the_tables_that_exist(site: Path, name: str) -> None:
    main = json.loads((site / "api" / "main").read_text())
    (node_id,) = [node["id"] for node in main["nodes"] if node["name"] == name]
    details = json.loads((site / "api" / "nodes" / node_id).read_text())
    assert details["preview_type"] == "TablePreview"
    assert details["preview"]["columns"] == ["SK_ID_CURR", "TARGET"] and len(details["preview"]["data"]) == 5


def test_ci_keeps_the_static_site_of_a_successful_run() -> None:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    names = [step.get("name") for step in steps]
    build, keep = steps[names.index("Kedro-Viz static site")], steps[names.index("Keep the Kedro-Viz site")]
    assert names.index("Test") < names.index("Kedro-Viz static site") < names.index("Keep the Kedro-Viz site")
    assert build["run"].split() == [".venv/bin/kedro", "viz", "build"]
    assert keep["uses"] == "actions/upload-artifact@v4" and keep["with"]["path"].rstrip("/") == "build"
    assert "if" not in build and "if" not in keep  # only after the tests passed
