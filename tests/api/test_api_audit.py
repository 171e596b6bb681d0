"""Every consultation of client data and every decision served through the API is in the audit trail, with
the key that asked, before the answer leaves; refused calls are recorded; an answer that cannot be recorded
is withheld (503) only when neither the database nor this host's spool can record it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.keys import KeyStore
from credit_scoring.api.auditing import CONSULTATIONS
from credit_scoring.api.config import API_KEYS_ENV
from credit_scoring.api.routes import operations
from credit_scoring.api.services import current_services
from tests.api.test_api_routes import production_application

PREFIX = "/api/v1"
CLIENT_DATA_SCOPES = {"clients", "score"}


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def trail(tmp_path) -> AuditTrail:
    """The trail of `make_app`'s apps: their application database, in tmp_path."""
    return AuditTrail(f"sqlite:///{tmp_path / 'prediction_log.db'}")


@pytest.fixture
def advisers_key(tmp_path) -> str:
    return KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}").create("crm-service", "clients,score")


def test_every_route_that_shows_client_data_is_recorded() -> None:
    """Generated from the routes: one that serves client data (scopes clients, score) and is not recorded
    fails here the day it is added."""
    showing = {operation.endpoint for operation in operations.items if operation.scope in CLIENT_DATA_SCOPES}
    assert showing == set(CONSULTATIONS)


def test_consultations_are_recorded_with_the_key_and_the_client(make_app, api_project, trail, advisers_key):
    client = make_app().test_client()
    headers = {"X-API-Key": advisers_key}
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    for path in (
        f"/clients/{client_id}",
        f"/clients/{client_id}/score",
        f"/clients/{client_id}/similar",
        f"/population/distribution?feature=AMT_CREDIT&group=all&client_id={client_id}",
        "/clients?decision=refused&page=1",
    ):
        assert client.get(PREFIX + path, headers=headers).status_code == 200, path
    events = trail.export(user="crm-service")
    assert [event["action"] for event in events] == [
        "client.view",
        "client.score",
        "client.similar",
        "client.compare",
        "clients.search",
    ]
    assert {event["client_id"] for event in events[:4]} == {client_id} and events[4]["client_id"] is None
    assert events[4]["detail"]["filters"] == {"decision": "refused"}
    assert all(event["actor_kind"] == "key" and event["request_id"] for event in events)
    assert trail.export(client_id=client_id) == events[:4]


def test_each_decision_served_is_recorded_without_the_application(make_app, api_project, trail, advisers_key):
    client = make_app().test_client()
    applications = [production_application(api_project, i) for i in range(3)]
    body = client.post(
        f"{PREFIX}/predict/batch?reasons=false",
        json={"applications": applications},
        headers={"X-API-Key": advisers_key},
    ).get_json()
    events = trail.export(user="crm-service")
    assert [event["request_id"] for event in events] == [item["request_id"] for item in body["predictions"]]
    assert [event["client_id"] for event in events] == [app["SK_ID_CURR"] for app in applications]
    assert events[0]["detail"] == {
        "decision": body["predictions"][0]["decision"],
        "model_version": body["model"]["version"],
    }
    assert "AMT_CREDIT" not in str(events)


def test_a_simulation_is_recorded_as_a_what_if_and_is_not_a_decision(
    make_app, api_project, trail, advisers_key
):
    """The dashboard's what-if: scored and explained, recorded in the trail, never in the decision log (which
    feeds monitoring as the applications actually decided)."""
    app = make_app()
    application = production_application(api_project)
    headers = {"X-API-Key": advisers_key}
    simulated = app.test_client().post(f"{PREFIX}/predict?simulation=true", json=application, headers=headers)
    decided = app.test_client().post(f"{PREFIX}/predict", json=application, headers=headers)
    assert simulated.status_code == decided.status_code == 200
    assert simulated.get_json()["probability"] == decided.get_json()["probability"]
    [record] = current_services_of(app).decision_log.records()
    assert record["request_id"] == decided.get_json()["request_id"]
    events = trail.export(user="crm-service")
    assert [(event["action"], event["client_id"]) for event in events] == [
        ("client.whatif", application["SK_ID_CURR"]),
        ("decision.served", application["SK_ID_CURR"]),
    ]


