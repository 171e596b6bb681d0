"""GET /metrics: the Prometheus text format, parsed with prometheus_client's own parser, after a few
decisions; a key with the ``metrics`` scope reads it, no key gets 401, another scope 403; the spool's records
and the ages; and the multiprocess mode, where a scrape sums every worker's values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from credit_scoring.access.keys import KeyStore
from credit_scoring.api.config import API_KEYS_ENV
from credit_scoring.api.metrics import spooled_records
from tests.api.gunicorn_server import running_gunicorn
from tests.api.project import API_KEY

PREFIX = "/api/v1"
HEADERS = {"X-API-Key": API_KEY}


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


def application(api_project: dict[str, Any], index: int) -> dict[str, Any]:
    frame = api_project["raw_tables"]["application_test"]
    row = json.loads(frame.iloc[[index]].to_json(orient="records"))[0]
    row.pop("SK_ID_CURR", None)
    return {key: value for key, value in row.items() if value is not None}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the page: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client, key: str = API_KEY) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get(f"{PREFIX}/metrics", headers={"X-API-Key": key})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def value(page: dict, name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_scrape_counts_requests_latency_and_decisions(client, api_project, served_model) -> None:
    before = scrape(client)
    decisions: list[str] = []
    for index in range(3):
        response = client.post(f"{PREFIX}/predict", json=application(api_project, index), headers=HEADERS)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        decisions.append(response.get_json()["decision"])
    simulated = client.post(
        f"{PREFIX}/predict?simulation=true", json=application(api_project, 0), headers=HEADERS
    )
    assert simulated.status_code == 200
    assert client.get(f"{PREFIX}/model").status_code == 401
    assert client.get(f"{PREFIX}/no/such/route", headers=HEADERS).status_code == 404
    after = scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "credit_scoring_api_requests_total"
    assert moved(requests, route="/predict", method="POST", status="200") == 4
    assert moved(requests, route="/model", method="GET", status="401") == 1
    assert moved(requests, route="unmatched", method="GET", status="404") == 1
    assert moved(requests, route="/metrics", method="GET", status="200") == 1  # the first scrape
    latency = "credit_scoring_api_request_duration_seconds"
    assert moved(f"{latency}_count", route="/predict", method="POST") == 4
    assert moved(f"{latency}_bucket", route="/predict", method="POST", le="+Inf") == 4
    assert moved(f"{latency}_sum", route="/predict", method="POST") > 0
    version = served_model.version
    for decision in ("granted", "refused"):  # the simulation is not a decision
        counted = moved("credit_scoring_decisions_total", decision=decision, model_version=version)
        assert counted == decisions.count(decision)
    assert after[("credit_scoring_model_load_age_seconds", ())] >= 0
    assert value(after, "credit_scoring_model_loaded_timestamp_seconds") > 0
    assert value(after, "credit_scoring_decision_log_spool_records") == 0


def test_a_batch_counts_each_decision(client, api_project, served_model) -> None:
    before = scrape(client)
    applications = [application(api_project, index) for index in range(4)]
    response = client.post(f"{PREFIX}/predict/batch", json={"applications": applications}, headers=HEADERS)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    after = scrape(client)
    counted = sum(
        value(after, "credit_scoring_decisions_total", decision=d, model_version=served_model.version)
        - value(before, "credit_scoring_decisions_total", decision=d, model_version=served_model.version)
        for d in ("granted", "refused")
    )
    assert counted == 4


def test_only_a_key_with_the_metrics_scope_reads_them(make_app, tmp_path: Path) -> None:
    client = make_app().test_client()
    store = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}")
    try:
        scraper = store.create("prometheus", "metrics")
        scorer = store.create("scoring-service", "score,drift")
    finally:
        store.dispose()
    assert client.get(f"{PREFIX}/metrics").status_code == 401
    assert client.get(f"{PREFIX}/metrics", headers={"X-API-Key": "not-a-key"}).status_code == 401
    refused = client.get(f"{PREFIX}/metrics", headers={"X-API-Key": scorer})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "insufficient_scope"
    assert scrape(client, scraper)  # the scope alone is enough
    bearer = client.get(f"{PREFIX}/metrics", headers={"Authorization": f"Bearer {scraper}"})
    assert bearer.status_code == 200  # what Prometheus' authorization.credentials_file sends
    assert client.get(f"{PREFIX}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    wrong_route = client.get(f"{PREFIX}/model", headers={"Authorization": f"Bearer {API_KEY}"})
    assert wrong_route.status_code == 401  # elsewhere the key goes in X-API-Key only
    assert client.post(f"{PREFIX}/predict", json={}, headers={"X-API-Key": scraper}).status_code == 403


def test_the_spooled_decisions_are_counted(client, app, tmp_path: Path) -> None:
    spool = app.extensions["credit_scoring_api"].decision_log.spool_path
    assert spooled_records(tmp_path / "missing.jsonl") == 0
    spool.write_text('{"request_id": "a"}\n{"request_id": "b"}\n\n', encoding="utf-8")
    assert value(scrape(client), "credit_scoring_decision_log_spool_records") == 2


_WORKER = """
import sys
from flask import Flask
from credit_scoring.api import metrics
app = Flask(__name__)
with app.test_request_context("/api/v1/predict", method="POST"):
    metrics.count_decisions([("granted", "7")] * int(sys.argv[1]))
    metrics.note_model_loaded()
    if sys.argv[2] == "scrape":
        sys.stdout.write(metrics.exposition(metrics.Path(sys.argv[3])).get_data(as_text=True))
