"""Project hooks: fail early, with a useful message, when the raw data is missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

HOW_TO_GET_DATA = (
    "Get data first, either:\n"
    "  - the demo data:  make data   (or: kedro run --pipelines demo_data), or\n"
    "  - the real Kaggle files: kaggle competitions download -c home-credit-default-risk, then unzip the\n"
    "    eight CSV files (application_train.csv, application_test.csv, bureau.csv, ...) into data/01_raw/."
)


class MissingRawDataError(FileNotFoundError):
    """Raised before a run whose raw inputs are not on disk."""


def missing_raw_files(pipeline: Pipeline, catalog: DataCatalog) -> list[str]:
    """Return the file paths of the pipeline's free raw inputs that do not exist."""
    missing = []
    for name in sorted(pipeline.inputs()):
        if name.startswith("params:") or name == "parameters" or name not in catalog:
            continue
        filepath = _filepath(catalog[name])
        if filepath is not None and "01_raw" in Path(filepath).parts and not Path(filepath).exists():
            missing.append(filepath)
    return missing


def _filepath(dataset: Any) -> str | None:
    described = dataset._describe() if hasattr(dataset, "_describe") else {}
    path = described.get("filepath") or getattr(dataset, "_filepath", None)
    return str(path) if path else None


class RawDataCheckHook:
    """Stops a run that needs raw files which are not in data/01_raw, saying how to get them."""

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog
    ) -> None:
        missing = missing_raw_files(pipeline, catalog)
        if missing:
            listed = "\n".join(f"  - {path}" for path in missing)
            raise MissingRawDataError(
                f"No raw data: these input files do not exist:\n{listed}\n{HOW_TO_GET_DATA}"
            )
