"""The served app's edges, on the real server (`scripts/serve`: API and dashboard on one gunicorn server, 2
workers): JSON errors for every path under /api/v1, one bound on request bodies for the whole server (chunked
ones too), sign-in on the dashboard (401 JSON for a callback and a redirect to /login for a page without a
session, 403 for a callback without the CSRF header), a 400 for bad input on the dashboard's callback endpoint
from a signed-in adviser, the JSON request log, the OpenAPI document fuzzed over HTTP with valid and invalid
requests, and 16 signed-in advisers at once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from credit_scoring.access.audit import AuditTrail
from tests.e2e.served import USERS, database_url

pytestmark = pytest.mark.slow
TWO_MIB = 2 * 1_048_576
SCORE_OUTPUT = "..score-section.children...selected-client.data.."


def api(served_server, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"X-API-Key": served_server.api_key, **kwargs.pop("headers", {})}
    return requests.request(
        method, f"{served_server.base_url}/api/v1{path}", headers=headers, timeout=60, **kwargs
    )


def error_code(response: requests.Response) -> str:
    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/predict", 405),
        ("DELETE", "/health", 405),
        ("GET", "/clients/abc", 404),
        ("GET", "/unknown", 404),
        ("POST", "/unknown/deeper", 404),
        ("GET", "", 404),
    ],
)
def test_every_path_under_the_api_answers_json(served_server, method: str, path: str, status: int) -> None:
    response = api(served_server, method, path)
    assert response.status_code == status
    assert error_code(response) == {404: "not_found", 405: "method_not_allowed"}[status]
    if status == 405:
        assert response.headers["Allow"]


def test_the_dashboards_callback_endpoint_refuses_a_body_above_the_bound(served_server) -> None:
    """Before anything reads it, even the session check: no sign-in needed to be refused."""
    body = json.dumps({"output": "x" * TWO_MIB})
    response = requests.post(
        f"{served_server.base_url}/_dash-update-component",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 413


def test_a_chunked_body_above_the_bound_is_413_not_a_json_error(served_server) -> None:
    def chunks():
        yield b'{"AMT_CREDIT": 1, "padding": "'
        for _ in range(TWO_MIB // 65536):
            yield b"x" * 65536
        yield b'"}'

    response = api(
        served_server, "POST", "/predict", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and error_code(response) == "payload_too_large"
    small = api(
        served_server,
        "POST",
        "/predict",
        data=iter([b'{"AMT_CREDIT": 500000,', b' "CNT_CHILDREN": 2.0}']),
        headers={"Content-Type": "application/json"},
    )
    assert small.status_code == 200, small.text  # a chunked body within the bound is read whole


def test_an_integer_field_takes_a_whole_float_and_refuses_a_fraction(served_server) -> None:
    assert api(served_server, "POST", "/predict", json={"CNT_CHILDREN": 2.0}).status_code == 200
    refused = api(served_server, "POST", "/predict", json={"CNT_CHILDREN": 2.5})
    assert refused.status_code == 422
    assert [detail["field"] for detail in refused.json()["error"]["details"]] == ["CNT_CHILDREN"]


@pytest.fixture(scope="module")
def adviser(served_server) -> requests.Session:
    """A session signed in as an adviser through /login (its requests carry the X-CSRFToken header)."""
    return served_server.signed_in("adviser")


def callback(served_server, body: Any, session: requests.Session | None = None) -> requests.Response:
    """A callback request as Dash's renderer sends it, from ``session`` (None: nobody signed in)."""
    url = f"{served_server.base_url}/_dash-update-component"
    return (session or requests).post(url, json=body, timeout=10)


def score_callback(value: Any) -> dict[str, Any]:
    return {
        "output": SCORE_OUTPUT,
        "outputs": [
            {"id": "score-section", "property": "children"},
            {"id": "selected-client", "property": "data"},
        ],
        "inputs": [{"id": "client-request", "property": "data", "value": value}],
        "changedPropIds": ["client-request.data"],
    }


@pytest.mark.parametrize(
    "body",
    [
        {},
        [1, 2],
        {"output": "nowhere.children", "outputs": {"id": "nowhere", "property": "children"}, "inputs": []},
        score_callback({"client_id": "abc", "lang": "en"}),
        score_callback("abc"),
        score_callback([1, 2]),
    ],
)
def test_bad_input_on_a_dashboard_callback_is_a_400(served_server, adviser, body: Any) -> None:
    assert callback(served_server, body, adviser).status_code == 400


def test_a_valid_callback_still_answers(served_server, adviser) -> None:
    client = served_server.api("clients", page_size=1)["items"][0]["client_id"]
    response = callback(served_server, score_callback({"client_id": client, "lang": "en"}), adviser)
    assert response.status_code == 200 and "score-section" in response.json()["response"]


def test_the_api_records_the_signed_in_person_behind_a_callback(served_server, adviser) -> None:
    """The person reaches the API: the score an adviser opens is recorded in the audit trail in their name
    (signed X-Acting-User), with the dashboard's key they came through."""
    if not served_server.project:
        pytest.skip("an app served elsewhere: its application database is not here")
    client = served_server.api("clients", page_size=1)["items"][0]["client_id"]
    assert (
        callback(served_server, score_callback({"client_id": client, "lang": "en"}), adviser).status_code
        == 200
    )
    trail = AuditTrail(database_url(Path(served_server.project["root"])))
    scores = [event for event in trail.export(client_id=client) if event["action"] == "client.score"]
    assert scores and scores[-1]["actor"] == USERS["adviser"] and scores[-1]["actor_kind"] == "user"
    assert scores[-1]["detail"]["via_key"]


