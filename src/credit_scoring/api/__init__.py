"""The scoring API: a Flask application factory and a blueprint under ``/api/v1`` (no Dash import).

``create_app(config=None)`` builds the service alone; ``register_api(app)`` mounts the same blueprint and its
JSON error handlers on any Flask app (the Dash server).

They are imported on first use, so that the command lines that only read the settings
(``python -m credit_scoring.api``, ``credit_scoring.users``, ``credit_scoring.audit``) start in a fraction of
the time the whole application takes to import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["API_PREFIX", "create_app", "register_api"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from credit_scoring.api import app  # noqa: PLC0415 - the whole application, only when asked

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
