"""Bad input on the dashboard's callback endpoint is a 400 that says what is wrong, never a 500.

The browser sends ``POST /_dash-update-component`` with the callback's inputs; anyone who can reach the server
can send anything there. A request that is not a callback request of this app (not JSON, fields missing or of
the wrong type, an unknown output, a clientside callback) is refused before Dash reads it; a callback that
fails on the values it got (`INPUT_ERRORS`: a value the page could not have sent, such as a null where the
page always sends an object) answers 400, logged with its trace. Any other exception stays a 500: a fault of
the server, not of the request.

A process answers at most ``max_callbacks`` callbacks at once; one more waits a few seconds for a slot, then
gets a 503 with ``Retry-After`` instead of holding a thread that the API's callers need.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import flask
from dash import Dash
from dash._utils import split_callback_id
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.exceptions import BadRequest

logger = logging.getLogger("dash_app.callbacks")
CALLBACK_PATH = "_dash-update-component"
INPUT_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


class _Dependency(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | dict[str, Any]
    property: str


class CallbackRequest(BaseModel):
    """What Dash's renderer sends for one callback."""

    model_config = ConfigDict(extra="allow")
    output: str = Field(min_length=1)
    outputs: _Dependency | list[_Dependency | list[_Dependency]]
    inputs: list[_Dependency | list[_Dependency]]
    changedPropIds: list[str]
    state: list[_Dependency | list[_Dependency]] = Field(default_factory=list)


def _bad_request(message: str) -> flask.Response:
    response = flask.jsonify({"error": {"code": "bad_request", "message": message}})
    response.status_code = 400
    return response


def check_callback_request(app: Dash) -> flask.Response | None:
    """Before Dash reads a callback request: the JSON envelope and a known output, else 400."""
    if not _is_callback():
        return None
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad_request("a callback request is a JSON object")
    try:
        callback = CallbackRequest.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])) or 'body'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)[:5]
        )
        return _bad_request(f"not a callback request of this dashboard: {problems}")
    problem = _output_problem(app, callback.output, body["outputs"])
    return _bad_request(problem) if problem else None


def _output_problem(app: Dash, output: str, sent: Any) -> str | None:
    """What is wrong with the callback output named and the outputs sent, or None."""
    if output not in app.callback_map:
        return f"unknown callback output: {output[:200]}"
    if "callback" not in app.callback_map[output]:
        return f"{output[:200]} is a clientside callback: it runs in the browser"
    if not _outputs_match(split_callback_id(output), sent):
        return f"the outputs sent are not those of the callback {output[:200]}"
    return None


def _outputs_match(expected: dict[str, Any] | list[dict[str, Any]], sent: Any) -> bool:
    """True when ``sent`` (the request's ``outputs``) names the outputs of the callback, in its order."""
    if isinstance(expected, dict):
        expected, sent = [expected], [sent]
    if not isinstance(sent, list) or len(sent) != len(expected):
        return False
    return all(
        isinstance(spec, dict) and spec.get("id") == want["id"] and spec.get("property") == want["property"]
        for want, spec in zip(expected, sent, strict=True)
        if isinstance(spec, dict) and isinstance(spec.get("id"), str)  # pattern-matching ids: Dash checks
    )


def refuse_bad_input(error: Exception) -> None:
    """Dash's ``on_error`` for every callback: 400 for a value the callback cannot take, else re-raised."""
    if isinstance(error, INPUT_ERRORS):
        logger.warning("Callback refused its input (%s %s)", type(error).__name__, error, exc_info=error)
        raise BadRequest(f"invalid callback input: {type(error).__name__}") from error
    raise error


def _is_callback() -> bool:
    return flask.request.method == "POST" and flask.request.path.endswith(f"/{CALLBACK_PATH}")


def _bound_callbacks(app: Dash, max_callbacks: int, wait_seconds: float) -> None:
    slots = threading.BoundedSemaphore(max_callbacks)

    def take_slot() -> flask.Response | None:
        if not _is_callback():
            return None
        if not slots.acquire(timeout=wait_seconds):
            logger.warning("Callback refused: %d callbacks already running in this process", max_callbacks)
            response = flask.jsonify(
                {"error": {"code": "busy", "message": "too many requests at once, retry"}}
            )
            response.status_code = 503
            response.headers["Retry-After"] = "1"
            return response
        flask.g.callback_slot = True
        return None

    def give_slot(_: BaseException | None) -> None:
        if flask.g.pop("callback_slot", False):
            slots.release()

    app.server.before_request(take_slot)
    app.server.teardown_request(give_slot)


def install(app: Dash, max_callbacks: int | None = None, wait_seconds: float = 5.0) -> None:
    """The checks of callback requests and, with ``max_callbacks``, the bound on concurrent callbacks."""
    if max_callbacks:
        _bound_callbacks(app, max_callbacks, wait_seconds)
    app.server.before_request(lambda: check_callback_request(app))
