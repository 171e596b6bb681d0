"""The dashboard's sessions: Flask's signed cookie (the deployment's secret key, shared by workers and hosts),
HttpOnly, SameSite=Lax, Secure over HTTPS, without an expiry date (closing the browser ends it); the person it
names; its CSRF token; and where a sign-in may send the browser next. `dash_app.sign_in` decides who gets one.
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface

from credit_scoring.access.roles import Person
from credit_scoring.access.sign_in import SignInSettings
from credit_scoring.access.users import User
from dash_app.login_page import LOGIN_PATH

SESSION_COOKIE = "credit_scoring_session"
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
"""Dash's renderer reads the ``_csrf_token`` cookie and sends it back in this header with every callback."""
_REFUSED = "credit_scoring.session_refused"


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, noting a cookie that does not verify (forged, from another server or
    too old) and marking the cookie Secure whenever the request came over HTTPS."""

    def open_session(self, app: flask.Flask, request: flask.Request) -> Any:
        session = super().open_session(app, request)
        if session is not None and not session and request.cookies.get(self.get_cookie_name(app)):
            request.environ[_REFUSED] = True
        return session

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            flask.has_request_context() and flask.request.is_secure
        )


def configure(server: flask.Flask, secret_key: str, settings: SignInSettings) -> None:
    """``server``'s sessions: signed with ``secret_key``, the cookie's flags, the signature's longest life."""
    server.secret_key = secret_key
    server.session_interface = _Sessions()
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies == "always",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.max_session_hours),
    )


def cookie_refused() -> bool:
    """True when the request's session cookie did not verify (forged, another server's, too old)."""
    return bool(flask.request.environ.get(_REFUSED))


def current_user() -> Person | None:
    """The signed-in person of the current request (None outside a request or before the check)."""
    return flask.g.get("signed_in") if flask.has_request_context() else None


def start_session(user: User, password_stamp: str, next_path: str) -> flask.Response:
    """A new session for ``user`` (nothing of the anonymous one survives: no fixation), then ``next_path``.
    It keeps the user's ``password_stamp`` (`credit_scoring.access.users.password_stamp`): a new
    password ends it (`dash_app.sign_in`)."""
    now = time.time()
    flask.session.clear()
    flask.session.update(
        user=user.name, since=now, seen=now, csrf=secrets.token_urlsafe(32), stamp=password_stamp
    )
    return flask.redirect(next_path, code=303)


def csrf_token() -> str:
    """The session's CSRF token (made on first use): forms post it back in the ``csrf_token`` field."""
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return token


def same_token(presented: str | None) -> bool:
    """True when ``presented`` is the session's CSRF token (compared in constant time)."""
    expected = flask.session.get("csrf")
    return bool(presented and expected) and hmac.compare_digest(str(presented), str(expected))


def set_csrf_cookie(response: flask.Response) -> flask.Response:
    """The CSRF token in a cookie the page's script can read (Dash's renderer), for signed-in sessions."""
    token = flask.session.get("csrf") if flask.session.get("user") else None
    if token and flask.request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=False, samesite="Lax", secure=flask.request.is_secure, path="/"
        )
    return response


def safe_next(value: str | None) -> str:
    """``value`` when it is a path of this server to go to after signing in, else ``/`` (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(char) < 32 for char in value) or parts.path == LOGIN_PATH:
        return "/"
    return value
