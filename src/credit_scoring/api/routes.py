"""The routes of ``/api/v1``: thin views that validate (through their models), delegate to the serving layer
and answer JSON. Each names the scope a key needs to call it (``scope=``): /health needs no key, /ready any
valid key."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, g, request, send_file
from pydantic import BaseModel, ValidationError

from credit_scoring.access import audit
from credit_scoring.api import schemas
from credit_scoring.api.auditing import note_action, note_clients
from credit_scoring.api.errors import ApiError, validation_details
from credit_scoring.api.metrics import count_decisions, exposition
from credit_scoring.api.operations import Operations
from credit_scoring.api.services import Services, current_services, read_json_file
from credit_scoring.features.families import FAMILIES, family_label
from credit_scoring.raw.validation import RawDataValidationError
from credit_scoring.raw.wording import wording_table
from credit_scoring.serving.clients import UnknownClientError, UnknownFeatureError
from credit_scoring.serving.decision_log import DecisionRecord, utc_timestamp
from credit_scoring.serving.loading import public_uri
from credit_scoring.serving.online import ApplicationFieldError
from credit_scoring.serving.reasons import ReasonWriter, dictionary_writer
from credit_scoring.serving.reviews import in_review_band
from credit_scoring.serving.scoring import Score, refusal_reasons

blueprint = Blueprint("credit_scoring_api", __name__)
operations = Operations(blueprint)


def _model_ref(services: Services) -> schemas.ModelRef:
    served = services.served
    assert served is not None
    return schemas.ModelRef(name=served.name, version=served.version, alias=served.alias)


def _reasons(score_reasons: Sequence[Any] | None) -> list[schemas.ReasonOut] | None:
    if score_reasons is None:
        return None
    return [schemas.ReasonOut(**reason.to_dict()) for reason in score_reasons]


def _elapsed_ms() -> float:
    return round((time.perf_counter() - g.started) * 1000, 3)


def _feature_labels(services: Services) -> ReasonWriter:
    """The labels the reasons use (the served model's explainer's), or the feature dictionary's alone."""
    return services.scorer.explainer.writer if services.scorer is not None else dictionary_writer()


# --- service -------------------------------------------------------------------------------------------


@operations.route("/health", summary="Liveness", tag="service", response=schemas.Health, auth=False)
def health() -> schemas.Health:
    """The process answers (a container's health check)."""
    return schemas.Health()


@operations.route("/ready", summary="Readiness", tag="service", response=schemas.Readiness, errors=(503,))
def ready() -> schemas.Readiness:
    """Ready when the model and the client data are loaded; 503 with the reasons otherwise. A registry that
    does not answer while a model serves leaves the host ready: ``registry`` says so, as ``model_update``
    says why the version the alias names does not serve yet."""
    services = current_services()
    registry = _registry_status(services)
    if services.problems:
        details = [(part, problem) for part, problem in services.problems.items()]
        if services.update_problem:
            details.append(("model_update", services.update_problem))
        if registry is not None and registry.problem and all(registry.problem not in p for _, p in details):
            details.append(("registry", registry.problem))
        raise ApiError(503, "not ready: " + "; ".join(p for _, p in details), details, code="not_ready")
    return schemas.Readiness(
        ready=True,
        model=_model_ref(services),
        model_update=services.update_problem,
        registry=registry,
        data_source=services.current().data_source,
    )


def _registry_status(services: Services) -> schemas.RegistryStatus | None:
    """What the alias follower last saw of the registry (None when no follower runs)."""
    follower = services.follower
    if follower is None:
        return None
    checked = follower.checked_at
    return schemas.RegistryStatus(
        uri=public_uri(services.settings.tracking_uri()),
        reachable=None if checked is None else follower.registry_problem is None,
        checked_at=checked,
        problem=follower.registry_problem,
    )


