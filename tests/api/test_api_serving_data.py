"""A host that has nothing but the registry's URL: the API over a project root without a ``data/`` folder
loads the champion and the tables published with its version (`credit_scoring.serving.serving_data`), and
answers exactly as a host reading the project's batch outputs does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from flask import Flask

from credit_scoring import registry
from credit_scoring.api import create_app
from credit_scoring.api.services import current_services
from credit_scoring.serving.serving_data import CACHE_ENV, publish_serving_data, serving_tables
from tests.api.project import API_KEY, MODEL_NAME, api_config, register

PREFIX = "/api/v1"
HEADERS = {"X-API-Key": API_KEY}


def _published_registry(project: dict[str, Any], base: Path) -> str:
    """A registry whose champion (the project's model) carries the project's serving tables."""
    tracking_uri = f"sqlite:///{base / 'mlflow.db'}"
    example = project["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    version = register(project["model"], example, tracking_uri, base / "mlartifacts")
    client = registry.client_for(tracking_uri)
    data = Path(project["root"]) / "data"
    tables = serving_tables(
        clients=pq.read_table(data / "02_intermediate" / "staged_application_test.parquet"),
        client_features=project["scoring_input_table"],
        training_clients=pq.read_table(data / "02_intermediate" / "staged_application_train.parquet"),
        history_features=pq.read_table(data / "04_feature" / "client_history_features.parquet"),
    )
    publish_serving_data(client, client.get_model_version(MODEL_NAME, version).run_id, tables)
    return tracking_uri


@pytest.fixture(scope="module")
def hosts(api_project: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Flask]:
    """``registry``: a bare host (no data folder) on a registry with published tables; ``data folder``: a
    host over the project's files, on the project's registry (whose version published none)."""
    base = tmp_path_factory.mktemp("bare_host")
    tracking_uri = _published_registry(api_project, base)
    bare = base / "host"
    bare.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(base / "cache"))
        published = create_app(
            {
                **api_config({"root": bare, "tracking_uri": tracking_uri}, base / "bare-log.db"),
                "model": {"tracking_uri": tracking_uri, "check_interval_s": 0},
            },
            json_logs=False,
        )
    local = create_app(
        {
            **api_config(api_project, base / "local-log.db"),
            "model": {"tracking_uri": api_project["tracking_uri"], "check_interval_s": 0},
        },
        json_logs=False,
    )
    assert not (bare / "data" / "02_intermediate").exists()
    return {"registry": published, "data folder": local, "cache": base / "cache"}


def test_a_bare_host_is_ready_on_the_registrys_tables(hosts) -> None:
    for source in ("registry", "data folder"):
        app = hosts[source]
        answer = app.test_client().get(f"{PREFIX}/ready", headers=HEADERS)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["data_source"] == source
        with app.app_context():
            assert current_services().state.data_source == source
    prepared = list(hosts["cache"].glob(f"{MODEL_NAME}-v*/history_store/values.npy"))
    assert len(prepared) == 1  # the history store, prepared once in the host's cache


def test_both_hosts_answer_the_same(hosts, api_project) -> None:
    client_id = int(api_project["predictions"]["SK_ID_CURR"].iloc[2])
    application = api_project["scoring_input_table"].iloc[2]
    request = {"SK_ID_CURR": client_id, "AMT_INCOME_TOTAL": 135_000.0, "AMT_CREDIT": 568_800.0}
    answers = {}
    for source in ("registry", "data folder"):
        client = hosts[source].test_client()
        score = client.get(f"{PREFIX}/clients/{client_id}/score?top_k=3", headers=HEADERS).get_json()
        similar = client.get(f"{PREFIX}/clients/{client_id}/similar?k=5", headers=HEADERS).get_json()
        predicted = client.post(f"{PREFIX}/predict", json=request, headers=HEADERS).get_json()
        answers[source] = (score, similar, predicted)
    (score, similar, predicted), (local_score, local_similar, local_predicted) = answers.values()
    assert score["probability"] == local_score["probability"]
    assert score["reasons"] == local_score["reasons"]
    assert similar["neighbours"] == local_similar["neighbours"]
    assert predicted["probability"] == local_predicted["probability"]
    assert predicted["reasons"] == local_predicted["reasons"]
    assert application["SK_ID_CURR"] == client_id
