"""What describes a model version, read from the registry: the artifacts its training run logged (holdout
metrics, cost against threshold, calibration) and the SHAP importance the explainability pipeline logged for
it. Never the project's latest ``data/08_reporting`` files, which may describe another model (a run whose
challenger the promotion gate refused).

Artifact paths are those of the modelling and explainability catalogs (kedro-mlflow's ``artifact_path`` plus
the file name). A part that is missing is None, and ``missing`` says which and why.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from pydantic import ValidationError

from credit_scoring.records import CostCurvePoint, ModelMetrics, cost_curve_points

logger = logging.getLogger(__name__)

METRICS_ARTIFACT = "reports/model_metrics.json"
COST_CURVE_ARTIFACT = "reports/cost_threshold_curve.csv"
CALIBRATION_ARTIFACT = "reports/calibration_curve.csv"
IMPORTANCE_ARTIFACT = "reports/explainability/shap_global_importance.csv"
VERSION_COLUMN = "model_version"
"""Stamped by the explainability pipeline on the importance table: the version it explained."""


@dataclass(frozen=True)
class ModelDescription:
    """One version's own figures (None: not recorded with that version)."""

    metrics: ModelMetrics | None = None
    cost_curve: list[CostCurvePoint] | None = None
    calibration: pd.DataFrame | None = None
    importance: pd.DataFrame | None = None
    missing: dict[str, str] = field(default_factory=dict)


def _download(client: MlflowClient, run_id: str, artifact: str, into: Path) -> Path | None:
    try:
        return Path(client.download_artifacts(run_id, artifact, str(into)))
    except (MlflowException, OSError) as error:
        logger.info("Run %s has no %s (%s)", run_id, artifact, error)
        return None


def _own_importance(table: pd.DataFrame, version: str) -> pd.DataFrame | None:
    """The importance of ``version``: a table stamped with another version describes another model."""
    if VERSION_COLUMN not in table.columns:
        return table  # logged before the stamp existed, by the run that trained (and explained) the version
    own = table[table[VERSION_COLUMN].astype(str) == str(version)]
    return own.drop(columns=[VERSION_COLUMN]) if len(own) else None


def load_description(client: MlflowClient, run_id: str | None, version: str) -> ModelDescription:
    """The figures logged with ``version`` by its run ``run_id``."""
    if not run_id:
        reason = "the version has no training run"
        return ModelDescription(
            missing=dict.fromkeys(("metrics", "cost_curve", "calibration", "importance"), reason)
        )
    missing: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="model-description-") as folder:
        paths = {
            name: _download(client, run_id, artifact, Path(folder))
            for name, artifact in (
                ("metrics", METRICS_ARTIFACT),
                ("cost_curve", COST_CURVE_ARTIFACT),
                ("calibration", CALIBRATION_ARTIFACT),
                ("importance", IMPORTANCE_ARTIFACT),
            )
        }
        for name, path in paths.items():
            if path is None:
                missing[name] = f"not logged by run {run_id} of version {version}"
        metrics = _read_record(paths["metrics"], _metrics, "metrics", missing)
        cost_curve = _read_record(paths["cost_curve"], _cost_curve, "cost_curve", missing)
        calibration = pd.read_csv(paths["calibration"]) if paths["calibration"] else None
        importance = (
            _own_importance(pd.read_csv(paths["importance"]), version) if paths["importance"] else None
        )
    if paths["importance"] and importance is None:
        missing["importance"] = (
            f"run {run_id} explained another version (run: kedro run --pipelines explainability)"
        )
    return ModelDescription(
        metrics=metrics,
        cost_curve=cost_curve,
        calibration=calibration,
        importance=importance,
        missing=missing,
    )


def _metrics(path: Path) -> ModelMetrics:
    return ModelMetrics.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _cost_curve(path: Path) -> list[CostCurvePoint]:
    return cost_curve_points(pd.read_csv(path).to_dict(orient="records"))


def _read_record(path: Path | None, read: Callable[[Path], Any], name: str, missing: dict[str, str]) -> Any:
    """The record at ``path``, or None with the reason in ``missing`` when it cannot be read as declared."""
    if path is None:
        return None
    try:
        return read(path)
    except (ValidationError, ValueError, OSError) as error:
        missing[name] = f"logged in a form this release cannot read ({error})"
        logger.warning("The model version's %s cannot be read: %s", name, error)
        return None


def load_version_metrics(
    client: MlflowClient, name: str, version: str
) -> tuple[ModelMetrics | None, str | None]:
    """The holdout metrics logged with ``version`` of ``name`` (its run's ``model_metrics.json``), or None and
    why (no such version, no run, not logged, unreadable)."""
    try:
        run_id = client.get_model_version(name, version).run_id
    except MlflowException as error:
        return None, f"version {version} of {name} is not in the registry ({error.message})"
    if not run_id:
        return None, f"version {version} has no training run"
    missing: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="model-metrics-") as folder:
        path = _download(client, run_id, METRICS_ARTIFACT, Path(folder))
        if path is None:
            return None, f"run {run_id} of version {version} logged no {METRICS_ARTIFACT}"
        metrics = _read_record(path, _metrics, "metrics", missing)
    return metrics, missing.get("metrics")