@operations.route(
    "/model",
    summary="The served model",
    tag="model",
    query=schemas.LanguageQuery,
    response=schemas.ModelInfo,
    errors=(503,),
    scope="model",
)
def model_info(query: schemas.LanguageQuery) -> schemas.ModelInfo:
    """Version, threshold, features, training date, metrics, global importance (labelled in ``lang``, as the
    reasons are) and the cost curve."""
    services = current_services()
    scorer = services.require_scorer()
    served = scorer.served
    description = served.description  # the version's own, from the registry: never another run's files
    importance = None
    table = description.importance
    if table is not None and {"feature", "mean_abs_shap"} <= set(table.columns):
        labels = _feature_labels(services)
        importance = [
            schemas.FeatureImportance(
                feature=str(feature), label=labels.label(str(feature), query.lang), importance=float(value)
            )
            for feature, value in zip(table["feature"], table["mean_abs_shap"], strict=True)
        ]
    return schemas.ModelInfo(
        name=served.name,
        version=served.version,
        alias=served.alias,
        run_id=served.run_id,
        model_family=served.model.model_name,
        threshold=served.threshold,
        features=list(served.model.features),
        categorical_features=list(served.model.feature_spec.categorical),
        training_date=served.training_date,
        metrics=description.metrics,
        not_recorded=description.missing,
        global_importance=importance,
        cost_curve=description.cost_curve,
    )


# --- scoring -------------------------------------------------------------------------------------------


def _score_applications(
    services: Services, applications: Sequence[Mapping[str, Any]], query: schemas.ExplainQuery, where: str
) -> list[Score]:
    scorer = services.require_scorer()
    try:
        return scorer.score(applications, reasons=query.reasons, top_k=query.top_k, language=query.lang)
    except RawDataValidationError as error:
        details = [(f"{where}{problem.column or ''}", f"{problem.issue}") for problem in error.problems]
        raise ApiError(422, "the application fails the raw-data validation", details) from None
    except ApplicationFieldError as error:
        raise ApiError(422, "the application cannot be scored", [(None, str(error))]) from None


def _prediction(
    services: Services, score: Score, request_id: str, language: str, timestamp: str
) -> schemas.PredictionOut:
    return schemas.PredictionOut(
        request_id=request_id,
        client_id=score.client_id,
        known_client=score.known_client,
        probability=score.probability,
        decision=score.decision,
        threshold=score.threshold,
        risk_band=score.risk_band,
        to_review=in_review_band(score.probability, score.threshold, services.settings.review.band_multiples),
        reasons=_reasons(score.reasons),
        refusal_reasons=_reasons(score.refusal_reasons),
        language=language,
        model=_model_ref(services),
        timestamp=timestamp,
        latency_ms=_elapsed_ms(),
    )


def _record(
    services: Services,
    *,
    score: Score,
    request_id: str,
    fields: Mapping[str, Any],
    latency_ms: float,
    timestamp: str,
) -> DecisionRecord:
    served = services.served
    assert served is not None
    return DecisionRecord(
        request_id=request_id,
        created_at=timestamp,
        endpoint=request.path,
        model_name=served.name,
        model_version=served.version,
        client_id=score.client_id,
        input_json=json.dumps(fields, separators=(",", ":")),
        probability=score.probability,
        decision=score.decision,
        threshold=score.threshold,
        latency_ms=latency_ms,
    )


def _received(application: BaseModel) -> dict[str, Any]:
    """The application fields as received (explicit nulls kept, ignored unknown fields left out)."""
    return application.model_dump(exclude_unset=True)


@operations.route(
    "/predict",
    "POST",
    summary="Score one application",
    tag="scoring",
    query=schemas.PredictQuery,
    body=lambda: current_services().application_model,
    response=schemas.PredictionOut,
    errors=(400, 413, 415, 503),
    scope="score",
)
def predict(query: schemas.PredictQuery, body: BaseModel) -> schemas.PredictionOut:
    """Probability of default, decision against the threshold, risk band and the top reasons. With a known
    SK_ID_CURR the client's history is used (a what-if: the client's id and modified fields). Logged in the
    decision log, unless it is a simulation (``simulation=true``)."""
    services = current_services()
    fields = _received(body)
    score = _score_applications(services, [fields], query, "")[0]
    timestamp = utc_timestamp(services.clock())
    answer = _prediction(services, score, g.request_id, query.lang, timestamp)
    note_clients([_decision_noted(answer)])
    if query.simulation:
        note_action(audit.CLIENT_WHATIF)
        return answer
    services.decision_log.write(
        [
            _record(
                services,
                score=score,
                request_id=g.request_id,
                fields=fields,
                latency_ms=answer.latency_ms,
                timestamp=timestamp,
            )
        ]
    )
    count_decisions([(answer.decision, answer.model.version)])
    return answer


