"""The API under gunicorn on 127.0.0.1 with two workers: concurrent requests all answered correctly, exactly
one decision record per request, and a restart keeps the log. Bounded: 60 requests, 8 at a time, timeouts on
every call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from credit_scoring.serving.decision_log import DecisionLog
from tests.api.gunicorn_server import running_gunicorn
from tests.api.project import API_KEY
from tests.api.test_api_routes import production_application

pytestmark = pytest.mark.slow
REQUESTS, CONCURRENCY, TIMEOUT = 60, 8, 60


def _environment(api_project: dict[str, Any], log_url: str) -> dict[str, str]:
    return {
        "CREDIT_SCORING_ROOT": str(api_project["root"]),
        "CREDIT_SCORING_API_KEYS": API_KEY,
        "CREDIT_SCORING_PREDICTION_LOG_URL": log_url,
        "MLFLOW_TRACKING_URI": str(api_project["tracking_uri"]),
    }


def _send(base_url: str, payload: dict[str, Any], reasons: bool) -> requests.Response:
    return requests.post(
        f"{base_url}/api/v1/predict",
        params={"reasons": str(reasons).lower()},
        json=payload,
        headers={"X-API-Key": API_KEY},
        timeout=TIMEOUT,
    )


def test_concurrent_requests_under_gunicorn_are_all_answered_and_logged_once(
    api_project: dict[str, Any], tmp_path: Path
) -> None:
    expected = api_project["predictions"].set_index("SK_ID_CURR")["probability"]
    n_clients = len(api_project["raw_tables"]["application_test"])
    payloads = [production_application(api_project, i % n_clients) for i in range(REQUESTS)]
    log_url = f"sqlite:///{tmp_path}/prediction_log.db"
    environment = _environment(api_project, log_url)

    with (
        running_gunicorn(environment, workers=2, api_key=API_KEY, log_file=tmp_path / "gunicorn.log") as url,
        ThreadPoolExecutor(max_workers=CONCURRENCY) as pool,
    ):
        responses = list(pool.map(lambda i: _send(url, payloads[i], reasons=i % 2 == 0), range(REQUESTS)))

    request_ids = []
    for payload, response in zip(payloads, responses, strict=True):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["probability"] == expected[payload["SK_ID_CURR"]]
        assert body["client_id"] == payload["SK_ID_CURR"]
        request_ids.append(body["request_id"])
    assert len(set(request_ids)) == REQUESTS

    log = DecisionLog(log_url)
    records = log.records()
    assert sorted(record["request_id"] for record in records) == sorted(request_ids)  # exactly one each
    by_id = {record["request_id"]: record for record in records}
    for request_id, response in zip(request_ids, responses, strict=True):
        assert by_id[request_id]["probability"] == response.json()["probability"]

    # a restart keeps every record and appends the new ones
    with running_gunicorn(environment, workers=1, api_key=API_KEY, log_file=tmp_path / "gunicorn.log") as url:
        after = _send(url, payloads[0], reasons=False)
    assert after.status_code == 200
    assert DecisionLog(log_url).count() == REQUESTS + 1
