"""The scoring API: a Flask application factory and a blueprint under ``/api/v1`` (no Dash import)."""