@operations.route(
    "/predict/batch",
    "POST",
    summary="Score several applications",
    tag="scoring",
    query=schemas.ExplainQuery,
    body=lambda: current_services().batch_model,
    response=schemas.BatchPredictionOut,
    errors=(400, 413, 415, 503),
    scope="score",
)
def predict_batch(query: schemas.ExplainQuery, body: BaseModel) -> schemas.BatchPredictionOut:
    """Each application as in POST /predict; item i is logged with the request id ``<request id>-<i>``."""
    services = current_services()
    applications = [_received(application) for application in body.applications]  # type: ignore[attr-defined]
    scores = _score_applications(services, applications, query, "applications.")
    timestamp = utc_timestamp(services.clock())
    predictions = [
        _prediction(services, score, f"{g.request_id}-{i}", query.lang, timestamp)
        for i, score in enumerate(scores)
    ]
    latency = _elapsed_ms()
    note_clients(_decision_noted(prediction) for prediction in predictions)
    services.decision_log.write(
        [
            _record(
                services,
                score=score,
                request_id=prediction.request_id,
                fields=fields,
                latency_ms=latency,
                timestamp=timestamp,
            )
            for score, prediction, fields in zip(scores, predictions, applications, strict=True)
        ]
    )
    count_decisions((prediction.decision, prediction.model.version) for prediction in predictions)
    return schemas.BatchPredictionOut(
        request_id=g.request_id,
        count=len(predictions),
        predictions=predictions,
        model=_model_ref(services),
        timestamp=timestamp,
        latency_ms=latency,
    )


# --- clients -------------------------------------------------------------------------------------------


def _decision_noted(prediction: schemas.PredictionOut) -> tuple[int | None, str, dict[str, Any]]:
    """What the audit trail keeps of a decision served: never the application itself."""
    detail = {"decision": prediction.decision, "model_version": prediction.model.version}
    return prediction.client_id, prediction.request_id, detail


def _unknown_client(error: UnknownClientError) -> ApiError:
    return ApiError(404, str(error), [("client_id", "unknown production client")])


@operations.route(
    "/clients",
    summary="Search the production clients",
    tag="clients",
    query=schemas.ClientSearchQuery,
    response=schemas.ClientPage,
    errors=(503,),
    scope="clients",
)
def search_clients(query: schemas.ClientSearchQuery) -> schemas.ClientPage:
    """Filtered, sorted and paged (missing values sort last)."""
    directory = current_services().require_directory()
    filters = query.model_dump(include=set(schemas.ClientFilters.model_fields))
    page = schemas.ClientPage(
        **directory.search(filters, query.page, query.page_size, query.sort, query.order)
    )
    used = {name: value for name, value in filters.items() if value is not None}
    note_clients([(None, None, {"filters": used, "page": query.page, "shown": len(page.items)})])
    return page


@operations.route(
    "/clients/<int:client_id>",
    summary="A client's description",
    tag="clients",
    response=schemas.ClientInfo,
    errors=(404, 503),
    scope="clients",
)
def client_info(client_id: int) -> schemas.ClientInfo:
    """Readable description (age in years, employment years, amounts, ...) and the raw application fields."""
    directory = current_services().require_directory()
    try:
        return schemas.ClientInfo(**directory.describe(client_id))
    except UnknownClientError as error:
        raise _unknown_client(error) from None


