"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

#: Pipelines that `kedro run` (the default pipeline) runs, in order. `demo_data` is left out on purpose: it
#: writes data/01_raw, which may hold the real Kaggle files, and is run explicitly by `make data`.
DEFAULT_PIPELINES = ("data_processing", "modelling", "explainability", "drift", "reporting")


def register_pipelines() -> dict[str, Pipeline]:
    """Register every pipeline folder under ``pipelines/`` and a default that runs the product end to end."""
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipelines[name] for name in DEFAULT_PIPELINES if name in pipelines), start=Pipeline([])
    )
    return pipelines
