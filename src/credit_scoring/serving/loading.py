"""Load what a scoring service serves: the model from the MLflow registry (``models:/<name>@<alias>``) with
what the API reports about it (version, run, threshold, feature list, training date), and the row builder
over data_processing's keyed history store, validating as the batch pipeline does."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode
from mlflow.tracking import MlflowClient

from credit_scoring.serving.description import ModelDescription, load_description
from credit_scoring.serving.model import CreditScoringModel
from credit_scoring.serving.rows import ModelInputRowBuilder

logger = logging.getLogger(__name__)


class ModelNotAvailableError(RuntimeError):
    """The registry has no model behind the alias, or it cannot be loaded; the message says which."""


@dataclass(frozen=True)
class ServedModel:
    """A registered model version ready to score."""

    model: CreditScoringModel
    name: str
    version: str
    alias: str | None = None
    run_id: str | None = None
    training_date: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    description: ModelDescription = field(default_factory=ModelDescription)
    """The version's own figures (metrics, cost curve, calibration, importance), read from the registry."""

    @property
    def threshold(self) -> float:
        return float(self.model.threshold)

    @property
    def uri(self) -> str:
        return f"models:/{self.name}@{self.alias}" if self.alias else f"models:/{self.name}/{self.version}"


def _iso_from_millis(millis: int | None) -> str | None:
    if not millis:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points to, or None when the model or the alias does not exist."""
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as error:
        if error.error_code in {ErrorCode.Name(RESOURCE_DOES_NOT_EXIST), "INVALID_PARAMETER_VALUE"}:
            return None
        raise


def registry_client(tracking_uri: str) -> MlflowClient:
    """A client bound to ``tracking_uri`` for tracking and registry (MLflow's process-wide URIs untouched)."""
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def aliased_version(tracking_uri: str, name: str, alias: str) -> str | None:
    """The version ``name@alias`` names now, or None; raises `MlflowException` when the registry fails."""
    return alias_version(registry_client(tracking_uri), name, alias)


def load_scoring_model(client: MlflowClient, name: str, version: str) -> CreditScoringModel:
    """The scoring model of one registered version; `ModelNotAvailableError` says why it cannot be had (a
    missing artifact, a renamed class after an upgrade, another kind of model)."""
    try:
        model = mlflow.pyfunc.load_model(
            client.get_model_version_download_uri(name, version)
        ).unwrap_python_model()
    except Exception as error:
        raise ModelNotAvailableError(
            f"{name} version {version} could not be loaded: {type(error).__name__}: {error}"
        ) from error
    if not isinstance(model, CreditScoringModel):
        raise ModelNotAvailableError(
            f"{name} version {version} is a {type(model).__name__}, not a scoring model"
        )
    return model


def load_served_model(tracking_uri: str, name: str, alias: str, version: str | None = None) -> ServedModel:
    """The version behind ``name@alias`` (or ``version``, reached through that alias); raises
    `ModelNotAvailableError` with the reason.

    Everything goes through a client bound to ``tracking_uri`` and the model loads from its artifact location:
    MLflow's process-wide URIs (and the environment variables they set) are left untouched.
    """
    client = registry_client(tracking_uri)
    try:
        version = version or alias_version(client, name, alias)
    except MlflowException as error:
        raise ModelNotAvailableError(f"registry {tracking_uri} unavailable: {error.message}") from error
    if version is None:
        raise ModelNotAvailableError(
            f"no model registered as {name}@{alias} in {tracking_uri} (run: kedro run --pipelines modelling)"
        )
    model = load_scoring_model(client, name, version)
    try:
        details = client.get_model_version(name, version)
        started = client.get_run(details.run_id).info.start_time if details.run_id else None
        description = load_description(client, details.run_id, str(version))
    except (MlflowException, OSError) as error:
        raise ModelNotAvailableError(f"{name} version {version} could not be loaded: {error}") from error
    logger.info("Loaded %s version %s (alias %s) from %s", name, version, alias, tracking_uri)
    return ServedModel(
        model=model,
        name=name,
        version=str(version),
        alias=alias,
        run_id=details.run_id,
        training_date=_iso_from_millis(started),
        tags=dict(details.tags),
        description=description,
    )


def load_row_builder(history_features: Path, validation: Mapping[str, Any]) -> ModelInputRowBuilder:
    """The online row builder over data_processing's ``client_history_features`` store, validating with the
    batch rules (``data_processing.validation`` of the project's parameters, as Kedro reads them)."""
    if not history_features.exists():
        raise FileNotFoundError(f"{history_features} is missing (run: kedro run --pipelines data_processing)")
    return ModelInputRowBuilder.from_store(history_features, validation)
