"""The dashboard's client gives the same answers through the in-process transport (`dash_app.in_process`,
what `make serve` uses) as over real HTTP, errors included, and works from inside a request of the server
that mounts the API (a dashboard callback)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from werkzeug.serving import make_server

from credit_scoring.api import register_api
from dash_app.api_client import ApiClient, ApiError
from dash_app.config import DashboardSettings
from dash_app.in_process import IN_PROCESS_ORIGIN, in_process_session
from tests.api.project import API_KEY, api_config

VOLATILE = {"request_id", "timestamp", "latency_ms"}


def stable(answer: Any) -> Any:
    """An answer without the fields that differ between two calls (request id, time, latency)."""
    if isinstance(answer, dict):
        return {key: stable(value) for key, value in answer.items() if key not in VOLATILE}
    if isinstance(answer, list):
        return [stable(item) for item in answer]
    return answer


@pytest.fixture
def clients(app: flask.Flask) -> Iterator[tuple[ApiClient, ApiClient]]:
    """(over HTTP to a real server on a free port, in process) for the same app."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    over_http = ApiClient(
        DashboardSettings(api_url=f"http://127.0.0.1:{server.port}/api/v1", api_key=API_KEY)
    )
    in_process = ApiClient(
        DashboardSettings(api_url=f"{IN_PROCESS_ORIGIN}/api/v1", api_key=API_KEY),
        session=in_process_session(app),
    )
    yield over_http, in_process
    server.shutdown()


def test_both_transports_give_the_same_answers(clients, api_project) -> None:
    client_id = int(api_project["raw_tables"]["application_test"]["SK_ID_CURR"].iloc[0])
    calls = [
        lambda client: client.ready(),
        lambda client: client.model_info("fr"),
        lambda client: client.search_clients({"decision": "refused"}, page_size=5),
        lambda client: client.client_info(client_id),
        lambda client: client.client_score(client_id, "fr", top_k=3),
        lambda client: client.similar_clients(client_id, k=5),
        lambda client: client.predict({"SK_ID_CURR": client_id, "AMT_CREDIT": 250_000.0}, "en", top_k=4),
        lambda client: client.distribution("AMT_CREDIT", group="similar", client_id=client_id),
    ]
    over_http, in_process = clients
    for call in calls:
        assert stable(call(in_process)) == stable(call(over_http))


def test_errors_are_the_same_api_errors(clients) -> None:
    outcomes = []
    for client in clients:
        with pytest.raises(ApiError) as raised:
            client.client_info(1)
        outcomes.append((raised.value.status, raised.value.code, raised.value.message))
    assert outcomes[0] == outcomes[1] and outcomes[0][:2] == (404, "not_found")


def test_a_request_of_the_host_server_calls_its_api_in_process(
    api_project, served_model, row_builder, tmp_path
):
    host = flask.Flask("host")
    register_api(host, api_config(api_project, tmp_path / "log.db"), served=served_model, rows=row_builder)
    client = ApiClient(
        DashboardSettings(api_url=f"{IN_PROCESS_ORIGIN}/api/v1", api_key=API_KEY),
        session=in_process_session(host),
    )

    @host.get("/callback")
    def callback() -> dict[str, Any]:
        return {"version": client.ready()["model"]["version"], "still_here": flask.request.path}

    answer = host.test_client().get("/callback")
    assert answer.status_code == 200
    assert answer.json == {"version": served_model.version, "still_here": "/callback"}
    wrong_key = ApiClient(
        DashboardSettings(api_url=f"{IN_PROCESS_ORIGIN}/api/v1", api_key="not-a-key-at-all"),
        session=in_process_session(host),
    )
    with pytest.raises(ApiError) as raised:
        wrong_key.ready()
    assert raised.value.status == 401
