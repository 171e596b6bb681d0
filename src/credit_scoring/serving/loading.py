"""Load what a scoring service serves: the model from the MLflow registry (``models:/<name>@<alias>``) with
what the API reports about it (version, run, threshold, feature list, training date), and the row builder
over data_processing's keyed history store, validating as the batch pipeline does."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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


class RegistryUnavailableError(ModelNotAvailableError):
    """The registry did not answer (down, unreachable, refused the credentials): the message names it
    (without credentials) and the error, in one line."""


#: MLflow's HTTP client settings for a serving process, used when the operator set none (read by MLflow at
#: every call: `mlflow.environment_variables`). MLflow's own defaults (7 retries, backoff factor 2, 120 s
#: timeout) ride out rate limits of a hosted registry but keep a host that starts while the tracking server
#: is down from answering for about 4 minutes; with these, a refused connection fails in about 3 s (3
#: attempts, 0 + 2 s of backoff), a host that does not answer in about 17 s (3 x 5 s), and the alias follower
#: retries at its next check anyway. The timeout is per connection and per socket read, not per download.
REGISTRY_HTTP_DEFAULTS: dict[str, str] = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
}


def bound_registry_calls(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set `REGISTRY_HTTP_DEFAULTS` in the process environment where the operator set nothing (an empty
    value counts as nothing); returns what was set."""
    environ = os.environ if environ is None else environ
    chosen = {name: value for name, value in REGISTRY_HTTP_DEFAULTS.items() if not environ.get(name)}
    environ.update(chosen)
    return chosen


def public_uri(uri: str) -> str:
    """``uri`` fit to log or show: a password in it replaced by ``***`` (the user name kept)."""
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return uri
    if password is None:
        return uri
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{name}:***@{host}"))


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def registry_error(uri: str, error: BaseException) -> str:
    """One line naming the registry (without credentials) and what went wrong: ``registry URI unreachable:
    Connection refused``, rather than MLflow's retry report with the whole request."""
    text = " ".join(str(getattr(error, "message", None) or error).split())
    text = re.split(r" \[SQL: | \(Background on this error", text)[0]  # SQLAlchemy's statement and link
    password = _password(uri)
    if password:
        text = text.replace(password, "***")
    errno = _ERRNO.search(text)
    if errno:
        reason = errno.group(1).strip()
    elif "timed out" in text.lower():
        reason = f"no answer within {os.environ.get('MLFLOW_HTTP_REQUEST_TIMEOUT', '120')} s (timed out)"
    elif "Max retries exceeded" in text or "ConnectionError" in text:
        reason = text[:200]
    else:
        reason = f"{type(error).__name__}: {text[:300]}"
    return f"registry {public_uri(uri)} unreachable: {reason}"


def _password(uri: str) -> str | None:
    try:
        return urlsplit(uri).password
    except ValueError:
        return None


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
    """The version ``name@alias`` names now, or None; raises `RegistryUnavailableError` (one line, no
    credentials) when the registry does not answer."""
    try:
        return alias_version(registry_client(tracking_uri), name, alias)
    except Exception as error:  # MLflow's client raises MlflowException, requests' or the store's errors
        raise RegistryUnavailableError(registry_error(tracking_uri, error)) from error


def download_location() -> Path:
    """Where MLflow downloads the artifacts of a model kept in a remote store (its temporary directory:
    ``TMPDIR``, else /tmp)."""
    return Path(tempfile.gettempdir())


def _is_local(uri: str) -> bool:
    return urlsplit(uri).scheme in {"", "file"} or bool(re.match(r"^[A-Za-z]:[\\/]", uri))


def check_download_location(name: str, version: str) -> None:
    """Raise `ModelNotAvailableError` naming the download location when a file cannot be created there: a
    read-only or full temporary directory fails here, in words, rather than halfway through a download."""
    where = download_location()
    try:
        with tempfile.NamedTemporaryFile(dir=where, prefix="credit-scoring-probe-"):
            pass
    except OSError as error:
        raise ModelNotAvailableError(
            f"{name} version {version} could not be loaded: its artifacts are downloaded to {where} (the "
            f"temporary directory; set TMPDIR to a writable one), which cannot be written: "
            f"{type(error).__name__}: {error.strerror or error}"
        ) from error


def load_scoring_model(client: MlflowClient, name: str, version: str) -> CreditScoringModel:
    """The scoring model of one registered version; `ModelNotAvailableError` says why it cannot be had (a
    missing artifact, a renamed class after an upgrade, another kind of model, a download location that
    cannot be written)."""
    try:
        uri = client.get_model_version_download_uri(name, version)
    except MlflowException as error:
        if error.error_code == ErrorCode.Name(RESOURCE_DOES_NOT_EXIST):
            raise ModelNotAvailableError(f"{name} version {version} is not in the registry") from error
        raise RegistryUnavailableError(registry_error(client.tracking_uri, error)) from error
    except Exception as error:
        raise RegistryUnavailableError(registry_error(client.tracking_uri, error)) from error
    if not _is_local(uri):
        check_download_location(name, version)
    try:
        model = mlflow.pyfunc.load_model(uri).unwrap_python_model()
    except Exception as error:
        text = f"{type(error).__name__}: {' '.join(str(error).split())[:500]}"
        raise ModelNotAvailableError(
            f"{name} version {version} could not be loaded from {public_uri(uri)}: {text}"
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
    try:
        client = registry_client(tracking_uri)
        version = version or alias_version(client, name, alias)
    except Exception as error:  # MlflowException, or the store's own (a locked or unreadable SQLite file)
        raise RegistryUnavailableError(registry_error(tracking_uri, error)) from error
    if version is None:
        raise ModelNotAvailableError(
            f"no model registered as {name}@{alias} in {public_uri(tracking_uri)} "
            "(run: kedro run --pipelines modelling)"
        )
    model = load_scoring_model(client, name, version)
    try:
        details = client.get_model_version(name, version)
        started = client.get_run(details.run_id).info.start_time if details.run_id else None
        description = load_description(client, details.run_id, str(version))
    except (MlflowException, OSError) as error:
        raise ModelNotAvailableError(f"{name} version {version} could not be loaded: {error}") from error
    logger.info("Loaded %s version %s (alias %s) from %s", name, version, alias, public_uri(tracking_uri))
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
