"""Sign-in on the dashboard's server, without a browser: the role matrix of every page and every callback
(generated from the page registry and the callback map, so that a new one cannot be left out), sessions
(forged, from another server, idle, too old, of a disabled user), CSRF, throttling, and the audit records of
each refusal. The browser tests (tests/e2e/test_browser_sign_in.py) walk the same through Chromium."""

from __future__ import annotations

import html
import logging
import time
from pathlib import Path

import flask
import pytest
from dash._utils import split_callback_id
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient

from credit_scoring.access.acting import ACTING_USER_HEADER, verify_acting_user
from credit_scoring.access.roles import ROLES, Person
from credit_scoring.api.observability import log_requests
from dash_app.app import create_app
from dash_app.permissions import ROUTING_OUTPUT, may_use, page_roles
from dash_app.sessions import CSRF_COOKIE, SESSION_COOKIE, safe_next
from dash_app.sign_in import CALLBACK_ROLES, SignIn
from tests.dash_app.fakes import FakeApiClient
from tests.dash_app.signing import (
    PASSWORD,
    ROLE_USERS,
    SECRET,
    callback_headers,
    form_token,
    open_access,
    sign_in,
    signed_in_client,
)


@pytest.fixture(scope="module")
def access(tmp_path_factory: pytest.TempPathFactory) -> SignIn:
    return open_access(tmp_path_factory.mktemp("sign_in"))


@pytest.fixture(scope="module")
def app(access: SignIn):
    return create_app(FakeApiClient(), access=access)


@pytest.fixture(scope="module")
def clients(app) -> dict[str, FlaskClient]:
    """A client signed in as each role, and an anonymous one (``None``)."""
    return {**{role: signed_in_client(app, role) for role in ROLES}, None: app.server.test_client()}


def denials(access: SignIn, **detail: str) -> list[dict]:
    """The access.denied records whose detail holds ``detail``."""
    return [
        event
        for event in access.desk.trail.export(action="access.denied")
        if all(event["detail"].get(key) == value for key, value in detail.items())
    ]


def callback_body(output: str, callback: dict, pathname: str = "/") -> dict:
    """A request for the callback of ``output`` as the renderer sends it (no values but the path's)."""

    def values(dependencies: list[dict]) -> list[dict]:
        return [
            {**dependency, "value": pathname if dependency["property"] == "pathname" else None}
            for dependency in dependencies
        ]

    return {
        "output": output,
        "outputs": split_callback_id(output),
        "inputs": values(callback["inputs"]),
        "state": values(callback["state"]),
        "changedPropIds": [],
    }


def post_callback(client: FlaskClient, body: dict):
    return client.post("/_dash-update-component", json=body, headers=callback_headers(client))


# --- the role matrix ------------------------------------------------------------------------------------


def test_every_page_opens_exactly_for_the_roles_it_allows(clients, access: SignIn) -> None:
    pages = page_roles()
    assert pages["/monitoring"] == "risk" and pages["/reports/drift"] == "risk" and pages["/"] == "adviser"
    for path, required in pages.items():
        for role in ROLES:
            status = clients[role].get(path).status_code
            assert status == (200 if may_use(role, required) else 403), (path, role, status)
        anonymous = clients[None].get(path)
        assert anonymous.status_code == 302 and anonymous.location.startswith("/login"), path
    assert denials(access, reason="role", path="/monitoring")[0]["actor"] == ROLE_USERS["adviser"]
    refused = clients["adviser"].get("/monitoring?lang=fr").text
    assert "Connecté : ada.adviser, conseiller" in refused and 'action="/logout"' in refused


def test_every_callback_answers_exactly_the_roles_it_allows(app, clients) -> None:
    """Each role gets a 403 from the callbacks its role may not use (the routing callback: those of the pages
    it may not open), never from the others; anybody without a session gets a 401 from every callback."""
    declared = app.server.extensions[CALLBACK_ROLES]
    dash_own = {output for output in app.callback_map if output.lstrip(".").startswith("_pages_")}
    assert set(app.callback_map) - dash_own == set(declared), "every callback of the dashboard has a role"
    assert {declared[output] for output in app.callback_map if output.startswith("monitoring-")} == {"risk"}
    checked = 0
    for output, callback in app.callback_map.items():
        if "callback" not in callback:  # a clientside callback: it runs in the browser, the server has none
            continue
        pages = page_roles() if ROUTING_OUTPUT in output else {"/": declared.get(output)}
        for path, required in pages.items():
            body = callback_body(output, callback, path)
            for role in ROLES:
                status = post_callback(clients[role], body).status_code
                assert (status == 403) == (not may_use(role, required)), (output, path, role, status)
                assert status not in (401, 500), (output, path, role, status)
            assert post_callback(clients[None], body).status_code == 401
            checked += 1
    assert checked > len(page_roles())