@operations.route(
    "/clients/<int:client_id>/score",
    summary="A client's score and reasons",
    tag="clients",
    query=schemas.ExplainQuery,
    response=schemas.ClientScore,
    errors=(404, 503),
    scope="clients",
)
def client_score(client_id: int, query: schemas.ExplainQuery) -> schemas.ClientScore:
    """The score of the production client (the batch pipeline's when it comes from the served model) and
    its top reasons, computed on the client's model-input row."""
    services = current_services()
    directory, scorer = services.require_directory(), services.require_scorer()
    try:
        score = directory.score(client_id)
        explanation = (
            scorer.explain(directory.model_input_row(client_id), query.top_k, query.lang)[0]
            if query.reasons
            else None
        )
    except UnknownClientError as error:
        raise _unknown_client(error) from None
    return schemas.ClientScore(
        client_id=client_id,
        threshold=scorer.threshold,
        to_review=in_review_band(
            score["probability"], scorer.threshold, services.settings.review.band_multiples
        ),
        reasons=_reasons(explanation.reasons if explanation else None),
        refusal_reasons=_reasons(refusal_reasons(explanation, score["decision"]) if explanation else None),
        language=query.lang,
        source=directory.score_source,
        model=_model_ref(services),
        **score,
    )


@operations.route(
    "/clients/<int:client_id>/similar",
    summary="Similar clients",
    tag="clients",
    query=schemas.SimilarQuery,
    response=schemas.SimilarClients,
    errors=(404, 503),
    scope="clients",
)
def similar_clients(client_id: int, query: schemas.SimilarQuery) -> schemas.SimilarClients:
    """The k nearest training clients in a standardised space of descriptive features (see ``method``),
    with their observed default rate."""
    directory = current_services().require_directory()
    try:
        return schemas.SimilarClients(**directory.similar(client_id, query.k))
    except UnknownClientError as error:
        raise _unknown_client(error) from None


# --- population ----------------------------------------------------------------------------------------


def _population_error(error: Exception, field: str) -> ApiError:
    if isinstance(error, UnknownClientError):
        return _unknown_client(error)
    return ApiError(422, "invalid population query", [(field, str(error))])


@operations.route(
    "/population/distribution",
    summary="One feature over a group of clients",
    tag="population",
    query=schemas.DistributionQuery,
    response=schemas.FeatureDistribution,
    errors=(404, 503),
    scope="clients",
)
def feature_distribution(query: schemas.DistributionQuery) -> schemas.FeatureDistribution:
    """A feature's values over all production clients, a filtered group or the client's nearest production
    clients (``similar``), with the client's value and percentile."""
    directory = current_services().require_directory()
    filters = query.model_dump(include=set(schemas.ClientFilters.model_fields))
    try:
        result = directory.distribution(
            query.feature,
            group=query.group,
            filters=filters,
            client_id=query.client_id,
            k=query.k,
            max_points=query.max_points,
            language=query.lang,
        )
    except UnknownFeatureError as error:
        raise _population_error(error, "feature") from None
    except UnknownClientError as error:
        raise _population_error(error, "client_id") from None
    except ValueError as error:
        raise _population_error(error, "client_id") from None
    return schemas.FeatureDistribution(**result)


@operations.route(
    "/population/scatter",
    summary="Two features over the clients",
    tag="population",
    query=schemas.ScatterQuery,
    response=schemas.Scatter,
    errors=(404, 503),
    scope="clients",
)
def feature_scatter(query: schemas.ScatterQuery) -> schemas.Scatter:
    """A seeded sample of the filtered production clients: both features, the probability and the decision."""
    directory = current_services().require_directory()
    filters = query.model_dump(include=set(schemas.ClientFilters.model_fields))
    try:
        result = directory.scatter(
            query.x,
            query.y,
            filters=filters,
            client_id=query.client_id,
            max_points=query.max_points,
            language=query.lang,
        )
    except UnknownFeatureError as error:
        raise _population_error(error, "x/y") from None
    except UnknownClientError as error:
        raise _population_error(error, "client_id") from None
    return schemas.Scatter(**result)


