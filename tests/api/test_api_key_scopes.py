"""Scoped keys on the server: every route of the blueprint (read from its operations, so that a new route is
tested the day it is added) answers 403 to a database key without its scope and serves one with it; expired
and revoked keys get 401 saying so; the environment's keys exclude every other source; and the command line
that creates, lists and revokes keys."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, g

from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.keys import KeyStore
from credit_scoring.access.roles import SCOPES
from credit_scoring.api import __main__ as cli
from credit_scoring.api.config import API_KEYS_ENV, LOG_URL_ENV, ROOT_ENV, SECRET_KEY_ENV
from credit_scoring.api.operations import Operation
from credit_scoring.api.routes import operations
from tests.api.project import API_KEY

PREFIX = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]
ANY_KEY_RULES = {"/ready"}  # the only routes that any valid key may call, whatever its scopes
EXPECTED_SCOPES = {  # the access policy (credit_scoring.access.roles), rule by rule
    "/predict": "score",
    "/predict/batch": "score",
    "/clients": "clients",
    "/clients/<int:client_id>": "clients",
    "/clients/<int:client_id>/score": "clients",
    "/clients/<int:client_id>/similar": "clients",
    "/population/distribution": "clients",
    "/population/scatter": "clients",
    "/model": "model",
    "/wording": "model",
    "/drift": "drift",
    "/drift/report": "drift",
    "/performance": "drift",
    "/metrics": "metrics",
    "/counterfactual": "score",
    "/letter": "score",
    "/clients/<int:client_id>/letter": "clients",
    "/reviews": "review",
    "/reviews/<review_id>/approval": "review",
    "/reviews/to-review": "review",
    "/reviews/summary": "review",
    "/clients/<int:client_id>/reviews": "review",
}
PAST = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    """The key store of the apps of `make_app`: their application database, in tmp_path."""
    store = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}")
    yield store
    store.dispose()


@pytest.fixture
def scoped_keys(store: KeyStore) -> dict[str, str]:
    """One key per scope, holding only that scope."""
    return {scope: store.create(f"only-{scope}", scope) for scope in SCOPES}


def request_path(operation: Operation) -> str:
    """The operation's URL with any path value (the key is checked before the value matters)."""
    return PREFIX + re.sub(r"<(?:\w+:)?\w+>", "1", operation.rule)


def call(client, operation: Operation, key: str | None):
    headers = {"X-API-Key": key} if key else {}
    return client.open(request_path(operation), method=operation.method, headers=headers, json={})


def error_of(response) -> dict[str, Any]:
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_every_route_that_needs_a_key_names_its_scope() -> None:
    unscoped = {op.rule for op in operations.items if op.auth and op.scope is None}
    assert unscoped <= ANY_KEY_RULES, (
        f"give these routes a scope (scope=...): {sorted(unscoped - ANY_KEY_RULES)}"
    )
    scoped = {op.rule: op.scope for op in operations.items if op.scope is not None}
    assert scoped == EXPECTED_SCOPES
    assert {op.rule for op in operations.items if not op.auth} == {"/health"}
    assert set(scoped.values()) == set(SCOPES)


@pytest.mark.parametrize("operation", operations.items, ids=lambda op: f"{op.method} {op.rule}")
def test_a_key_reaches_the_routes_of_its_scope_only(make_app, scoped_keys, operation: Operation) -> None:
    client = make_app().test_client()
    for scope, key in scoped_keys.items():
        response = call(client, operation, key)
        if operation.scope in (None, scope):
            assert response.status_code not in (401, 403), (scope, response.get_data(as_text=True)[:300])
        else:
            assert response.status_code == 403, scope
            error = error_of(response)
            assert error["code"] == "insufficient_scope"
            assert f"lacks the scope {operation.scope!r}" in error["message"]
            assert f"only-{scope}" in error["message"]
            assert error["details"] == [
                {"field": "X-API-Key", "problem": f"missing scope {operation.scope} (the key has: {scope})"}
            ]
    if operation.auth:
        assert call(client, operation, None).status_code == 401
    assert call(client, operation, API_KEY).status_code not in (401, 403)  # a configured key: every scope