def test_a_clientside_callback_posted_to_the_server_is_a_400(app, clients) -> None:
    output, callback = next((key, item) for key, item in app.callback_map.items() if "callback" not in item)
    response = post_callback(clients["adviser"], callback_body(output, callback))
    assert response.status_code == 400 and "runs in the browser" in response.json["error"]["message"]


# --- without a session, or with a bad one ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/_dash-layout", "/_dash-dependencies"])
def test_dash_requests_without_a_session_are_401_json(clients, path: str) -> None:
    response = clients[None].get(path)
    assert response.status_code == 401
    assert response.json["error"] == {"code": "not_signed_in", "message": "sign in first (POST /login)"}


def test_a_page_without_a_session_redirects_to_the_sign_in_form_and_back(app) -> None:
    client = app.server.test_client()
    response = client.get("/compare?client=7")
    assert response.status_code == 302 and response.location == "/login?next=%2Fcompare%3Fclient%3D7"
    assert sign_in(client, ROLE_USERS["adviser"], next_path="/compare?client=7") == 303
    assert client.get("/compare?client=7").status_code == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/client?client=3", "/client?client=3"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/login", "/"),
        ("client", "/"),
        ("/x\r\nLocation: y", "/"),
        (None, "/"),
    ],
)
def test_only_a_path_of_this_server_is_followed_after_sign_in(value, expected) -> None:
    assert safe_next(value) == expected


def test_static_files_and_the_api_need_no_session(clients) -> None:
    anonymous = clients[None]
    assert anonymous.get("/assets/00-bootstrap.min.css").status_code == 200
    assert anonymous.get("/assets/20-session.js").status_code == 200
    assert anonymous.get("/login").status_code == 200


def forged_cookie(app, secret: str, user: str) -> str:
    """A session cookie for ``user`` signed with ``secret`` (another server's, or an attacker's)."""
    other = type(app.server)("other")
    other.secret_key = secret
    now = time.time()
    serializer = SecureCookieSessionInterface().get_signing_serializer(other)
    return serializer.dumps({"user": user, "since": now, "seen": now, "csrf": "x"})


@pytest.mark.parametrize("secret", ["another server's secret key, long enough", ""])
def test_a_session_cookie_this_server_did_not_sign_is_refused_and_audited(app, access, secret) -> None:
    client = app.server.test_client()
    cookie = forged_cookie(app, secret or "x" * 40, ROLE_USERS["admin"])
    client.set_cookie(SESSION_COOKIE, cookie if secret else "not-a-signed-cookie")
    response = client.get("/model")
    assert response.status_code == 302 and "reason=expired" in response.location
    client.set_cookie(SESSION_COOKIE, cookie if secret else "not-a-signed-cookie")
    callback = client.post("/_dash-update-component", json={}, headers={"X-CSRFToken": "x"})
    assert callback.status_code == 401 and callback.json["error"]["code"] == "session_refused"
    assert denials(access, reason="session_refused")


def test_a_session_signed_here_for_a_disabled_user_ends_at_once(tmp_path: Path) -> None:
    access = open_access(tmp_path)
    app = create_app(FakeApiClient(), access=access)
    client = signed_in_client(app, "adviser")
    assert client.get("/_dash-layout").status_code == 200
    access.desk.users.disable(ROLE_USERS["adviser"])
    response = client.get("/_dash-layout")
    assert response.status_code == 401 and response.json["error"]["code"] == "user_disabled"
    assert denials(access, reason="user_disabled", user=ROLE_USERS["adviser"])
    access.desk.users.enable(ROLE_USERS["adviser"])
    assert client.get("/_dash-layout").status_code == 401, "the ended session does not come back"


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(tmp_path: Path) -> None:
    """A stolen session does not outlive a password reset; the role change above keeps the session."""
    access = open_access(tmp_path)
    app = create_app(FakeApiClient(), access=access)
    name = ROLE_USERS["adviser"]
    other_browser, this_browser = signed_in_client(app), app.server.test_client()
    assert other_browser.get("/_dash-layout").status_code == 200
    access.desk.users.set_password(name, "a brand new password, long enough")

    response = other_browser.get("/_dash-layout")
    assert response.status_code == 401 and response.json["error"]["code"] == "password_changed"
    assert denials(access, reason="password_changed", user=name)
    page = other_browser.get("/model")
    assert page.status_code == 302 and "/login" in page.location, "the ended session does not come back"
    assert sign_in(this_browser, name, "a brand new password, long enough") == 303
    assert this_browser.get("/_dash-layout").status_code == 200
    assert sign_in(app.server.test_client(), name) != 303, "the old password no longer signs in"


