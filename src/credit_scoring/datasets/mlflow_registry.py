"""Kedro datasets over the MLflow model registry, so registry I/O stays out of the nodes.

- ``MlflowAliasModelDataset`` (read-only) loads the version behind an alias (the champion), or ``None``
  when the registered model or the alias does not exist yet. A version that exists but cannot be loaded
  comes back with ``model=None`` and its ``load_error``: a broken champion must not stop a modelling run.
- ``MlflowRegisteredModelDataset`` publishes a :class:`~credit_scoring.registry.ModelRelease` on save:
  logs the pyfunc model in the active kedro-mlflow run, registers a version, sets ``challenger`` and, when
  the promotion gate decided so, ``champion``. Loading it returns the champion after publication, the model
  that serves (what the batch scores must come from).
"""

from __future__ import annotations

import logging
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from credit_scoring.registry import (
    CHAMPION,
    REGISTERED_MODEL_NAME,
    ModelRelease,
    RegisteredModel,
    client_for,
    load_alias,
    publish,
)

logger = logging.getLogger(__name__)


class MlflowAliasModelDataset(AbstractDataset[None, RegisteredModel | None]):
    """The registered version behind an alias, or None when there is none (read-only)."""

    def __init__(
        self,
        registered_model_name: str = REGISTERED_MODEL_NAME,
        alias: str = CHAMPION,
        metadata: dict | None = None,
    ):
        self._name = registered_model_name
        self._alias = alias
        self.metadata = metadata

    def load(self) -> RegisteredModel | None:
        return load_alias(self._name, self._alias)

    def save(self, data: Any) -> None:
        raise DatasetError(
            f"'{self._name}@{self._alias}' is read-only: aliases move through the registry module"
        )

    def _describe(self) -> dict[str, Any]:
        return {"registered_model_name": self._name, "alias": self._alias}


class MlflowRegisteredModelDataset(AbstractDataset[ModelRelease, RegisteredModel | None]):
    """Publishes a model release to the registry on save; loads the champion (the serving version)."""

    def __init__(
        self,
        registered_model_name: str = REGISTERED_MODEL_NAME,
        artifact_path: str = "model",
        metadata: dict | None = None,
    ):
        self._name = registered_model_name
        self._artifact_path = artifact_path
        self.metadata = metadata
        self.last_publication: dict[str, Any] | None = None
        # kedro-mlflow flips this flag on every "Mlflow*" dataset when tracking is disabled for a pipeline
        self._logging_activated = True

    def save(self, data: ModelRelease) -> None:
        if not isinstance(data, ModelRelease):
            raise DatasetError(f"Expected a ModelRelease to register, got {type(data).__name__}")
        if not self._logging_activated:
            logger.warning("MLflow tracking is disabled for this run: model %s not registered", self._name)
            return
        self.last_publication = publish(data, name=self._name, artifact_path=self._artifact_path)

    def load(self) -> RegisteredModel | None:
        return load_alias(self._name, CHAMPION)

    def _describe(self) -> dict[str, Any]:
        return {"registered_model_name": self._name, "artifact_path": self._artifact_path}


class MlflowVersionArtifactDataset(AbstractDataset[dict[str, Any], None]):
    """A table stored with a registered version: saved as a CSV artifact of the version's own run, where the
    scoring API reads what describes the version (`credit_scoring.serving.description`).

    Saves ``{"version": "3", "table": DataFrame}``; a ``None`` version (an unregistered model) stores nothing.
    Write-only: the run's own copy of the table is another dataset.
    """

    def __init__(
        self,
        artifact_path: str,
        registered_model_name: str = REGISTERED_MODEL_NAME,
        metadata: dict | None = None,
    ):
        self._artifact_path = artifact_path
        self._name = registered_model_name
        self.metadata = metadata
        self._logging_activated = True  # kedro-mlflow turns it off when tracking is disabled

    def save(self, data: dict[str, Any]) -> None:
        version, table = data.get("version"), data.get("table")
        if version is None or table is None or not self._logging_activated:
            logger.info("Nothing stored with a registered version for %s", self._artifact_path)
            return
        client = client_for()
        run_id = client.get_model_version(self._name, str(version)).run_id
        if not run_id:
            raise DatasetError(f"{self._name} version {version} has no run to store {self._artifact_path} in")
        client.log_text(run_id, table.to_csv(index=False), self._artifact_path)
        logger.info("Stored %s with %s version %s (run %s)", self._artifact_path, self._name, version, run_id)

    def load(self) -> None:
        raise DatasetError(
            f"{self._artifact_path} of a version is read by the scoring API, not by a pipeline"
        )

    def _describe(self) -> dict[str, Any]:
        return {"artifact_path": self._artifact_path, "registered_model_name": self._name}