def current_services_of(app):
    with app.app_context():
        return current_services()


def test_refused_calls_are_recorded(make_app, trail, tmp_path) -> None:
    model_only = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}").create("reporting", "model")
    client = make_app().test_client()
    assert client.get(f"{PREFIX}/clients/7", headers={"X-API-Key": "not-a-key-at-all"}).status_code == 401
    assert client.get(f"{PREFIX}/clients/7", headers={"X-API-Key": model_only}).status_code == 403
    huge = client.get(f"{PREFIX}/clients/{10**30}", headers={"X-API-Key": "not-a-key-at-all"})
    assert huge.status_code == 401  # recorded without a client id it cannot store
    anonymous, scoped = trail.export(client_id=7)
    assert (anonymous["action"], anonymous["actor_kind"], anonymous["outcome"]) == (
        "access.denied",
        "anonymous",
        "denied",
    )
    assert (scoped["actor"], scoped["detail"]) == (
        "reporting",
        {"route": "GET /api/v1/clients/7", "status": 403},
    )


def _database_down(services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trail's database refuses every insert, as a stopped PostgreSQL does."""

    def refuse(rows):
        raise sa.exc.OperationalError("INSERT INTO audit_events", {}, ConnectionRefusedError("server down"))

    monkeypatch.setattr(services.audit, "_insert", refuse)


def test_an_answer_is_given_while_the_database_is_down_and_recorded_once_after(
    make_app, api_project, advisers_key, tmp_path, monkeypatch
):
    """The events go to this host's audit spool (the configured folder), then into the trail, once."""
    log_url = f"sqlite:///{tmp_path / 'prediction_log.db'}"
    app = make_app(decision_log={"url": log_url, "spool_dir": str(tmp_path / "spool")})
    services = current_services_of(app)
    assert services.audit.spool.path == tmp_path / "spool" / "audit_events.spool.jsonl"
    assert services.decision_log.spool_path == tmp_path / "spool" / "prediction_log.spool.jsonl"
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    headers = {"X-API-Key": advisers_key}
    with monkeypatch.context() as outage:
        _database_down(services, outage)
        during = app.test_client().get(f"{PREFIX}/clients/{client_id}", headers=headers)
        assert during.status_code == 200
        assert services.audit.spool.records() == 1
    assert services.audit.export(user="crm-service") == []  # not in the database yet
    after = app.test_client().get(f"{PREFIX}/clients/{client_id}/score", headers=headers)
    assert after.status_code == 200
    events = services.audit.export(user="crm-service")
    assert [(event["action"], event["request_id"]) for event in events] == [
        ("client.view", during.headers["X-Request-ID"]),
        ("client.score", after.headers["X-Request-ID"]),
    ]
    assert services.audit.spool.records() == 0 and services.audit.replay_spool() == 0


def test_an_answer_the_trail_cannot_record_is_withheld(
    make_app, api_project, advisers_key, tmp_path, monkeypatch
):
    """The database refuses and the spool cannot be written (a full or read-only disk): 503, reason named."""
    (tmp_path / "a-file").write_text("not a folder")
    log_url = f"sqlite:///{tmp_path / 'prediction_log.db'}"
    app = make_app(decision_log={"url": log_url, "spool_dir": str(tmp_path / "a-file" / "spool")})
    _database_down(current_services_of(app), monkeypatch)
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[0])
    response = app.test_client().get(f"{PREFIX}/clients/{client_id}", headers={"X-API-Key": advisers_key})
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable" and "audit trail" in error["message"]
    assert error["details"] == [{"field": None, "problem": "audit_unavailable"}]
    assert "income" not in response.get_data(as_text=True)