def test_a_role_change_applies_to_open_sessions(tmp_path: Path) -> None:
    access = open_access(tmp_path)
    app = create_app(FakeApiClient(), access=access)
    client = signed_in_client(app, "adviser")
    assert client.get("/monitoring").status_code == 403
    access.desk.users.set_role(ROLE_USERS["adviser"], "risk")
    assert client.get("/monitoring").status_code == 200


def test_an_idle_session_ends(tmp_path: Path) -> None:
    app = create_app(FakeApiClient(), access=open_access(tmp_path, idle_timeout_minutes=0.01))
    client = signed_in_client(app)
    assert client.get("/model").status_code == 200
    time.sleep(0.7)
    response = client.get("/model")
    assert response.status_code == 302 and response.location == "/login?next=%2Fmodel&reason=expired"
    assert "Your session has ended" in client.get(response.location).text


def test_a_session_ends_after_its_longest_life_even_when_used(tmp_path: Path) -> None:
    app = create_app(FakeApiClient(), access=open_access(tmp_path, max_session_hours=0.0005))  # 1.8 s
    client = signed_in_client(app)
    started = time.monotonic()
    for _ in range(3):
        assert client.get("/_dash-layout").status_code == 200
        time.sleep(0.2)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    assert client.get("/_dash-layout").status_code == 401


# --- the session cookie and CSRF ------------------------------------------------------------------------