# --- monitoring ----------------------------------------------------------------------------------------


@operations.route(
    "/metrics",
    summary="Operators' metrics (Prometheus text format)",
    tag="monitoring",
    media_type="text/plain",
    scope="metrics",
)
def metrics() -> Response:
    """Requests by route and status, latency histograms, decisions by outcome and model version, the model's
    load age, the age of the last alias check and the decision-log spool's size, in the Prometheus text
    exposition format (see docs/mlops.md, "Operators' metrics")."""
    return exposition(current_services().decision_log.spool_path)


@operations.route(
    "/wording",
    summary="The words of every feature and recorded category",
    tag="model",
    query=schemas.LanguageQuery,
    response=schemas.Wording,
    scope="model",
)
def wording(query: schemas.LanguageQuery) -> schemas.Wording:
    """Every feature's label and every level of the application's categorical columns in the adviser's words:
    what the reasons say, and what the dashboard shows (it holds no wording of its own)."""
    return schemas.Wording(
        language=query.lang,
        features=dictionary_writer().labels(query.lang),
        families={family.code: family_label(family.code, query.lang) for family in FAMILIES},
        levels=wording_table(query.lang),
    )


@operations.route(
    "/drift",
    summary="The latest drift summary",
    tag="monitoring",
    query=schemas.LanguageQuery,
    response=schemas.DriftSummary,
    errors=(404, 500),
    scope="drift",
)
def drift_summary(query: schemas.LanguageQuery) -> schemas.DriftSummary:
    """``08_reporting/drift_summary.json`` of the drift pipeline, validated, each column labelled in ``lang``;
    404 until it has run, 500 naming the fields when the file does not match this schema."""
    services = current_services()
    path = services.settings.paths.drift_summary
    content = read_json_file(path, "drift summary (run: kedro run --pipelines drift)")
    labels = _feature_labels(services)
    if isinstance(content, dict) and isinstance(content.get("columns"), list):
        content = {
            **content,
            "columns": [
                {**column, "label": labels.label(str(column["column"]), query.lang)}
                if isinstance(column, dict) and "column" in column
                else column
                for column in content["columns"]
            ],
        }
    try:
        return schemas.DriftSummary.model_validate(content)
    except ValidationError as error:
        raise ApiError(
            500,
            f"{path.name} does not match the drift summary schema: rerun kedro run --pipelines drift",
            validation_details(error),
            code="invalid_report",
        ) from None


@operations.route(
    "/drift/report",
    summary="The Evidently drift report",
    tag="monitoring",
    errors=(404,),
    media_type="text/html",
    scope="drift",
)
def drift_report() -> Response:
    """The Evidently HTML report of the drift pipeline; 404 until it has run."""
    path = current_services().settings.paths.drift_report
    if not path.is_file():
        raise ApiError(404, f"no drift report yet: {path.name} is missing (run: kedro run --pipelines drift)")
    return send_file(path, mimetype="text/html", max_age=0)


@operations.route(
    "/performance",
    summary="The latest live-performance summary",
    tag="monitoring",
    response=schemas.PerformanceSummary,
    errors=(404, 500),
    scope="drift",
)
def performance_summary() -> schemas.PerformanceSummary:
    """``08_reporting/performance_summary.json`` of the performance pipeline, validated: per period and model
    version, the estimated and realised cost and AUC, the approval rate, the drift and the alerts; 404 until
    it has run, 500 naming the fields when the file does not match this schema."""
    path = current_services().settings.paths.performance_summary
    if not path.is_file():
        raise ApiError(
            404, f"no performance summary yet: {path.name} is missing (run: make simulate, or make monitor)"
        )
    content = read_json_file(path, "performance summary")
    try:
        return schemas.PerformanceSummary.model_validate(content)
    except ValidationError as error:
        raise ApiError(
            500,
            f"{path.name} does not match the performance summary schema: rerun make monitor",
            validation_details(error),
            code="invalid_report",
        ) from None
