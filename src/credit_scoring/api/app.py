"""The application factory and `register_api`, which mounts the API on any Flask app (the Dash server too).

Run alone: ``gunicorn -c conf/gunicorn.conf.py "credit_scoring.api:create_app()"`` (``make serve-api``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Flask, Response, g, jsonify, render_template_string, request, send_from_directory

from credit_scoring.api.config import ApiSettings, load_settings
from credit_scoring.api.errors import ApiError, register_error_handlers
from credit_scoring.api.observability import (
    REQUEST_ID_HEADER,
    configure_json_logging,
    correlation_id,
    new_request_id,
)
from credit_scoring.api.operations import current_operation, openapi_document
from credit_scoring.api.routes import blueprint, operations
from credit_scoring.api.security import API_KEY_HEADER, key_is_valid
from credit_scoring.api.services import EXTENSION, Services, build_services, current_services
from credit_scoring.serving.loading import ServedModel
from credit_scoring.serving.scoring import RowBuilder

API_PREFIX = "/api/v1"
TITLE = "Credit scoring API"
DOCS_ASSETS = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
PUBLIC_ENDPOINTS = {"openapi", "docs", "docs_asset"}
access_log = logging.getLogger("credit_scoring.api.access")

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
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({url: "{{ spec }}", dom_id: "#swagger-ui", deepLinking: true,
                                   persistAuthorization: true});
    };
  </script>
</body>
</html>
"""


def _version() -> str:
    try:
        return metadata.version("credit_scoring")
    except metadata.PackageNotFoundError:
        return "0"


def _before_request() -> None:
    g.started = time.perf_counter()
    g.request_id = new_request_id()
    g.correlation_id = correlation_id(request.headers.get(REQUEST_ID_HEADER))
    services: Services = current_services()
    limit = services.settings.requests.max_body_bytes
    request.max_content_length = limit  # enforced while reading a body sent without Content-Length too
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"request body too large: {request.content_length} bytes, at most {limit}")
    operation = current_operation()
    public = request.endpoint is None or (operation is not None and not operation.auth)
    if request.endpoint and request.endpoint.split(".")[-1] in PUBLIC_ENDPOINTS:
        public = services.settings.auth.public_docs
    if not public and not key_is_valid(request.headers.get(API_KEY_HEADER), services.settings.auth.api_keys):
        missing = not request.headers.get(API_KEY_HEADER)
        message = f"missing {API_KEY_HEADER} header" if missing else "invalid API key"
        raise ApiError(401, message, [(API_KEY_HEADER, "required" if missing else "not a valid key")])


def _after_request(response: Response) -> Response:
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    started = getattr(g, "started", None)
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "latency_ms": round((time.perf_counter() - started) * 1000, 3) if started else None,
            "correlation_id": getattr(g, "correlation_id", None),
        },
    )
    return response


def _openapi() -> Response:
    services = current_services()
    if services.openapi is None:  # built once per process: the routes and models do not change
        services.openapi = openapi_document(operations, API_PREFIX, TITLE, _version())
    return jsonify(services.openapi)


def _docs() -> str:
    return render_template_string(
        _DOCS_PAGE, title=TITLE, assets=f"{API_PREFIX}/docs/assets", spec=f"{API_PREFIX}/openapi.json"
    )


def _docs_asset(filename: str) -> Response:
    return send_from_directory(DOCS_ASSETS, filename, max_age=3600)


blueprint.add_url_rule("/openapi.json", "openapi", _openapi, methods=["GET"])
blueprint.add_url_rule("/docs", "docs", _docs, methods=["GET"])
blueprint.add_url_rule("/docs/assets/<path:filename>", "docs_asset", _docs_asset, methods=["GET"])
blueprint.before_request(_before_request)
blueprint.after_request(_after_request)


def register_api(
    app: Flask,
    config: Mapping[str, Any] | None = None,
    *,
    settings: ApiSettings | None = None,
    served: ServedModel | None = None,
    rows: RowBuilder | None = None,
) -> Services:
    """Mount the API blueprint under /api/v1 on ``app`` with its JSON error handlers, and load what it
    serves. Works on any Flask app (the Dash server mounts it this way)."""
    settings = settings or load_settings(config)
    services = build_services(settings, served=served, rows=rows)
    app.extensions[EXTENSION] = services
    app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    register_error_handlers(app, API_PREFIX)
    return services


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    served: ServedModel | None = None,
    rows: RowBuilder | None = None,
    json_logs: bool = True,
) -> Flask:
    """The scoring API as a Flask app (``config`` overrides conf/base/app.yml; see `load_settings`)."""
    if json_logs:
        configure_json_logging()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    register_api(app, config, served=served, rows=rows)
    return app
