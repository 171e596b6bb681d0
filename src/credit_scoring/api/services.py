"""What the routes use, built once per process from the settings: the served model and its scorer, the
client directory, the decision log, the request models. A missing piece makes its routes answer 503 with
the reason instead of stopping the service."""

from __future__ import annotations

import json
import logging
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
from credit_scoring.serving.loading import (
    ModelNotAvailableError,
    ServedModel,
    aliased_version,
    load_row_builder,
    load_served_model,
)
from credit_scoring.serving.scoring import RowBuilder, Scorer, decision_label, risk_band

logger = logging.getLogger(__name__)
EXTENSION = "credit_scoring_api"
TRAINING_COLUMNS = (
    "SK_ID_CURR",
    "TARGET",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "CNT_CHILDREN",
)
"""What the similar-clients search reads of the training clients: the descriptive fields and the outcome."""


@dataclass(frozen=True)
class ModelState:
    """One model version and what depends on it (its scorer, the clients' scores), replaced whole when the
    alias moves: a request uses one state from start to end."""

    served: ServedModel | None = None
    scorer: Scorer | None = None
    directory: ClientDirectory | None = None
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class Services:
    settings: ApiSettings
    decision_log: DecisionLog
    audit: AuditTrail
    application_model: type[BaseModel]
    batch_model: type[BaseModel]
    rows: RowBuilder | None = None
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


def _batch_scores(
    served: ServedModel, features: pd.DataFrame, settings: ApiSettings
) -> tuple[pd.DataFrame, str]:
    """The production clients' scores: the batch pipeline's when they come from the served model, else
    computed now by the served model on the same model-input rows."""
    path = settings.paths.scoring_predictions
    if path.is_file():
        batch = pd.read_parquet(path)
        same_model = (
            {"SK_ID_CURR", "probability", "threshold", "model_name"} <= set(batch.columns)
            and len(batch)
            and np.allclose(batch["threshold"].to_numpy(dtype=float), served.threshold)
            and (batch["model_name"] == served.model.model_name).all()
            and (
                "model_version" not in batch.columns
                or (batch["model_version"].astype(str) == served.version).all()
            )
        )
        if same_model:
            scores, source = batch[["SK_ID_CURR", "probability"]].copy(), "batch"
        else:
            logger.warning("%s comes from another model than %s: scores computed now", path, served.uri)
            scores, source = None, "computed"
    else:
        scores, source = None, "computed"
    if scores is None:
        scores = pd.DataFrame(
            {
                "SK_ID_CURR": features["SK_ID_CURR"].to_numpy(),
                "probability": served.model.predict_proba(features),
            }
        )
    multiples = settings.scoring.risk_band_multiples
    scores["decision"] = [decision_label(p, served.threshold) for p in scores["probability"]]
    scores["risk_band"] = [risk_band(p, served.threshold, multiples) for p in scores["probability"]]
    return scores, source


def load_directory(settings: ApiSettings, served: ServedModel) -> ClientDirectory:
    paths = settings.paths
    for path in (paths.staged_application_test, paths.staged_application_train, paths.scoring_input_table):
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (run: kedro run --pipelines data_processing)")
    features = pd.read_parquet(paths.scoring_input_table)
    scores, source = _batch_scores(served, features, settings)
    training = pd.read_parquet(paths.staged_application_train, columns=list(TRAINING_COLUMNS))
    return ClientDirectory(
        applications=pd.read_parquet(paths.staged_application_test),
        features=features,
        scores=scores,
        training=training,
        score_source=source,
    )


def build_state(settings: ApiSettings, served: ServedModel | None, rows: RowBuilder | None) -> ModelState:
    """The served model with its scorer and client directory; what is missing is named in ``problems``."""
    if served is None:
        return ModelState(problems={"clients": "no model to score the clients with"})
    problems: dict[str, str] = {}
    scorer = directory = None
    if rows is None:
        problems["model"] = "the feature builder could not start (see the log)"
    else:
        scorer = Scorer(served, rows, settings.scoring.risk_band_multiples, policy=settings.reasons)
    try:
        directory = load_directory(settings, served)
    except (FileNotFoundError, OSError, KeyError, ValueError) as error:
        problems["clients"] = str(error)
        logger.error("Client directory not loaded: %s", error)
    return ModelState(served=served, scorer=scorer, directory=directory, problems=problems)


def batch_validation(root: Path) -> dict[str, Any]:
    """``data_processing.validation`` of the project's parameters as ``kedro run`` reads them (base, then the
    run environment): online rows are validated by the rules the batch used."""
    return dict((read_config(root, "parameters").get("data_processing") or {}).get("validation") or {})


def _load_rows(settings: ApiSettings) -> tuple[RowBuilder | None, str | None]:
    paths = settings.paths
    try:
        return load_row_builder(paths.client_history_features, batch_validation(settings.root)), None
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
        decision_log=DecisionLog(
            log_url,
            busy_timeout_ms=settings.decision_log.busy_timeout_ms,
            # beside a SQLite file; for a server database, in the project (not the working directory)
            spool_path=None
            if log_url.startswith("sqlite")
            else settings.root / "data" / "07_model_output" / "prediction_log.spool.jsonl",
        ),
        audit=AuditTrail(log_url, busy_timeout_ms=settings.decision_log.busy_timeout_ms),
        application_model=application,
        batch_model=batch_request_model(application, settings.requests.max_batch_size),
    )
    if clock is not None:
        services.clock = clock
    rows_problem = None
    if rows is None:
        rows, rows_problem = _load_rows(settings)
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
        if rows_problem:
            services.state.problems["model"] = rows_problem
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
