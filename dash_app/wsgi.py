"""WSGI entry points for gunicorn (the composition root: the only dashboard module that imports the API).

- ``dash_app.wsgi:combined()``: API and dashboard on one server (``make serve``), the API blueprint mounted on
  the Dash app's Flask server under ``/api/v1``; the dashboard calls it through the same HTTP client, answered
  in process (no request to its own server; ``DASHBOARD_API_URL`` set: over HTTP to that URL instead). Without
  ``DASHBOARD_API_KEY`` the dashboard uses the API's first configured key.
- ``dash_app.wsgi:dashboard()``: the dashboard alone, against a remote API (``make serve-dashboard``).

Both let in the people of the application database (`dash_app.sign_in`), with the deployment's secret key and
``sign_in`` settings, read where the API reads them (`credit_scoring.api.config`).
"""

from __future__ import annotations

import os

import flask

from credit_scoring.access.audit import AuditTrail
from credit_scoring.api.app import API_PREFIX
from credit_scoring.api.config import ApiSettings, load_settings
from credit_scoring.api.limits import limit_request_bodies
from credit_scoring.api.observability import configure_json_logging, log_requests
from dash_app.api_client import ApiClient
from dash_app.app import create_app
from dash_app.config import API_URL_ENV, DashboardSettings
from dash_app.in_process import IN_PROCESS_ORIGIN, in_process_session
from dash_app.sign_in import SignIn

DASHBOARD_MAX_BODY_BYTES = 1_048_576
"""The dashboard alone: the largest callback request accepted (its callbacks send a few small values)."""


def combined() -> flask.Flask:
    """The API and the dashboard on one Flask server: one JSON request log and one body bound (the API's
    ``requests.max_body_bytes``) for both. The dashboard's client calls the API in process (`in_process`),
    unless ``DASHBOARD_API_URL`` names an API to call over HTTP."""
    from credit_scoring.api import register_api  # noqa: PLC0415 - only this entry point needs the API

    configure_json_logging()
    server = flask.Flask("credit_scoring_dashboard")
    services = register_api(server)
    access = sign_in_for(services.settings, trail=services.audit)
    settings = DashboardSettings.from_env()
    if not settings.api_key and services.settings.auth.api_keys:
        settings = settings.with_key(services.settings.auth.api_keys[0].get_secret_value())
    if os.environ.get(API_URL_ENV):
        return create_app(ApiClient(settings), server=server, access=access).server
    settings = settings.with_url(f"{IN_PROCESS_ORIGIN}{API_PREFIX}")
    client = ApiClient(settings, session=in_process_session(server))
    return create_app(client, server=server, access=access).server


def dashboard() -> flask.Flask:
    """The dashboard alone; the API is wherever ``DASHBOARD_API_URL`` says."""
    configure_json_logging()
    server = flask.Flask("credit_scoring_dashboard")
    limit_request_bodies(server, DASHBOARD_MAX_BODY_BYTES)
    log_requests(server)
    access = sign_in_for(load_settings())
    return create_app(ApiClient(DashboardSettings.from_env()), server=server, access=access).server


def sign_in_for(settings: ApiSettings, trail: AuditTrail | None = None) -> SignIn:
    """Sign-in against the deployment's application database, secret key and ``sign_in`` settings (the
    API's configuration: one place for both)."""
    secret = settings.auth.secret_key.get_secret_value() if settings.auth.secret_key else None
    return SignIn.open(
        settings.sqlalchemy_url(),
        secret,
        settings.sign_in,
        limiter_storage=settings.auth.rate_limit_storage,
        trail=trail,
        identity_provider=settings.identity_provider,
    )
