"""The application factory and `register_api`, which mounts the API on any Flask app (the Dash server too).

Run alone: ``gunicorn -c conf/gunicorn.conf.py "credit_scoring.api:create_app()"`` (``make serve-api``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template_string,
    request,
    send_from_directory,
)
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

import credit_scoring.api.adviser_routes  # noqa: F401 - registers the adviser's routes on `operations`
from credit_scoring.access.acting import ACTING_USER_HEADER
from credit_scoring.access.keys import KeyStore
from credit_scoring.api import review_routes  # noqa: F401 - registers the review routes on `operations`
from credit_scoring.api.auditing import record_answer
from credit_scoring.api.config import API_KEYS_ENV, ApiSettings, ignored_key_sources, load_settings
from credit_scoring.api.errors import ApiError, logger, register_error_handlers
from credit_scoring.api.limits import limit_request_bodies
from credit_scoring.api.metrics import observe_request
from credit_scoring.api.observability import (
    REQUEST_ID_HEADER,
    configure_json_logging,
    correlation_id,
    log_requests,
    new_request_id,
)
from credit_scoring.api.operations import (
    Operation,
    current_operation,
    enumerate_parameter,
    openapi_document,
)
from credit_scoring.api.routes import blueprint, operations
from credit_scoring.api.security import API_KEY_HEADER, Authenticator, act_for, authorize
from credit_scoring.api.services import EXTENSION, Services, build_services, current_services
from credit_scoring.api.throttling import install_rate_limits
from credit_scoring.serving.loading import ServedModel, bound_registry_calls
from credit_scoring.serving.scoring import RowBuilder

API_PREFIX = "/api/v1"
TITLE = "Credit scoring API"
DOCS_ASSETS = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
PUBLIC_ENDPOINTS = {"openapi", "docs", "docs_asset", "docs_start"}
AUTH_EXTENSION = "credit_scoring_api_auth"

_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8"><title>{{ title }}</title>
  <link rel="stylesheet" href="{{ assets }}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{{ assets }}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{{ assets }}/swagger-ui-bundle.js"></script>
  <script src="{{ start }}"></script>
</body>
</html>
"""


def _version() -> str:
    try:
        return metadata.version("credit_scoring")
    except metadata.PackageNotFoundError:
        return "0"


def _before_request() -> None:
    """Request ids, then the key: who calls (``g.api_key_name``, ``g.api_key_scopes``, for what follows, such
    as the audit trail) and whether the key has the route's scope (401 or 403 otherwise)."""
    g.request_id = new_request_id()
    g.correlation_id = correlation_id(request.headers.get(REQUEST_ID_HEADER))
    services: Services = current_services()
    operation = current_operation()
    public = request.endpoint in {None, _CATCH_ALL} or (operation is not None and not operation.auth)
    if request.endpoint and request.endpoint.split(".")[-1] in PUBLIC_ENDPOINTS:
        public = services.settings.auth.public_docs
    g.api_key_name, g.api_key_scopes = None, frozenset()
    if public:
        return
    caller = current_authenticator().authenticate(_presented_key(operation))
    g.api_key_name, g.api_key_scopes = caller.name, caller.scopes
    token = request.headers.get(ACTING_USER_HEADER)
    if token is not None:
        caller = act_for(caller, token, services.settings.auth.secret_key)
        g.acting_user, g.api_key_scopes = caller.acting_for, caller.scopes
    if operation is not None:
        authorize(caller, operation.scope, f"{operation.method} {API_PREFIX}{operation.rule}")


def _presented_key(operation: Operation | None) -> str | None:
    """The ``X-API-Key`` header; for GET /metrics also ``Authorization: Bearer <key>``, the header every
    Prometheus version can send (``authorization.credentials_file`` of a scrape configuration)."""
    presented = request.headers.get(API_KEY_HEADER)
    if presented is None and operation is not None and operation.scope == "metrics":
        kind, _, token = request.headers.get("Authorization", "").partition(" ")
        if kind.lower() == "bearer" and token.strip():
            return token.strip()
    return presented


def current_authenticator() -> Authenticator:
    return current_app.extensions[AUTH_EXTENSION]


def build_authenticator(settings: ApiSettings) -> Authenticator:
    """The keys this API accepts: the configured ones, and the database's unless the environment's keys are
    the only source (then what is ignored is logged once, here at start)."""
    auth = settings.auth
    ignored = ignored_key_sources(settings)
    if ignored:
        sources = "; ".join(ignored)
        logger.warning("%s is set: its keys are the only ones accepted; ignored: %s", API_KEYS_ENV, sources)
    store = (
        KeyStore(settings.sqlalchemy_url(), busy_timeout_ms=settings.decision_log.busy_timeout_ms)
        if auth.database_keys
        else None
    )
    return Authenticator(auth.api_keys, store, "environment" if auth.keys_from_environment else "configured")


def _after_request(response: Response) -> Response:
    response = record_answer(response, current_services().audit)
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return observe_request(response, API_PREFIX)