"""


def test_in_multiprocess_mode_a_scrape_sums_the_workers(tmp_path: Path, monkeypatch) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    run = [sys.executable, "-c", _WORKER]
    subprocess.run([*run, "2", "count"], check=True, timeout=120)
    page = subprocess.run(
        [*run, "3", "scrape", str(tmp_path / "spool.jsonl")],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    parsed = samples(page)
    assert value(parsed, "credit_scoring_decisions_total", decision="granted", model_version="7") == 5
    assert parsed[("credit_scoring_model_load_age_seconds", ())] >= 0
    assert parsed[("credit_scoring_model_loaded_timestamp_seconds", ())] > 0  # one value, no pid label


@pytest.mark.slow
def test_under_gunicorn_every_scrape_sees_every_worker(api_project, served_model, tmp_path: Path) -> None:
    environment = {
        "CREDIT_SCORING_ROOT": str(api_project["root"]),
        "CREDIT_SCORING_API_KEYS": API_KEY,
        "CREDIT_SCORING_PREDICTION_LOG_URL": f"sqlite:///{tmp_path}/prediction_log.db",
        "MLFLOW_TRACKING_URI": str(api_project["tracking_uri"]),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "metrics").mkdir()
    with running_gunicorn(environment, workers=2, api_key=API_KEY, log_file=tmp_path / "gunicorn.log") as url:
        for index in range(6):
            response = requests.post(
                f"{url}{PREFIX}/predict?reasons=false",
                json=application(api_project, index),
                headers=HEADERS,
                timeout=60,
            )
            assert response.status_code == 200, response.text
        pages = [
            samples(requests.get(f"{url}{PREFIX}/metrics", headers=HEADERS, timeout=60).text)
            for _ in range(4)
        ]
    for page in pages:  # whichever worker answers
        name = "credit_scoring_api_requests_total"
        assert value(page, name, route="/predict", method="POST", status="200") == 6
        decided = sum(
            value(page, "credit_scoring_decisions_total", decision=d, model_version=served_model.version)
            for d in ("granted", "refused")
        )
        assert decided == 6
        assert page[("credit_scoring_model_load_age_seconds", ())] >= 0
        model_samples = [labels for name, labels in page if name.startswith("credit_scoring_model_")]
        assert model_samples and all("pid" not in dict(labels) for labels in model_samples)
