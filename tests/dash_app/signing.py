"""Signing in to a dashboard under test: its users in a SQLite file, a cheap password hash, and a Flask test
client that signs in through ``/login`` as a browser does (form, CSRF token, cookies)."""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher
from dash import Dash
from flask.testing import FlaskClient

from credit_scoring.access.sign_in import SignInSettings
from dash_app.sessions import CSRF_COOKIE, CSRF_HEADER
from dash_app.sign_in import SignIn

SECRET = "a test secret key that is long enough to sign with"
PASSWORD = "a long enough password"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only: the default ~0.2 s
ROLE_USERS = {"adviser": "ada.adviser", "risk": "rita.risk", "admin": "alan.admin"}
"""One user of each role, added by `open_access`."""


def open_access(folder: Path, **settings: object) -> SignIn:
    """Sign-in against a new SQLite application database in ``folder``, with one user of each role."""
    access = SignIn.open(
        f"sqlite:///{folder / 'app.db'}", SECRET, SignInSettings(**settings), hasher=FAST_HASHER
    )
    for role, name in ROLE_USERS.items():
        access.desk.users.add(name, role, PASSWORD)
    return access


def form_token(page: str) -> str:
    """The CSRF token of the sign-in form in ``page``."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD, next_path: str = "/") -> int:
    """Sign ``client`` in through the form; the status of the form's answer (303 when signed in)."""
    token = form_token(client.get("/login").text)
    answer = client.post(
        f"/login?next={next_path}", data={"username": name, "password": password, "csrf_token": token}
    )
    return answer.status_code


def signed_in_client(app: Dash, role: str = "adviser") -> FlaskClient:
    """A test client signed in as the `open_access` user of ``role``."""
    client = app.server.test_client()
    assert sign_in(client, ROLE_USERS[role]) == 303
    return client


def callback_headers(client: FlaskClient) -> dict[str, str]:
    """The headers Dash's renderer adds to a callback: the CSRF token of the session's cookie."""
    cookie = client.get_cookie(CSRF_COOKIE)
    return {CSRF_HEADER: cookie.value} if cookie else {}
