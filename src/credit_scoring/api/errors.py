"""JSON errors: ``{"error": {"code", "message", "details": [{"field", "problem"}]}}``, never HTML, never a
stack trace. Handlers answer for the API's paths only, so a host application (the Dash server) keeps its
own error pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask, Response, current_app, g, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

logger = logging.getLogger("credit_scoring.api")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error answered as JSON with this status."""

    def __init__(
        self,
        status: int,
        message: str,
        details: Iterable[tuple[str | None, str]] = (),
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = [{"field": field, "problem": problem} for field, problem in details]
        self.code = code or HTTP_CODES.get(status, "error")
        self.headers = headers or {}


def json_error(
    status: int,
    message: str,
    details: Sequence[dict[str, Any]] = (),
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {
        "error": {
            "code": code or HTTP_CODES.get(status, "error"),
            "message": message,
            "details": list(details),
        }
    }
    response = current_app.json.response(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _field_path(location: Sequence[Any], prefix: str | None) -> str | None:
    parts = [str(part) for part in location]
    if prefix:
        parts.insert(0, prefix)
    return ".".join(parts) or None


def validation_details(error: ValidationError, prefix: str | None = None) -> list[tuple[str | None, str]]:
    """One (field, problem) per validation problem; unknown fields read "unknown field"."""
    details = []
    for problem in error.errors(include_url=False, include_input=False):
        text = "unknown field" if problem["type"] == "extra_forbidden" else problem["msg"]
        details.append((_field_path(problem["loc"], prefix), text))
    return details


def is_malformed_json(error: ValidationError) -> bool:
    return any(problem["type"] == "json_invalid" for problem in error.errors(include_url=False))


def register_error_handlers(app: Flask, prefix: str) -> None:
    """JSON answers for every error under ``prefix`` (the API's URL prefix), on any Flask app."""

    def in_api() -> bool:
        return request.path == prefix or request.path.startswith(prefix + "/")

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return json_error(error.status, error.message, error.details, error.code, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not in_api():
            return error
        status = error.code or 500
        messages = {
            404: f"no such resource: {request.method} {request.path}",
            405: f"method {request.method} not allowed on {request.path}",
            413: error.description if isinstance(error, RequestEntityTooLarge) else "request body too large",
            429: f"rate limit exceeded ({error.description}): retry after the Retry-After seconds",
        }
        headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
        return json_error(status, messages.get(status, error.description or error.name), headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if not in_api():
            raise error
        logger.exception("Unexpected error answering %s %s", request.method, request.path)
        request_id = getattr(g, "request_id", None)
        return json_error(500, f"internal error (request id {request_id}); the error was logged")