def test_the_caller_is_known_to_later_code(make_app, store: KeyStore) -> None:
    app = make_app()
    seen: list[tuple[str | None, frozenset[str]]] = []

    @app.after_request
    def remember(response):
        seen.append((g.get("api_key_name"), g.get("api_key_scopes")))
        return response

    key = store.create("risk-service", "model,drift")
    client = app.test_client()
    client.get(f"{PREFIX}/wording", headers={"X-API-Key": key})
    client.get(f"{PREFIX}/wording", headers={"X-API-Key": API_KEY})
    client.get(f"{PREFIX}/health")
    assert seen == [
        ("risk-service", {"model", "drift"}),
        ("configured-key-1", set(SCOPES)),
        (None, frozenset()),
    ]


@pytest.mark.parametrize("outcome", ["expired", "revoked"])
def test_expired_and_revoked_keys_get_401_saying_so(make_app, store: KeyStore, outcome: str) -> None:
    if outcome == "expired":
        key = store.create("old-service", SCOPES, expires_at=datetime(2020, 6, 1, tzinfo=UTC), now=PAST)
    else:
        key = store.create("old-service", SCOPES)
        store.revoke("old-service")
    response = make_app().test_client().get(f"{PREFIX}/wording", headers={"X-API-Key": key})
    assert response.status_code == 401
    error = error_of(response)
    assert (error["code"], error["message"]) == ("unauthorized", f"{outcome} API key")
    assert error["details"][0]["field"] == "X-API-Key"
    assert error["details"][0]["problem"].startswith(f"key 'old-service' {outcome} at ")


def test_an_unknown_key_of_the_store_format_is_invalid(make_app, store: KeyStore) -> None:
    store.create("service", "score")
    response = make_app().test_client().get(f"{PREFIX}/ready", headers={"X-API-Key": "csk_" + "x" * 43})
    assert response.status_code == 401 and error_of(response)["message"] == "invalid API key"


def test_the_openapi_document_shows_each_scope(client) -> None:
    paths = client.get(f"{PREFIX}/openapi.json").get_json()["paths"]
    for operation in operations.items:
        path = PREFIX + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", operation.rule)
        entry = paths[path][operation.method.lower()]
        if not operation.auth:
            assert "x-scope" not in entry and "Needs no API key" in entry["description"]
            continue
        assert entry["x-scope"] == operation.scope
        assert ("403" in entry["responses"]) == (operation.scope is not None)
        if operation.scope:
            assert f"scope `{operation.scope}`" in entry["description"]


# --- key sources -----------------------------------------------------------------------------------------


@pytest.fixture
def configured_project(tmp_path: Path) -> Path:
    """A project root whose conf/local/credentials.yml holds a key (no data: /wording needs none)."""
    root = tmp_path / "project"
    (root / "conf" / "local").mkdir(parents=True)
    (root / "conf" / "base").symlink_to(ROOT / "conf" / "base")
    credentials = {"scoring_api": {"api_keys": ["file-key-0123456789"]}}
    (root / "conf" / "local" / "credentials.yml").write_text(yaml.safe_dump(credentials))
    return root


def wording_status(app: Flask, key: str) -> int:
    return app.test_client().get(f"{PREFIX}/wording", headers={"X-API-Key": key}).status_code


def test_the_credentials_file_and_the_database_are_both_sources(
    make_app, configured_project: Path, store: KeyStore, caplog
) -> None:
    database_key = store.create("dashboard", "model")
    with caplog.at_level(logging.WARNING, logger="credit_scoring.api"):
        app = make_app(root=str(configured_project), auth={})
    assert wording_status(app, "file-key-0123456789") == 200
    assert wording_status(app, database_key) == 200
    assert API_KEYS_ENV not in caplog.text