def test_without_a_session_a_callback_is_401_json_and_a_page_goes_to_sign_in(served_server) -> None:
    client = served_server.api("clients", page_size=1)["items"][0]["client_id"]
    refused = callback(served_server, score_callback({"client_id": client, "lang": "en"}))
    assert refused.status_code == 401 and error_code(refused) == "not_signed_in"
    for path in ("/_dash-layout", "/_dash-dependencies"):
        answer = requests.get(served_server.base_url + path, timeout=30)
        assert answer.status_code == 401 and error_code(answer) == "not_signed_in", path
    page = requests.get(f"{served_server.base_url}/client?client={client}", allow_redirects=False, timeout=30)
    assert page.status_code == 302
    assert page.headers["Location"] == f"/login?next=%2Fclient%3Fclient%3D{client}"
    form = requests.get(served_server.base_url + page.headers["Location"], timeout=30)
    assert form.status_code == 200 and 'name="password"' in form.text


def test_a_signed_in_callback_without_the_csrf_header_is_403(served_server, adviser) -> None:
    client = served_server.api("clients", page_size=1)["items"][0]["client_id"]
    body = score_callback({"client_id": client, "lang": "en"})
    url = f"{served_server.base_url}/_dash-update-component"
    for token in (None, "not-the-token"):
        headers = {"X-CSRFToken": token}  # None: requests sends no such header
        refused = adviser.post(url, json=body, headers=headers, timeout=10)
        assert refused.status_code == 403 and error_code(refused) == "csrf_failed", token


def test_every_request_is_logged_as_a_json_line(served_server, adviser) -> None:
    api(served_server, "GET", "/health", headers={"X-Request-ID": "edge-log-check"})
    assert adviser.get(f"{served_server.base_url}/model", timeout=60).status_code == 200
    lines = [json.loads(line) for line in served_server.log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "credit_scoring.api.access"]
    assert any(
        line["path"] == "/api/v1/health" and line["correlation_id"] == "edge-log-check" for line in access
    )
    assert any(line["path"] == "/model" and line["status"] == 200 for line in access)
    assert all(
        "X-API-Key" not in json.dumps(line) and served_server.api_key not in json.dumps(line)
        for line in lines
    )


def test_the_openapi_document_names_the_population_features(served_server) -> None:
    document = api(served_server, "GET", "/openapi.json").json()
    parameters = document["paths"]["/api/v1/population/distribution"]["get"]["parameters"]
    feature = next(parameter for parameter in parameters if parameter["name"] == "feature")
    assert {"probability", "AGE_YEARS", "AMT_CREDIT"} <= set(feature["schema"]["enum"])


@pytest.mark.parametrize(
    "mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda mode: mode.value
)
def test_fuzzing_the_served_api_over_http(served_server, mode: GenerationMode) -> None:
    """Valid requests get documented answers; invalid ones get a 4xx, never a 5xx."""
    schema = schemathesis.openapi.from_url(f"{served_server.base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    checks = (
        [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
        if mode is GenerationMode.POSITIVE
        else [not_a_server_error, negative_data_rejection, content_type_conformance]
    )
    fuzzed = 0
    for operation in operations:

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case) -> None:
            case.call_and_validate(
                base_url=served_server.base_url,
                headers={"X-API-Key": served_server.api_key},
                checks=checks,
            )

        try:
            call()
        except Unsatisfiable:  # nothing invalid can be sent to it (no parameter, no body): /health, /ready
            assert mode is GenerationMode.NEGATIVE
            continue
        fuzzed += 1
    assert fuzzed >= 8


def test_sixteen_advisers_at_once_do_not_stall_the_server(served_server) -> None:
    """16 signed-in advisers send a score callback at once (each used to hold a thread while calling the same
    server's API) and a service calls /predict meanwhile: every request answers within the dashboard's 10 s
    timeout; past the bound a callback gets a 503 at once, never a hang; the service is answered."""
    client = served_server.api("clients", page_size=16)["items"]
    bodies = [score_callback({"client_id": item["client_id"], "lang": "en"}) for item in client]
    bodies = (bodies * 16)[:16]
    with ThreadPoolExecutor(4) as pool:  # 16 sessions of the adviser, signed in before the rush
        sessions = list(pool.map(lambda _: served_server.signed_in("adviser"), range(16)))

    def advise(session_and_body: tuple[requests.Session, dict[str, Any]]) -> int:
        return callback(served_server, session_and_body[1], session_and_body[0]).status_code

    def serve() -> list[int]:
        return [
            api(served_server, "POST", "/predict", json={"AMT_CREDIT": 3e5 + i}).status_code for i in range(5)
        ]

    with ThreadPoolExecutor(17) as pool:
        service = pool.submit(serve)
        # a callback times out (raises) after 10 s: none may
        statuses = list(pool.map(advise, zip(sessions, bodies, strict=True)))
        assert service.result() == [200] * 5
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 4, statuses
