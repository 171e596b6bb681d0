"""What the routes use, built once per process from the settings: the served model and its scorer, the
client directory, the decision log, the request models. A missing piece makes its routes answer 503 with
the reason instead of stopping the service."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from flask import current_app, g, has_request_context
from pydantic import BaseModel

from credit_scoring.access.audit import AuditTrail
from credit_scoring.api.config import ApiSettings
from credit_scoring.api.errors import ApiError
from credit_scoring.api.metrics import note_alias_checked, note_model_loaded
from credit_scoring.api.schemas import ApplicationIn, ApplicationLenientIn, batch_request_model
from credit_scoring.project_config import read_config
from credit_scoring.serving.clients import ClientDirectory
from credit_scoring.serving.decision_log import DecisionLog
from credit_scoring.serving.following import AliasFollower
from credit_scoring.serving.history import HistoryFeatureStore
from credit_scoring.serving.loading import (
    ModelNotAvailableError,
    ServedModel,
    aliased_version,
    load_served_model,
    registry_client,
)
from credit_scoring.serving.rows import ModelInputRowBuilder
from credit_scoring.serving.scoring import RowBuilder, Scorer, decision_label, risk_band
from credit_scoring.serving.serving_data import (
    TRAINING_COLUMNS,
    ServingDataError,
    ServingDataListError,
    ServingFiles,
    cache_dir,
    data_folder_files,
    host_lock,
    published_files,
    version_key,
)

logger = logging.getLogger(__name__)
EXTENSION = "credit_scoring_api"


@dataclass(frozen=True)
class ModelState:
    """One model version and what depends on it (its scorer, the clients' scores), replaced whole when the
    alias moves: a request uses one state from start to end."""

    served: ServedModel | None = None
    scorer: Scorer | None = None
    directory: ClientDirectory | None = None
    problems: dict[str, str] = field(default_factory=dict)
    data_source: str | None = None
    """Where the clients and the history store came from: ``registry`` (published with the version) or
    ``data folder`` (the project's batch outputs; the version published none)."""


@dataclass
class Services:
    settings: ApiSettings
    decision_log: DecisionLog
    audit: AuditTrail
    application_model: type[BaseModel]
    batch_model: type[BaseModel]
    rows: RowBuilder | None = None
    """A row builder given by a test, used by every version instead of the history store of its data."""
    state: ModelState = field(default_factory=ModelState)
    update_problem: str | None = None
    """Why the version the alias names now does not serve yet (the previous one does), or None."""
    follower: AliasFollower | None = None
    openapi: dict[str, Any] | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """The time a decision is recorded at: the wall clock, or a simulated one (`create_app`'s ``clock``)."""

    def current(self) -> ModelState:
        """The state of this request: the one serving when the request first asked, for its whole life."""
        if not has_request_context():
            return self.state
        if "model_state" not in g:
            g.model_state = self.state
        return g.model_state

    @property
    def served(self) -> ServedModel | None:
        return self.current().served

    @property
    def scorer(self) -> Scorer | None:
        return self.current().scorer

    @property
    def directory(self) -> ClientDirectory | None:
        return self.current().directory

    @property
    def problems(self) -> dict[str, str]:
        return self.current().problems

    def require_scorer(self) -> Scorer:
        if self.scorer is None:
            raise ApiError(503, f"the model is not available: {self.problems.get('model', 'not loaded')}")
        return self.scorer

    def require_directory(self) -> ClientDirectory:
        if self.directory is None:
            raise ApiError(503, f"client data is not available: {self.problems.get('clients', 'not loaded')}")
        return self.directory


def current_services() -> Services:
    return current_app.extensions[EXTENSION]


def _scores_for(served: ServedModel, path: Path | None) -> pd.DataFrame | None:
    """SK_ID_CURR and probability from a scores file when ``served`` wrote it (same model, version and
    threshold), else None."""
    if path is None or not path.is_file():
        return None
    scores = pd.read_parquet(path)
    same_model = (
        {"SK_ID_CURR", "probability", "threshold", "model_name"} <= set(scores.columns)
        and len(scores)
        and np.allclose(scores["threshold"].to_numpy(dtype=float), served.threshold)
        and (scores["model_name"] == served.model.model_name).all()
        and (
            "model_version" not in scores.columns
            or (scores["model_version"].astype(str) == served.version).all()
        )
    )
    if not same_model:
        logger.warning("%s comes from another model than %s: scores computed now", path, served.uri)
        return None
    return scores[["SK_ID_CURR", "probability"]].copy()


def _keep_scores(served: ServedModel, scores: pd.DataFrame, path: Path) -> None:
    """Write the scores this host computed beside its copy of the version's data (renamed into place): the
    host's other workers and restarts read them instead of scoring every client again."""
    kept = scores.assign(
        threshold=served.threshold, model_name=served.model.model_name, model_version=served.version
    )
    part = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        kept.to_parquet(part, index=False)
        part.replace(path)
    except OSError as error:
        logger.warning("Scores not kept in %s: %s", path, error)


def _batch_scores(
    served: ServedModel, features: pd.DataFrame, settings: ApiSettings, files: ServingFiles
) -> tuple[pd.DataFrame, str]:
    """The production clients' scores: the batch pipeline's when they come from the served model (data
    folder), else computed by the served model on the same model-input rows, once per host for a version
    whose data came from the registry (`ServingFiles.computed_scores`)."""
    scores, source = None, "computed"
    if files.source == "data folder":
        scores = _scores_for(served, settings.paths.scoring_predictions)
        source = "batch" if scores is not None else source
    if scores is None:
        scores = _scores_for(served, files.computed_scores)
    if scores is None:
        scores = pd.DataFrame(
            {
                "SK_ID_CURR": features["SK_ID_CURR"].to_numpy(),
                "probability": served.model.predict_proba(features),
            }
        )
        if files.computed_scores is not None:
            _keep_scores(served, scores, files.computed_scores)
    multiples = settings.scoring.risk_band_multiples
    scores["decision"] = [decision_label(p, served.threshold) for p in scores["probability"]]
    scores["risk_band"] = [risk_band(p, served.threshold, multiples) for p in scores["probability"]]
    return scores, source


def load_directory(settings: ApiSettings, served: ServedModel, files: ServingFiles) -> ClientDirectory:
    for path in (files.clients, files.training_clients, files.client_features):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (run: kedro run --pipelines data_processing)")
    features = pd.read_parquet(files.client_features)
    scores, source = _batch_scores(served, features, settings, files)
    training = pd.read_parquet(files.training_clients, columns=list(TRAINING_COLUMNS))
    return ClientDirectory(
        applications=pd.read_parquet(files.clients),
        features=features,
        scores=scores,
        training=training,
        score_source=source,
    )


def serving_files(settings: ApiSettings, served: ServedModel) -> ServingFiles:
    """The tables ``served`` serves with: those published with its version (fetched once into the host's
    cache), else the project's data folder; raises `ServingDataError` when published ones cannot be had."""
    cache = cache_dir(settings.root)
    if served.run_id:
        key = version_key(served.name, served.version, served.run_id)
        try:
            files = published_files(registry_client(settings.tracking_uri()), served.run_id, cache, key)
        except ServingDataListError as error:  # cannot know: what the host has serves, and the log says why
            logger.warning("%s; the data folder serves", error)
            files = None
        if files is not None:
            return files
    return data_folder_files(settings.paths, cache)


def load_serving_data(
    settings: ApiSettings, served: ServedModel, with_rows: bool
) -> tuple[ServingFiles, RowBuilder | None, str | None]:
    """The version's files and (``with_rows``) the row builder over its history store, fetched and prepared
    by one process of the host at a time (`host_lock`): the others map what the first one made."""
    cache = cache_dir(settings.root)
    with host_lock(cache, version_key(served.name, served.version, served.run_id or "local")):
        files = serving_files(settings, served)
        rows, problem = _load_rows(settings, files) if with_rows else (None, None)
    return files, rows, problem


def build_state(settings: ApiSettings, served: ServedModel | None, rows: RowBuilder | None) -> ModelState:
    """The served model with its scorer and client directory, over the tables of its version; ``rows``
    (tests) replaces the history store's. What is missing is named in ``problems``."""
    if served is None:
        return ModelState(problems={"clients": "no model to score the clients with"})
    problems: dict[str, str] = {}
    scorer = directory = files = None
    try:
        files, own_rows, problem = load_serving_data(settings, served, with_rows=rows is None)
        rows = rows if rows is not None else own_rows
        if problem:
            problems["model"] = problem
    except ServingDataError as error:
        logger.error("Serving data of %s version %s not loaded: %s", served.name, served.version, error)
        problems["clients"] = problems["model"] = str(error)
    if rows is not None:
        scorer = Scorer(served, rows, settings.scoring.risk_band_multiples, policy=settings.reasons)
    if files is not None:
        try:
            directory = load_directory(settings, served, files)
        except (FileNotFoundError, OSError, KeyError, ValueError) as error:
            problems["clients"] = str(error)
            logger.error("Client directory not loaded: %s", error)
    source = files.source if files is not None else None
    return ModelState(served, scorer, directory, problems, data_source=source)


def batch_validation(root: Path) -> dict[str, Any]:
    """``data_processing.validation`` of the project's parameters as ``kedro run`` reads them (base, then the
    run environment): online rows are validated by the rules the batch used."""
    return dict((read_config(root, "parameters").get("data_processing") or {}).get("validation") or {})


def _load_rows(settings: ApiSettings, files: ServingFiles) -> tuple[RowBuilder | None, str | None]:
    """The online row builder over the history store of ``files``, prepared once per host and
    memory-mapped (`HistoryFeatureStore.prepared`), validating with the batch rules."""
    try:
        if not files.history_features.exists():
            raise FileNotFoundError(
                f"{files.history_features} is missing (run: kedro run --pipelines data_processing)"
            )
        store = HistoryFeatureStore.prepared(files.history_features, files.prepared)
        return ModelInputRowBuilder(store, batch_validation(settings.root)), None
    except (FileNotFoundError, OSError, ValueError) as error:
        logger.error("Scorer not ready: %s", error)
        return None, f"the feature builder could not start: {error}"


def _follow_alias(services: Services) -> AliasFollower:
    """Check the alias every ``model.check_interval_s`` and switch this process to the version it names."""
    settings = services.settings
    model = settings.model

    def switch(version: str) -> None:
        served = load_served_model(
            settings.tracking_uri(), model.registered_model_name, model.alias, version=version
        )
        state = build_state(settings, served, services.rows)
        if state.scorer is None:
            raise ModelNotAvailableError("; ".join(state.problems.values()) or "no scorer")
        services.state = state  # one assignment: requests that started keep the state they pinned
        note_model_loaded()

    def report(problem: str | None) -> None:
        services.update_problem = problem

    def read_alias() -> str | None:
        version = aliased_version(settings.tracking_uri(), model.registered_model_name, model.alias)
        note_alias_checked()
        return version

    follower = AliasFollower(
        alias_version=read_alias,
        serving_version=lambda: services.state.served.version if services.state.served else None,
        switch=switch,
        on_failure=report,
        interval_seconds=model.check_interval_s,
    )
    follower.start()
    return follower


def build_services(
    settings: ApiSettings,
    served: ServedModel | None = None,
    rows: RowBuilder | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Services:
    """Everything the routes need; ``served`` and ``rows`` may be given (tests), else they are loaded. A model
    loaded from the registry is followed: a moved alias switches the running process to its version."""
    application = ApplicationIn if settings.requests.unknown_fields == "reject" else ApplicationLenientIn
    log_url = settings.sqlalchemy_url()
    services = Services(
        settings=settings,
        # this host's own spool folder (never another host's: credit_scoring.spool)
        decision_log=DecisionLog(
            log_url,
            busy_timeout_ms=settings.decision_log.busy_timeout_ms,
            spool_path=settings.spool_path("prediction_log"),
        ),
        audit=AuditTrail(
            log_url,
            busy_timeout_ms=settings.decision_log.busy_timeout_ms,
            spool_path=settings.spool_path("audit_events"),
        ),
        application_model=application,
        batch_model=batch_request_model(application, settings.requests.max_batch_size),
    )
    if clock is not None:
        services.clock = clock
    services.rows = rows
    from_registry = served is None and settings.load_model
    if from_registry:
        try:
            served = load_served_model(
                settings.tracking_uri(), settings.model.registered_model_name, settings.model.alias
            )
        except ModelNotAvailableError as error:
            logger.error("Model not loaded: %s", error)
            services.state = ModelState(
                problems={"model": str(error), "clients": "no model to score the clients with"}
            )
    if served is not None:
        services.state = build_state(settings, served, rows)
        note_model_loaded()
    elif not from_registry:
        services.state = ModelState(
            problems={
                "model": "no model loaded (load_model is false)",
                "clients": "no model to score the clients with",
            }
        )
    if from_registry and settings.model.check_interval_s > 0:
        services.follower = _follow_alias(services)
    return services


def read_json_file(path: Path, what: str) -> Any:
    """The JSON content of ``path``: 404 while it is missing, 500 naming the file when it is not JSON."""
    if not path.is_file():
        raise ApiError(404, f"no {what} yet: {path.name} is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:  # JSONDecodeError and undecodable bytes
        raise ApiError(500, f"{path.name} is not valid JSON ({error})", code="invalid_report") from None
