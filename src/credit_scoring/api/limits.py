"""One bound on request bodies for a whole server (the API's routes and the dashboard's callbacks alike).

A body announced above the bound is refused before it is read. A chunked body (no Content-Length) is read up
to one byte past the bound: above it, 413; within it, the request goes on with the body it read (Werkzeug
alone would cut such a body at the bound silently, and the API would answer "not valid JSON").
"""

from __future__ import annotations

import io

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

EXTENSION = "credit_scoring_body_limit"


def _limit_body() -> None:
    limit: int = current_app.extensions[EXTENSION]
    request.max_content_length = limit
    announced = request.content_length
    if announced is not None:
        if announced > limit:
            raise RequestEntityTooLarge(f"request body too large: {announced} bytes, at most {limit}")
        return
    environ = request.environ
    chunked = (
        environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    )
    if not chunked:
        return
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge(f"request body too large: more than {limit} bytes, at most {limit}")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def limit_request_bodies(app: Flask, max_bytes: int) -> None:
    """Bound every request body that ``app`` answers to ``max_bytes`` (the first bound given is kept)."""
    if EXTENSION in app.extensions:
        return
    app.extensions[EXTENSION] = max_bytes
    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body)
