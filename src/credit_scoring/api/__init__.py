"""The scoring API: a Flask application factory and a blueprint under ``/api/v1`` (no Dash import).

``create_app(config=None)`` builds the service alone; ``register_api(app)`` mounts the same blueprint and its
JSON error handlers on any Flask app (the Dash server).
"""

from credit_scoring.api.app import API_PREFIX, create_app, register_api

__all__ = ["API_PREFIX", "create_app", "register_api"]
