"""The dashboard acts for a signed-in person: with a signed X-Acting-User header the API allows what both the
key and the person's role allow, and records the person; an unsigned, forged or unverifiable header is 401."""

from __future__ import annotations

import pytest

from credit_scoring.access.acting import ACTING_USER_HEADER, sign_acting_user
from credit_scoring.access.audit import AuditTrail
from credit_scoring.api.config import API_KEYS_ENV
from tests.api.project import API_KEY

PREFIX = "/api/v1"
SECRET = "a-secret-of-this-deployment-" + "x" * 16


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def client(make_app):
    return make_app(auth={"api_keys": [API_KEY], "secret_key": SECRET}).test_client()


def as_person(name: str, role: str, secret: str = SECRET) -> dict[str, str]:
    return {"X-API-Key": API_KEY, ACTING_USER_HEADER: sign_acting_user(secret, name, role)}


def test_a_person_gets_what_the_key_and_the_role_both_allow(client, api_project, tmp_path) -> None:
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    adviser = as_person("marie", "adviser")
    assert client.get(f"{PREFIX}/clients/{client_id}", headers=adviser).status_code == 200
    refused = client.get(f"{PREFIX}/drift", headers=adviser)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "insufficient_scope"
    assert "marie (adviser) may not call GET /api/v1/drift" in refused.get_json()["error"]["message"]
    risk = client.get(f"{PREFIX}/drift", headers=as_person("rita", "risk"))
    assert risk.status_code == 404  # allowed: the tiny project has no drift summary to show
    events = AuditTrail(f"sqlite:///{tmp_path / 'prediction_log.db'}").export()
    seen, denied = events[0], events[1]
    assert (seen["actor"], seen["actor_kind"], seen["action"]) == ("marie", "user", "client.view")
    assert seen["detail"] == {"via_key": "configured-key-1"} and seen["client_id"] == client_id
    assert (denied["actor"], denied["action"], denied["detail"]["via_key"]) == (
        "marie",
        "access.denied",
        "configured-key-1",
    )


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("marie", "not signed by this deployment"),
        (
            sign_acting_user("another-deployment-" + "y" * 30, "marie", "admin"),
            "not signed by this deployment",
        ),
    ],
)
def test_a_name_the_api_cannot_trust_is_refused(client, header: str, problem: str) -> None:
    answer = client.get(f"{PREFIX}/model", headers={"X-API-Key": API_KEY, ACTING_USER_HEADER: header})
    assert answer.status_code == 401
    assert answer.get_json()["error"]["details"] == [{"field": ACTING_USER_HEADER, "problem": problem}]


def test_without_a_secret_the_header_is_refused_not_ignored(make_app) -> None:
    client = make_app().test_client()
    answer = client.get(f"{PREFIX}/model", headers=as_person("marie", "admin"))
    assert answer.status_code == 401 and "no secret key" in answer.get_json()["error"]["message"]
    assert client.get(f"{PREFIX}/model", headers={"X-API-Key": API_KEY}).status_code == 200
