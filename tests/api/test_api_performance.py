"""GET /performance serves the performance pipeline's summary (``08_reporting/performance_summary.json``)
as the drift route serves its own: validated against `PerformanceSummary`, 404 with the command until the
pipeline ran, 500 naming the fields of a file of another shape, for the keys and people of the ``drift``
scope only, and described in the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credit_scoring.access.acting import ACTING_USER_HEADER, sign_acting_user
from credit_scoring.access.keys import KeyStore
from credit_scoring.api import schemas
from credit_scoring.api.config import API_KEYS_ENV
from tests.api.project import API_KEY
from tests.api.test_api_routes import PREFIX, error_of

FIXTURE = Path(__file__).resolve().parents[1] / "dash_app" / "performance_summary.json"
"""A summary of the performance pipeline's shape: two model versions, a promotion in 2027-04, an alert in
2027-06, periods without labelled loans and one without decision (shared with the dashboard's tests)."""
SECRET = "a-secret-of-this-deployment-" + "x" * 16


@pytest.fixture
def performance_summary() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def summary_file(api_project: dict[str, Any]):
    """Writes ``data/08_reporting/performance_summary.json`` where the pipeline writes it; removed after."""
    path = Path(api_project["root"]) / "data" / "08_reporting" / "performance_summary.json"

    def write(content: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
        return path

    yield write
    path.unlink(missing_ok=True)


def test_the_fixture_has_the_pipeline_schema(performance_summary: dict[str, Any]) -> None:
    validated = schemas.PerformanceSummary.model_validate(performance_summary)
    assert validated.model_dump(mode="json", exclude_unset=True) == performance_summary  # nothing ignored
    versions = {period.model_version for period in validated.periods}
    assert versions == {"3", "4", None}


def test_performance_serves_the_pipeline_summary(client, headers, performance_summary, summary_file) -> None:
    summary_file(performance_summary)
    response = client.get(f"{PREFIX}/performance", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    expected = schemas.PerformanceSummary.model_validate(performance_summary).model_dump(mode="json")
    assert response.get_json() == expected  # as written, fields with a default included


def test_performance_answers_404_with_the_command_until_the_pipeline_ran(client, headers) -> None:
    response = client.get(f"{PREFIX}/performance", headers=headers)
    error = error_of(response)
    assert response.status_code == 404
    assert "no performance summary yet: performance_summary.json is missing" in error["message"]
    assert "make simulate" in error["message"] and "make monitor" in error["message"]


def test_a_summary_of_another_shape_is_a_named_error(
    client, headers, performance_summary, summary_file
) -> None:
    broken = {**performance_summary, "status": "fine", "period": "day"}
    del broken["outcomes"]
    broken["periods"] = [{**performance_summary["periods"][0], "n_decisions": "many"}]
    del broken["periods"][0]["alert"]
    summary_file(broken)
    response = client.get(f"{PREFIX}/performance", headers=headers)
    error = error_of(response)
    assert response.status_code == 500 and error["code"] == "invalid_report"
    assert "performance_summary.json does not match the performance summary schema" in error["message"]
    fields = {detail["field"] for detail in error["details"]}
    assert {"status", "period", "outcomes", "periods.0.n_decisions", "periods.0.alert"} <= fields
    summary_file("{not json")
    response = client.get(f"{PREFIX}/performance", headers=headers)
    assert response.status_code == 500
    assert "performance_summary.json is not valid JSON" in error_of(response)["message"]


def test_performance_needs_a_key(client, performance_summary, summary_file) -> None:
    summary_file(performance_summary)
    response = client.get(f"{PREFIX}/performance")
    assert response.status_code == 401 and error_of(response)["code"]
    assert client.get(f"{PREFIX}/performance", headers={"X-API-Key": "not-a-key"}).status_code == 401


def test_performance_is_for_the_drift_scope(
    make_app, tmp_path: Path, monkeypatch, performance_summary, summary_file
) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)
    summary_file(performance_summary)
    store = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}")
    try:
        scorer, watcher = store.create("only-score", "score"), store.create("risk-service", "drift")
    finally:
        store.dispose()
    client = make_app().test_client()
    refused = client.get(f"{PREFIX}/performance", headers={"X-API-Key": scorer})
    error = error_of(refused)
    assert refused.status_code == 403 and error["code"] == "insufficient_scope"
    assert "lacks the scope 'drift'" in error["message"]
    assert client.get(f"{PREFIX}/performance", headers={"X-API-Key": watcher}).status_code == 200


def test_performance_follows_the_people_s_roles(
    make_app, monkeypatch, performance_summary, summary_file
) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)
    summary_file(performance_summary)
    client = make_app(auth={"api_keys": [API_KEY], "secret_key": SECRET}).test_client()

    def as_person(name: str, role: str) -> dict[str, str]:
        return {"X-API-Key": API_KEY, ACTING_USER_HEADER: sign_acting_user(SECRET, name, role)}

    refused = client.get(f"{PREFIX}/performance", headers=as_person("marie", "adviser"))
    assert refused.status_code == 403
    assert "marie (adviser) may not call GET /api/v1/performance" in error_of(refused)["message"]
    assert client.get(f"{PREFIX}/performance", headers=as_person("rita", "risk")).status_code == 200


def test_the_openapi_document_describes_the_performance_summary(client) -> None:
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    operation = document["paths"]["/api/v1/performance"]["get"]
    assert "monitoring" in operation["tags"] and operation["summary"]
    assert {"200", "401", "403", "404", "500"} <= set(operation["responses"])
    reference = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    components = document["components"]["schemas"]
    summary = components[reference.rsplit("/", 1)[1]]
    assert set(summary["properties"]) == set(schemas.PerformanceSummary.model_fields)
    period = components["PerformancePeriod"]["properties"]
    assert period["estimated_cost_granted"]["description"] and period["realised_cost"]["description"]
    assert set(components["PeriodAlert"]["properties"]) == {"status", "bound", "reference_cost", "reason"}
