"""Sign-in, sessions and roles on the dashboard's server, for every entry point (`dash_app.app.create_app`).

- ``/login`` (the form of `dash_app.login_page`) and ``/logout``; names and passwords are checked, throttled
  and audited by `credit_scoring.access.sign_in.SignInDesk`.
- The session (`dash_app.sessions`) ends after ``sign_in.idle_timeout_minutes`` without use and
  ``sign_in.max_session_hours`` after sign-in. The user is read again on every request, so a disabled user's
  session ends at once and a role change applies at once.
- Every request but the sign-in page, the static files and the API (its own keys) needs a session: a page
  redirects to ``/login``, anything else (Dash's callbacks, layout, dependencies) answers 401 in JSON.
- Callbacks carry a CSRF token: the ``_csrf_token`` cookie, which Dash's renderer sends back in the
  ``X-CSRFToken`` header; it must match the session's. Forms carry it in a hidden field.
- Roles (`dash_app.permissions`): a page or a callback the role may not use answers 403.
- Every refusal is recorded in the audit trail (``access.denied``), with the reason.
- The dashboard's API client sends the signed-in person in the signed ``X-Acting-User`` header, so that the
  API checks the role again and records the person.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import flask
import sqlalchemy as sa
from argon2 import PasswordHasher
from dash import Dash

from credit_scoring.access import audit
from credit_scoring.access.acting import ACTING_USER_HEADER, MIN_SECRET_LENGTH, sign_acting_user
from credit_scoring.access.administration import Administration
from credit_scoring.access.audit import AuditEvent, AuditTrail, AuditUnavailable
from credit_scoring.access.keys import KeyStore
from credit_scoring.access.roles import Person, Role
from credit_scoring.access.sign_in import IdentityProviderSettings, SignInDesk, SignInSettings, SignInThrottle
from credit_scoring.access.users import UserStore
from dash_app import identity_provider, sessions
from dash_app.api_client import ApiClient
from dash_app.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from dash_app.login_page import (
    CSRF_FIELD,
    LOGIN_PATH,
    LOGOUT_PATH,
    PROVIDER_CALLBACK_PATH,
    PROVIDER_PATH,
    forbidden_page,
    sign_in_page,
)
from dash_app.permissions import ROUTING_OUTPUT, may_use, page_role, routing_path
from dash_app.sessions import (
    CSRF_COOKIE,
    CSRF_HEADER,
    cookie_refused,
    csrf_token,
    current_user,
    safe_next,
    same_token,
    set_csrf_cookie,
    start_session,
)

logger = logging.getLogger("dash_app.sign_in")

WARM_UP = "credit_scoring.warm_up"
"""Environ key of the factory's own start-up request (`dash_app.app._set_up_now`); no client can set it."""
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/api/")
PUBLIC_PATHS = frozenset(
    {LOGIN_PATH, LOGOUT_PATH, PROVIDER_PATH, PROVIDER_CALLBACK_PATH, "/_favicon.ico", "/favicon.ico"}
)
ACCESS = "dash_app.access"
"""Key of ``server.extensions`` holding the app's `SignIn`."""
CALLBACK_ROLES = "dash_app.callback_roles"
"""Key of ``server.extensions`` holding the role each callback output needs (`dash_app.permissions`)."""
SEEN_RESOLUTION_S = 60
"""The session's last-use time is written again at most this often (one cookie update a minute)."""


@dataclass
class SignIn:
    """What the dashboard needs to let people in: the desk that checks them, the secret, the settings, and
    the administration of users and keys (the admin page)."""

    desk: SignInDesk
    secret_key: str
    settings: SignInSettings
    administration: Administration
    identity_provider: IdentityProviderSettings | None = None
    """Sign-in through the lender's OpenID Connect provider, beside the password form."""

    @classmethod
    def open(
        cls,
        database_url: str,
        secret_key: str | None,
        settings: SignInSettings | None = None,
        *,
        limiter_storage: str = "memory://",
        trail: AuditTrail | None = None,
        hasher: PasswordHasher | None = None,
        identity_provider: IdentityProviderSettings | None = None,
    ) -> SignIn:
        """Sign-in against the users and the audit trail of the application database at ``database_url``."""
        if not secret_key or len(secret_key) < MIN_SECRET_LENGTH:
            raise RuntimeError(
                f"the dashboard needs a secret key of at least {MIN_SECRET_LENGTH} characters to sign its "
                "sessions: set CREDIT_SCORING_SECRET_KEY (the same on every host) or run "
                "`python -m credit_scoring.api`, which adds one to conf/local"
            )
        settings = settings or SignInSettings()
        users, trail = UserStore(database_url, hasher=hasher), trail or AuditTrail(database_url)
        desk = SignInDesk(users, trail, SignInThrottle(settings, limiter_storage))
        administration = Administration(users, KeyStore(database_url), trail)
        return cls(desk, secret_key, settings, administration, identity_provider)