def _openapi() -> Response:
    services = current_services()
    if (
        services.openapi is None
    ):  # built once per process: the routes, models and clients' columns do not change
        services.openapi = openapi_document(operations, API_PREFIX, TITLE, _version())
        if services.directory is not None:
            names = services.directory.feature_names()
            enumerate_parameter(services.openapi, "/population/", {"feature", "x", "y"}, names)
    return jsonify(services.openapi)


def _docs() -> str:
    return render_template_string(
        _DOCS_PAGE, title=TITLE, assets=f"{API_PREFIX}/docs/assets", start=f"{API_PREFIX}/docs/start.js"
    )


def _docs_start() -> Response:
    """The documentation page's start-up script, served as a file: the page holds no inline script, so the
    Content-Security-Policy need not allow any."""
    script = (
        "window.onload = function () {\n"
        f'  window.ui = SwaggerUIBundle({{url: "{API_PREFIX}/openapi.json", dom_id: "#swagger-ui", '
        "deepLinking: true, persistAuthorization: true});\n};\n"
    )
    return Response(script, mimetype="text/javascript")


def _docs_asset(filename: str) -> Response:
    return send_from_directory(DOCS_ASSETS, filename, max_age=3600)


def _no_such_route(path: str) -> Response:
    """Any other path under the API's prefix: a JSON 404, or 405 naming the methods the path accepts.

    Without it, a host that serves a catch-all page (the dashboard answers every path with its index) would
    answer ``GET /api/v1/predict`` or ``/api/v1/unknown`` with 200 and HTML."""
    adapter = _api_routes().bind("localhost")
    try:
        adapter.match(request.path, method=request.method)
    except MethodNotAllowed as error:
        raise ApiError(
            405,
            f"method {request.method} not allowed on {request.path}",
            headers={"Allow": ", ".join(sorted(error.valid_methods or ()))},
        ) from None
    except NotFound:
        pass
    raise ApiError(404, f"no such resource: {request.method} {request.path}")


def _api_routes() -> Map:
    """The API's own routes (the catch-all aside), to tell a wrong method from an unknown path."""
    routes = current_app.extensions.get(_ROUTES_EXTENSION)
    if routes is None:
        rules = [
            Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint)
            for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith(f"{blueprint.name}.") and rule.endpoint != _CATCH_ALL
        ]
        routes = current_app.extensions[_ROUTES_EXTENSION] = Map(rules)
    return routes


_CATCH_ALL = f"{blueprint.name}.no_such_route"
_ROUTES_EXTENSION = "credit_scoring_api_routes"
_EVERY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
blueprint.add_url_rule(
    "/", "no_such_route", _no_such_route, defaults={"path": ""}, methods=_EVERY_METHOD, strict_slashes=False
)
blueprint.add_url_rule("/<path:path>", "no_such_route", _no_such_route, methods=_EVERY_METHOD)
blueprint.add_url_rule("/openapi.json", "openapi", _openapi, methods=["GET"])
blueprint.add_url_rule("/docs", "docs", _docs, methods=["GET"])
blueprint.add_url_rule("/docs/assets/<path:filename>", "docs_asset", _docs_asset, methods=["GET"])
blueprint.add_url_rule("/docs/start.js", "docs_start", _docs_start, methods=["GET"])
blueprint.before_request(_before_request)
blueprint.after_request(_after_request)


def register_api(
    app: Flask,
    config: Mapping[str, Any] | None = None,
    *,
    settings: ApiSettings | None = None,
    served: ServedModel | None = None,
    rows: RowBuilder | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Services:
    """Mount the API blueprint under /api/v1 on ``app`` with its JSON error handlers, and load what it
    serves. Works on any Flask app (the Dash server mounts it this way).

    First, MLflow's HTTP retries and timeout are bounded for this process where the operator set none
    (`credit_scoring.serving.loading.REGISTRY_HTTP_DEFAULTS`): a tracking server that is down makes the host
    start not ready in seconds, with the reason on /ready, instead of retrying for minutes."""
    chosen = bound_registry_calls()
    if chosen:
        logger.info(
            "MLflow HTTP client bounded for serving: %s", ", ".join(f"{k}={v}" for k, v in chosen.items())
        )
    settings = settings or load_settings(config)
    services = build_services(settings, served=served, rows=rows, clock=clock)
    app.extensions[EXTENSION] = services
    app.extensions[AUTH_EXTENSION] = build_authenticator(settings)
    limit_request_bodies(app, settings.requests.max_body_bytes)
    log_requests(app)  # its clock starts first
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    install_rate_limits(app, blueprint, settings.auth)
    register_error_handlers(app, API_PREFIX)
    return services


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    served: ServedModel | None = None,
    rows: RowBuilder | None = None,
    json_logs: bool = True,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    """The scoring API as a Flask app (``config`` overrides conf/base/app.yml; see `load_settings`).

    ``clock`` gives the time decisions are recorded at; only a process that builds the app itself can set it
    (the traffic simulation replays months in minutes), never a request."""
    if json_logs:
        configure_json_logging()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    register_api(app, config, served=served, rows=rows, clock=clock)
    return app