def test_the_session_cookie_is_http_only_same_site_and_secure_over_https(app) -> None:
    client = app.server.test_client()
    token = form_token(client.get("/login").text)
    data = {"username": ROLE_USERS["adviser"], "password": PASSWORD, "csrf_token": token}
    answer = client.post("/login", data=data)
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires" not in cookie, "a browser session cookie: closing the browser ends it"
    secure = app.server.test_client()
    token = form_token(secure.get("/login", base_url="https://dashboard.example").text)
    answer = secure.post("/login", data={**data, "csrf_token": token}, base_url="https://dashboard.example")
    cookie = next(value for value in answer.headers.getlist("Set-Cookie") if value.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_callbacks_need_the_csrf_token_of_the_session(app, access, clients) -> None:
    output, callback = "app-footer.children", app.callback_map["app-footer.children"]
    body = callback_body(output, callback)
    client = clients["adviser"]
    assert client.get_cookie(CSRF_COOKIE).http_only is False, "the renderer must read it"
    for headers in ({}, {"X-CSRFToken": "guessed"}):
        response = client.post("/_dash-update-component", json=body, headers=headers)
        assert response.status_code == 403 and response.json["error"]["code"] == "csrf_failed"
    assert post_callback(client, body).status_code == 200
    assert denials(access, reason="csrf", path="/_dash-update-component")


def test_the_sign_in_form_needs_its_csrf_token(app) -> None:
    client = app.server.test_client()
    client.get("/login")
    data = {"username": ROLE_USERS["adviser"], "password": PASSWORD}
    response = client.post("/login", data={**data, "csrf_token": "forged"})
    assert response.status_code == 400 and "The form had expired" in response.text
    assert client.get("/model").status_code == 302


def test_signing_out_ends_the_session_and_needs_the_token(app, access) -> None:
    client = signed_in_client(app, "risk")
    token = client.get_cookie(CSRF_COOKIE).value
    refused = client.post("/logout", data={"csrf_token": "from another site"})
    assert refused.status_code == 303 and client.get("/model").status_code == 200
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.location == "/login?reason=signed_out"
    assert client.get("/model").status_code == 302
    assert "You are signed out" in client.get("/login?reason=signed_out").text
    assert access.desk.trail.export(action="sign_out")[-1]["actor"] == ROLE_USERS["risk"]


# --- the form's answers, the audit trail, throttling ----------------------------------------------------


class Answer:
    """A sign-in form's answer: its status, headers and text (HTML entities decoded)."""

    def __init__(self, response) -> None:
        self.status_code, self.headers = response.status_code, response.headers
        self.text = html.unescape(response.text)


def attempt(app, name: str, password: str, address: str = "10.0.0.1") -> Answer:
    """One sign-in in French from a new browser at ``address``."""
    client = app.server.test_client()
    token = form_token(client.get("/login?lang=fr").text)
    return Answer(
        client.post(
            "/login",
            data={"username": name, "password": password, "csrf_token": token, "lang": "fr"},
            environ_base={"REMOTE_ADDR": address},
        )
    )


def test_wrong_passwords_and_disabled_users_get_a_clear_message_and_are_audited(tmp_path: Path) -> None:
    access = open_access(tmp_path)
    client = create_app(FakeApiClient(), access=access)
    wrong = attempt(client, ROLE_USERS["adviser"], "not the password")
    assert wrong.status_code == 401 and "Nom d'utilisateur ou mot de passe incorrect" in wrong.text
    assert 'aria-invalid="true"' in wrong.text and 'value="ada.adviser"' in wrong.text
    assert "not the password" not in wrong.text
    unknown = attempt(client, "nobody", "not the password")
    assert unknown.status_code == 401 and "Nom d'utilisateur ou mot de passe incorrect" in unknown.text
    empty = attempt(client, "", "")
    assert empty.status_code == 401 and "Saisissez votre nom d'utilisateur" in empty.text
    access.desk.users.disable(ROLE_USERS["risk"])
    disabled = attempt(client, ROLE_USERS["risk"], PASSWORD)
    assert disabled.status_code == 403 and "Ce compte est désactivé" in disabled.text
    reasons = [event["detail"]["reason"] for event in access.desk.trail.export(action="sign_in.failure")]
    assert reasons == ["wrong_password", "unknown_user", "malformed", "disabled"]
    ok = attempt(client, ROLE_USERS["admin"], PASSWORD)
    assert ok.status_code == 303
    success = access.desk.trail.export(action="sign_in.success")[-1]
    assert (success["actor"], success["address"], success["detail"]) == (
        "alan.admin",
        "10.0.0.1",
        {"role": "admin"},
    )


def test_repeated_failures_are_slowed_then_refused_for_a_while(tmp_path: Path) -> None:
    access = open_access(tmp_path, failures_per_name="3 per minute", failures_per_address="5 per minute")
    client = create_app(FakeApiClient(), access=access)
    name = ROLE_USERS["adviser"]
    for _ in range(3):
        assert attempt(client, name, "wrong password!").status_code == 401
    refused = attempt(client, name, PASSWORD)
    assert refused.status_code == 429 and "Trop de tentatives échouées. Réessayez dans 1 min." in refused.text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # another person from another machine is not locked out by that name's failures
    assert attempt(client, ROLE_USERS["risk"], PASSWORD, address="10.0.0.2").status_code == 303
    # one machine trying many names is stopped by the address rule
    for other in ("a1", "a2"):
        assert attempt(client, other, "wrong password!").status_code == 401
    assert attempt(client, ROLE_USERS["admin"], PASSWORD).status_code == 429
    throttled = denials_of_sign_in(access, "throttled")
    assert len(throttled) == 2 and all(event["outcome"] == "denied" for event in throttled)


def denials_of_sign_in(access: SignIn, reason: str) -> list[dict]:
    return [
        event
        for event in access.desk.trail.export(action="sign_in.failure")
        if event["detail"]["reason"] == reason
    ]


def test_sign_in_is_refused_when_the_audit_trail_cannot_record_it(tmp_path: Path, monkeypatch) -> None:
    from credit_scoring.access.audit import AuditUnavailable  # noqa: PLC0415

    access = open_access(tmp_path)
    app = create_app(FakeApiClient(), access=access)

    def unavailable(*_args, **_kwargs):
        raise AuditUnavailable("the database is down")

    monkeypatch.setattr(access.desk.trail, "record", unavailable)
    response = attempt(app, ROLE_USERS["adviser"], PASSWORD)
    assert response.status_code == 503 and "journal d'audit" in response.text


# --- the person reaches the API -------------------------------------------------------------------------


def test_the_api_client_says_who_the_call_is_for(tmp_path: Path) -> None:
    """Inside a signed-in request, every API call carries the person, signed with the deployment's secret."""
    fake = FakeApiClient()
    app = create_app(fake, access=open_access(tmp_path))
    with app.server.test_request_context("/"):
        assert fake.identify() == {}, "nobody signed in: no person"
        flask.g.signed_in = Person(ROLE_USERS["risk"], "risk")
        header = fake.identify()[ACTING_USER_HEADER]
    person = verify_acting_user(SECRET, header)
    assert (person.name, person.role) == (ROLE_USERS["risk"], "risk")


def test_no_password_reaches_the_logs(tmp_path: Path, caplog) -> None:
    """With the request log of the served entry points, at the most detailed level."""
    caplog.set_level(logging.DEBUG)
    server = flask.Flask("logged_dashboard")
    log_requests(server)
    app = create_app(FakeApiClient(), server=server, access=open_access(tmp_path))
    attempt(app, ROLE_USERS["adviser"], "a wrong password typed")
    attempt(app, ROLE_USERS["adviser"], PASSWORD)
    assert caplog.records and "a wrong password typed" not in caplog.text and PASSWORD not in caplog.text


@pytest.mark.parametrize("secret", [None, "", "too short to sign sessions"])
def test_the_dashboard_does_not_start_without_a_long_enough_secret(tmp_path: Path, secret) -> None:
    with pytest.raises(RuntimeError, match="secret key of at least 32 characters"):
        SignIn.open(f"sqlite:///{tmp_path / 'app.db'}", secret)
