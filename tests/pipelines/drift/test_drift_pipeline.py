"""The drift pipeline end to end on tiny data: no alert without drift, alerts and webhook calls with it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from credit_scoring.monitoring.data_drift import external_assets
from credit_scoring.pipelines.drift.datasets import AlertWebhookDataset, PredictionLogDataset
from credit_scoring.pipelines.drift.pipeline import create_pipeline
from credit_scoring.registry import RegisteredModel
from tests.fixtures.drift_world import applications, drift_params
from tests.fixtures.prediction_log import write_prediction_log

SUMMARY_KEYS = {
    "status",
    "dataset_drift",
    "number_of_columns",
    "number_of_drifted_columns",
    "share_of_drifted_columns",
    "columns",
    "score_stability",
    "feature_stability",
    "recommended_action",
    "interpretation",
}


class KeptDataset(MemoryDataset):
    """In-memory output the runner cannot release, readable after the run."""

    def release(self) -> None:
        return None


class Webhook:
    """A local HTTP server recording each POSTed JSON body."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.received = received
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/drift"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    server = Webhook()
    monkeypatch.setenv("DRIFT_ALERT_WEBHOOK_URL", server.url)
    yield server
    server.close()


def run_drift(
    world: dict[str, Any], production: pd.DataFrame, params: dict[str, Any], log_url: str | None = None
) -> dict[str, Any]:
    pipeline = create_pipeline()
    outputs = set(pipeline.all_outputs()) - {"drift_alert_webhook"}
    catalog = DataCatalog(
        {
            **{name: KeptDataset() for name in outputs},
            "staged_application_train": MemoryDataset(applications(world["model_input_table"])),
            "staged_application_test": MemoryDataset(applications(production)),
            "model_input_table": MemoryDataset(world["model_input_table"]),
            "scoring_input_table": MemoryDataset(production),
            "modelling_holdout_table": MemoryDataset(world["modelling_holdout_table"]),
            "model_bundle": MemoryDataset(world["model_bundle"], copy_mode="assign"),
            "registered_model": MemoryDataset(
                RegisteredModel(version="4", run_id=None, model=world["model_bundle"]), copy_mode="assign"
            ),
            "params:described_model": MemoryDataset("champion"),
            "prediction_log": PredictionLogDataset(url=log_url or "sqlite:///does-not-exist.db"),
            "drift_alert_webhook": AlertWebhookDataset(timeout_s=2),
            "params:drift": MemoryDataset(params),
            "params:random_state": MemoryDataset(42),
        }
    )
    SequentialRunner().run(pipeline, catalog)
    return {name: catalog.load(name) for name in outputs}


def test_same_population_raises_no_alert(drift_world: dict[str, Any], webhook: Webhook) -> None:
    result = run_drift(drift_world, drift_world["production"], drift_params())
    summary = result["drift_summary"]
    assert summary["model"]["version"] == "4" and summary["model"]["source"] == "champion"
    assert set(summary) >= SUMMARY_KEYS
    assert summary["status"] == "ok", summary["interpretation"]
    assert summary["dataset_drift"] is False and summary["number_of_drifted_columns"] == 0
    assert summary["score_stability"]["band"] == "stable"
    assert result["drift_alerts"] == [] and result["drift_alerts_log"] == ""
    assert webhook.received == []
    assert summary["recommended_action"] == "keep_monitoring"
    # every compared column, sorted by model importance, with method, score, threshold and verdict
    shares = [column["importance_share"] for column in summary["columns"]]
    assert shares == sorted(shares, reverse=True)
    assert {c["column"] for c in summary["columns"]} >= {"FEATURE_000", "CATEGORY_00", "FEATURE_004"}
    assert all({"method", "score", "threshold", "drifted"} <= set(c) for c in summary["columns"])
    html = result["drift_report"]
    assert html.lstrip().startswith("<!DOCTYPE html>") and external_assets(html) == []


def test_injected_drift_alerts_once_per_fired_rule(drift_world: dict[str, Any], webhook: Webhook) -> None:
    result = run_drift(drift_world, drift_world["drifted_production"], drift_params())
    summary = result["drift_summary"]
    assert summary["status"] == "alert"
    drifted = {c["column"] for c in summary["columns"] if c["drifted"]}
    assert {"FEATURE_000", "FEATURE_001", "FEATURE_004", "CATEGORY_00"} <= drifted
    assert summary["score_stability"]["psi"] > 0.25
    fired_alerts = [rule["rule"] for rule in summary["fired_rules"] if rule["severity"] == "alert"]
    assert set(fired_alerts) == {"top_features_drifted", "score_psi_significant"}
    assert [alert["rule"] for alert in webhook.received] == fired_alerts  # one POST per alert, in order
    lines = [json.loads(line) for line in result["drift_alerts_log"].splitlines()]
    assert [line["rule"] for line in lines] == fired_alerts
    assert summary["recommended_action"] == "retrain"
    assert "FEATURE_000" in summary["interpretation"] and "Retrain" in summary["interpretation"]


def test_prediction_log_is_the_current_data(drift_world: dict[str, Any], tmp_path: Path) -> None:
    production = drift_world["drifted_production"]
    fields = applications(production).drop(columns=["_UNPARSED_VALUES"])
    probabilities = drift_world["model_bundle"].predict_proba(production)
    url = write_prediction_log(tmp_path / "log.db", fields, probabilities, start="2026-12-01T00:00:00Z")
    params = drift_params()
    params["current"] = {
        "source": "prediction_log",
        "prediction_log": {"start": "2026-12-01T00:00:00Z", "end": "2026-12-01T12:00:00Z"},
    }
    summary = run_drift(drift_world, drift_world["production"], params, log_url=url)["drift_summary"]
    current = summary["current"]
    assert current["source"] == "prediction_log" and 0 < current["rows"] < len(production)
    assert current["rows_with_batch_features"] == current["rows"]  # known clients: batch features found
    assert summary["status"] == "alert"
    assert {"FEATURE_000", "CATEGORY_00"} <= {c["column"] for c in summary["columns"] if c["drifted"]}


def test_an_unreachable_webhook_does_not_fail_the_run(caplog: pytest.LogCaptureFixture) -> None:
    dataset = AlertWebhookDataset(url="http://127.0.0.1:9/unreachable", timeout_s=0.5)
    dataset.save([{"rule": "score_psi_significant"}])  # logged, not raised
    assert "webhook call failed" in caplog.text