def test_the_environment_keys_exclude_every_other_source(
    make_app, configured_project: Path, store: KeyStore, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    database_key = store.create("dashboard", SCOPES)
    monkeypatch.setenv(API_KEYS_ENV, "env-key-0123456789, second-env-key-0123")
    with caplog.at_level(logging.WARNING, logger="credit_scoring.api"):
        app = make_app(root=str(configured_project), auth={})
    assert wording_status(app, "file-key-0123456789") == 401
    assert wording_status(app, database_key) == 401
    assert wording_status(app, "env-key-0123456789") == 200
    assert wording_status(app, "second-env-key-0123") == 200
    [warning] = [record for record in caplog.records if API_KEYS_ENV in record.getMessage()]
    message = warning.getMessage()
    assert "1 key(s) of the credentials files" in message and "application database" in message
    assert "file-key-0123456789" not in caplog.text and "env-key-0123456789" not in caplog.text


# --- command line ----------------------------------------------------------------------------------------


def run_cli(*arguments: str) -> int:
    """``main``'s status, argparse's refusals (SystemExit) included."""
    try:
        return cli.main(list(arguments))
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_the_command_line_creates_lists_and_revokes(make_app, tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'prediction_log.db'}"
    assert (
        run_cli(
            "keys",
            "create",
            "scorer",
            "--scopes",
            "score,clients",
            "--expires",
            "2099-06-30",
            "--database-url",
            url,
        )
        == 0
    )
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("csk_") and "only time it is shown" in err and "only its hash is stored" in err

    app = make_app()
    assert app.test_client().get(f"{PREFIX}/clients", headers={"X-API-Key": key}).status_code == 200
    assert app.test_client().get(f"{PREFIX}/model", headers={"X-API-Key": key}).status_code == 403

    assert run_cli("keys", "list", "--database-url", url) == 0
    [line] = capsys.readouterr().out.splitlines()
    listed = json.loads(line)
    assert listed["name"] == "scorer" and listed["scopes"] == ["score", "clients"]
    assert (listed["status"], listed["expires_at"]) == ("active", "2099-07-01T00:00:00.000Z")
    assert key not in line and "hash" not in line

    assert run_cli("keys", "revoke", "scorer", "--database-url", url) == 0
    assert "revoked" in capsys.readouterr().out
    events = AuditTrail(url).export()
    changes = [
        (event["action"], event["detail"]["name"]) for event in events if event["action"][:4] == "key."
    ]
    assert changes == [("key.create", "scorer"), ("key.revoke", "scorer")]
    assert key not in str(AuditTrail(url).export())
    response = app.test_client().get(f"{PREFIX}/clients", headers={"X-API-Key": key})
    assert response.status_code == 401 and error_of(response)["message"] == "revoked API key"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (("create", "svc", "--scopes", "score,admin"), "unknown scope(s) admin"),
        (("create", "svc", "--scopes", "score", "--expires", "2027-13-01"), "invalid date '2027-13-01'"),
        (("create", "svc", "--scopes", "score", "--expires", "2020-01-01"), "not in the future"),
        (("create", "bad name", "--scopes", "score"), "invalid key name"),
        (("create", "taken", "--scopes", "score"), "exists already"),
        (("revoke", "nobody"), "no key named 'nobody'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path, capsys, arguments, problem) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    KeyStore(url).create("taken", "model")
    assert run_cli("keys", *arguments, "--database-url", url) == 2
    assert problem in capsys.readouterr().err


def test_the_default_database_is_the_application_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    monkeypatch.setenv(LOG_URL_ENV, f"sqlite:///{tmp_path / 'app.db'}")
    assert cli.database_url(None) == f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.delenv(LOG_URL_ENV)
    assert cli.database_url(None) == f"sqlite:///{tmp_path / 'data/07_model_output/prediction_log.db'}"


def test_without_arguments_it_still_makes_sure_a_key_is_configured(
    configured_project, monkeypatch, capsys
) -> None:
    monkeypatch.setenv(ROOT_ENV, str(configured_project))
    monkeypatch.setenv(SECRET_KEY_ENV, "s" * 40)
    assert run_cli() == 0 and capsys.readouterr().out.split("\n")[:2] == [
        "API key configured",
        "Secret key configured",
    ]
    (configured_project / "conf" / "local" / "credentials.yml").unlink()
    monkeypatch.delenv(SECRET_KEY_ENV)
    printed = capsys.readouterr().out if run_cli() == 0 else ""
    assert "API key generated in" in printed and "Secret key generated in" in printed


def test_the_command_runs_as_a_module(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    environment = {**os.environ, "DO_NOT_TRACK": "1"}
    environment.pop(API_KEYS_ENV, None)
    command = [sys.executable, "-m", "credit_scoring.api", "keys", "create", "batch", "--scopes", "drift"]
    result = subprocess.run(
        [*command, "--database-url", url],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert KeyStore(url).verify(key).name == "batch" and "only its hash is stored" in result.stderr
