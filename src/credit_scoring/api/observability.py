"""Request ids and structured JSON logs (one object per line, with the request id when there is one).

Nothing secret is logged: requests are described by method, path, status and latency; headers (the API key)
and bodies never appear.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
ACCESS_LOGGER = "credit_scoring.api.access"
access_log = logging.getLogger(ACCESS_LOGGER)
_SAFE_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def new_request_id() -> str:
    """Server-generated (unique across workers): a client cannot make two decisions share an id."""
    return uuid.uuid4().hex


def correlation_id(value: str | None) -> str | None:
    """The caller's own X-Request-ID, kept for the logs when it is short and plain."""
    return value if value and _SAFE_CORRELATION_ID.match(value) else None


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record emitted while a request is being answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "request_id"):
            request_id = getattr(g, "request_id", None)
            if request_id:
                record.request_id = request_id
        return True


def configure_json_logging(
    level: int = logging.INFO, logger_names: tuple[str, ...] = ("credit_scoring",)
) -> None:
    """JSON lines on stderr for the project's loggers (the service's own process only)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    for name in logger_names:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


def _start_clock() -> None:
    g.started = time.perf_counter()


def _log_request(response: Response) -> Response:
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


def log_requests(app: Flask) -> None:
    """One JSON access line per request answered by ``app`` (API and dashboard paths alike), with the request
    id when the API gave one. Registered once per app."""
    if app.extensions.get(ACCESS_LOGGER):
        return
    app.extensions[ACCESS_LOGGER] = True
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_request)