def current_access() -> SignIn:
    """The sign-in of the app answering the current request (its users, keys and trail)."""
    return flask.current_app.extensions[ACCESS]


def _language() -> str:
    asked = flask.request.values.get("lang")
    if asked in LANGUAGES:
        return asked
    return flask.request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _is_page_request() -> bool:
    return flask.request.method == "GET" and not flask.request.path.startswith("/_")


def _json_error(status: int, code: str, message: str) -> flask.Response:
    response = flask.jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _html(page: str, status: int) -> flask.Response:
    return flask.Response(page, status=status, mimetype="text/html")


def _login_redirect(reason: str | None = None) -> flask.Response:
    full = flask.request.full_path.rstrip("?")
    query = {"next": safe_next(full)} if safe_next(full) != "/" else {}
    if reason:
        query["reason"] = reason
    return flask.redirect(f"{LOGIN_PATH}?{urlencode(query)}" if query else LOGIN_PATH, code=302)


class _Gate:
    """The before-request check of every request and the routes of sign-in; see the module docstring."""

    def __init__(self, sign_in: SignIn, callback_roles: dict[str, Role]) -> None:
        self.sign_in = sign_in
        self.desk = sign_in.desk
        self.callback_roles = callback_roles
        self.idle_s = sign_in.settings.idle_timeout_minutes * 60
        self.lifetime_s = sign_in.settings.max_session_hours * 3600
        self.provider = sign_in.identity_provider
        self.provider_client: Any = None

    # --- the audit trail ----------------------------------------------------------------------------

    def _deny(self, reason: str, who: Person | None = None, **detail: object) -> None:
        """Record a refusal; a trail that cannot record it does not change the refusal."""
        event = AuditEvent(
            who.name if who else audit.UNKNOWN_ACTOR,
            "user" if who else "anonymous",
            audit.ACCESS_DENIED,
            "denied",
            address=flask.request.remote_addr,
            request_id=flask.g.get("request_id"),
            detail={"path": flask.request.path[:200], "reason": reason, **detail},
        )
        try:
            self.desk.trail.record(event)
        except (AuditUnavailable, ValueError) as error:
            logger.error("A refusal could not be recorded in the audit trail: %s", error)

    def _start(self, name: str, next_path: str) -> flask.Response:
        """A new session for the person who just signed in, with their password stamp: a new password ends
        it (`session_user`)."""
        found = self.desk.users.get_with_stamp(name)
        if found is None:  # removed between the check and now
            return _login_redirect("expired")
        return start_session(found[0], found[1], next_path)

    # --- who is asking ------------------------------------------------------------------------------

    def session_user(self) -> Person | str:
        """The signed-in person, or the reason there is none (the session is cleared when it ended)."""
        session = flask.session
        if cookie_refused():
            return "session_refused"
        name = session.get("user")
        if not name:
            return "not_signed_in"
        now = time.time()
        if (
            now - float(session.get("seen", 0)) > self.idle_s
            or now - float(session.get("since", 0)) > self.lifetime_s
        ):
            session.clear()
            return "session_expired"
        found = self.desk.users.get_with_stamp(str(name))
        if found is None or found[0].disabled:
            session.clear()
            return "user_disabled"
        user, stamp = found
        if session.get("stamp") != stamp:  # a new password since this sign-in
            session.clear()
            return "password_changed"
        if now - float(session["seen"]) > SEEN_RESOLUTION_S:
            session["seen"] = now
        return Person(user.name, user.role)

    # --- the check of every request -----------------------------------------------------------------

    def check(self) -> flask.Response | None:
        request = flask.request
        if (
            request.environ.get(WARM_UP)
            or request.path in PUBLIC_PATHS
            or request.path.startswith(PUBLIC_PREFIXES)
        ):
            return None
        ended_for = flask.session.get("user")  # the person of a session that ends now, for the audit trail
        try:
            who = self.session_user()
        except sa.exc.SQLAlchemyError as error:
            logger.error("Sessions cannot be checked, the application database fails: %s", error)
            return _json_error(
                503, "unavailable", "sign-in cannot be checked now: the database is unavailable"
            )
        if isinstance(who, str):
            self._deny(who, **({"user": str(ended_for)} if ended_for and who != "session_refused" else {}))
            if _is_page_request():
                return _login_redirect("expired" if who != "not_signed_in" else None)
            return _json_error(401, who, _REASONS[who])
        flask.g.signed_in = who
        if request.method == "POST" and not same_token(request.headers.get(CSRF_HEADER)):
            self._deny("csrf", who)
            return _json_error(403, "csrf_failed", f"missing or wrong {CSRF_HEADER} header: reload the page")
        return self._check_role(who)

    def _check_role(self, who: Person) -> flask.Response | None:
        request = flask.request
        if _is_page_request():
            required = page_role(request.path)
            if may_use(who.role, required):
                return None
            self._deny("role", who, required=required)
            return _html(forbidden_page(_language(), who.role, who.name, csrf_token()), 403)
        body = request.get_json(silent=True) if request.method == "POST" else None
        output = body.get("output") if isinstance(body, dict) else None
        if not isinstance(output, str):
            return None  # not a callback: Dash's own GETs, or a malformed body (dash_app.guards: 400)
        if ROUTING_OUTPUT in output:
            required = page_role(routing_path(body) or "/")
        else:
            required = self.callback_roles.get(output)
        if may_use(who.role, required):
            return None
        self._deny("role", who, required=required, output=output[:200])
        return _json_error(
            403, "forbidden", f"{who.name} ({who.role}) may not use this: it needs the role {required}"
        )

    def after(self, response: flask.Response) -> flask.Response:
        """The CSRF cookie of a signed-in session (the API's answers and the static files leave the
        session alone)."""
        return response if flask.request.path.startswith(PUBLIC_PREFIXES) else set_csrf_cookie(response)

    # --- the routes ---------------------------------------------------------------------------------

    def login(self) -> flask.Response:
        lang, next_path = _language(), safe_next(flask.request.args.get("next"))
        if flask.request.method == "POST":
            return self._submit(lang, next_path)
        with contextlib.suppress(sa.exc.SQLAlchemyError):  # the database down: show the form all the same
            if isinstance(self.session_user(), Person):
                return flask.redirect(next_path, code=302)
        notice = _NOTICES.get(flask.request.args.get("reason", ""))
        message = t(notice, lang) if notice else None
        return self._form(lang, next_path, message, error=False)

    def _form(
        self, lang: str, next_path: str, message: str | None, *, error: bool = True, username: str = ""
    ) -> flask.Response:
        label = self.provider.label if self.provider else None
        page = sign_in_page(
            lang, csrf_token(), next_path, message=message, error=error, username=username, provider=label
        )
        return _html(page, 200)

    def _submit(self, lang: str, next_path: str) -> flask.Response:
        form = flask.request.form
        name, password = form.get("username", "").strip()[:200], form.get("password", "")

        def again(key: str, status: int, **values: object) -> flask.Response:
            response = self._form(lang, next_path, t(key, lang, **values), username=name)
            response.status_code = status
            return response

        if not same_token(form.get(CSRF_FIELD)):
            self._deny("csrf")
            return again("signin.form_expired", 400)
        try:
            attempt = self.desk.attempt(name, password, flask.request.remote_addr or "-")
        except (AuditUnavailable, sa.exc.SQLAlchemyError) as error:
            logger.error("Sign-in refused: it cannot be checked or recorded (%s)", error)
            return again("signin.unavailable", 503)
        if attempt.result == "ok" and attempt.user is not None:
            return self._start(attempt.user.name, next_path)
        key, status = _REFUSALS[attempt.result]
        if attempt.result == "refused" and not (name and password):
            key = "signin.missing"
        response = again(key, status, minutes=max(1, -(-attempt.retry_after_s // 60)))
        if attempt.retry_after_s:
            response.headers["Retry-After"] = str(attempt.retry_after_s)
        return response

    def provider_begin(self) -> flask.Response:
        """To the identity provider's sign-in page; back at `provider_callback`."""
        lang = _language()
        flask.session["provider_next"] = safe_next(flask.request.args.get("next"))
        flask.session["provider_lang"] = lang
        try:
            callback = flask.url_for("sign_in_provider_callback", _external=True)
            return identity_provider.send_to_provider(self.provider_client, callback)
        except identity_provider.ProviderRefused as error:
            logger.error("Sign-in through the identity provider failed: %s", error)
            response = self._form(lang, "/", t("signin.provider_failed", lang))
            response.status_code = 502
            return response

    def provider_callback(self) -> flask.Response:
        """The provider's answer: the person it vouched for is signed in with the role of their groups."""
        next_path = safe_next(flask.session.pop("provider_next", "/"))
        lang = str(flask.session.pop("provider_lang", "")) or _language()
        address = flask.request.remote_addr or "-"
        provider = self.provider
        assert provider is not None  # the route exists only with a provider
        try:
            claims = identity_provider.verified_claims(self.provider_client)
            name = str(claims.get(provider.username_claim) or "")
            attempt = self.desk.attempt_external(name, provider.role_for(claims), address, provider.label)
        except identity_provider.ProviderRefused as error:
            logger.warning("Sign-in through the identity provider refused: %s", error)
            self._deny("provider_refused")
            return self._refusal(lang, next_path, "signin.provider_failed", 401)
        except (AuditUnavailable, sa.exc.SQLAlchemyError) as error:
            logger.error("Sign-in refused: it cannot be checked or recorded (%s)", error)
            return self._refusal(lang, next_path, "signin.unavailable", 503)
        if attempt.result == "ok" and attempt.user is not None:
            return self._start(attempt.user.name, next_path)
        keys = {"disabled": "signin.disabled", "no_role": "signin.no_role"}
        key = keys.get(attempt.result) or keys.get(attempt.reason) or "signin.provider_failed"
        return self._refusal(lang, next_path, key, 403)

    def _refusal(self, lang: str, next_path: str, key: str, status: int) -> flask.Response:
        response = self._form(lang, next_path, t(key, lang))
        response.status_code = status
        return response

    def logout(self) -> flask.Response:
        name = flask.session.get("user")
        if name and same_token(flask.request.form.get(CSRF_FIELD)):
            try:
                self.desk.trail.record(
                    AuditEvent(str(name), "user", audit.SIGN_OUT, "ok", address=flask.request.remote_addr)
                )
            except AuditUnavailable as error:
                logger.error("A sign-out could not be recorded in the audit trail: %s", error)
            flask.session.clear()
        elif name:  # a sign-out asked by another site: refused, the person stays signed in
            self._deny("csrf")
            return flask.redirect("/", code=303)
        response = flask.redirect(f"{LOGIN_PATH}?reason=signed_out", code=303)
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response


_REASONS = {
    "not_signed_in": "sign in first (POST /login)",
    "session_expired": "the session has ended: sign in again",
    "session_refused": "the session cookie was not signed by this server: sign in again",
    "user_disabled": "this user is disabled or no longer exists",
    "password_changed": "the password changed since this sign-in: sign in again",
}
_NOTICES = {"expired": "signin.expired", "signed_out": "signin.signed_out"}
_REFUSALS = {
    "refused": ("signin.refused", 401),
    "disabled": ("signin.disabled", 403),
    "throttled": ("signin.throttled", 429),
}


def install(app: Dash, sign_in: SignIn, callback_roles: dict[str, Role], client: ApiClient) -> None:
    """Sessions, ``/login``, ``/logout``, the check of every request and the acting-user header on ``app``."""
    server = app.server
    sessions.configure(server, sign_in.secret_key, sign_in.settings)
    server.extensions[CALLBACK_ROLES] = callback_roles
    server.extensions[ACCESS] = sign_in
    gate = _Gate(sign_in, callback_roles)
    server.add_url_rule(LOGIN_PATH, "sign_in", gate.login, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "sign_out", gate.logout, methods=["POST"])
    if sign_in.identity_provider is not None:
        gate.provider_client = identity_provider.register(server, sign_in.identity_provider)
        server.add_url_rule(PROVIDER_PATH, "sign_in_provider", gate.provider_begin)
        server.add_url_rule(PROVIDER_CALLBACK_PATH, "sign_in_provider_callback", gate.provider_callback)
    server.before_request(gate.check)
    server.after_request(gate.after)

    def acting_user() -> dict[str, str]:
        who = current_user()
        return {ACTING_USER_HEADER: sign_acting_user(sign_in.secret_key, who.name, who.role)} if who else {}

    client.identify = acting_user
