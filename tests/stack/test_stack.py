"""The local stack (`credit_scoring.ops.stack`, ``make stack``) end to end: PostgreSQL, an MLflow tracking
server and two app servers (``scripts/serve``) as real processes on loopback ports.

On a tiny project (the sample raw tables through the batch path, `tests.api.project`) in a temporary folder,
with its own state folder and free ports: two small models are registered on the tracking server over HTTP
(artifacts stored through it), both hosts serve the champion and answer the same for one client, an alias
move (promote, then rollback) is followed by both, the PostgreSQL server stopped for a few seconds while
requests flow loses no request and no decision record, a restarted tracking server leaves the hosts serving;
then everything stops and no process of the stack is left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import psycopg
import pyarrow.parquet as pq
import pytest
import requests
import yaml

from credit_scoring import registry
from credit_scoring.ops import stack
from credit_scoring.ops.postgres import free_port, postgres_missing
from credit_scoring.serving.serving_data import publish_serving_data, serving_tables
from tests.api import project
from tests.fixtures.raw_tables import make_raw_tables

pytestmark = [pytest.mark.stack, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHECK_INTERVAL_S = 1.0
FOLLOW_TIMEOUT_S = 90.0
CLIENT = {"SK_ID_CURR": 200_001, "AMT_INCOME_TOTAL": 135_000.0, "AMT_CREDIT": 568_800.0}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _tiny_project(root: Path, training: Path) -> dict[str, Any]:
    """The app's settings in ``root`` (the alias checked every second), no ``data/`` folder: the hosts get
    everything else from the registry; batch outputs of the sample tables in ``training``, where the
    models are trained and the serving tables published with each version come from."""
    frames = project.write_batch_outputs(make_raw_tables(), training)
    data = training / "data"
    frames["serving_data"] = serving_tables(
        clients=pq.read_table(data / "02_intermediate" / "staged_application_test.parquet"),
        client_features=frames["scoring_input_table"],
        training_clients=pq.read_table(data / "02_intermediate" / "staged_application_train.parquet"),
        history_features=pq.read_table(data / "04_feature" / "client_history_features.parquet"),
    )
    (root / "conf" / "base").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "conf" / "base" / "app.yml", root / "conf" / "base" / "app.yml")
    (root / "conf" / "local").mkdir(parents=True)
    local = {"model": {"check_interval_s": CHECK_INTERVAL_S}}
    (root / "conf" / "local" / "app.yml").write_text(yaml.safe_dump(local), encoding="utf-8")
    return frames


@pytest.fixture(scope="module")
def running_stack() -> Iterator[dict[str, Any]]:
    reason = postgres_missing()
    if reason:
        (pytest.fail if _in_ci() else pytest.skip)(reason)
    # under /tmp, reachable by the postgres user (pytest's own temporary folders are private to root)
    base = Path(tempfile.mkdtemp(prefix="pytest-stack-"))
    base.chmod(0o711)
    root = base / "project"
    began = time.monotonic()
    frames = _tiny_project(root, base / "training")
    print(f"tiny project built in {time.monotonic() - began:.1f} s")
    ports = [free_port() for _ in range(4)]
    config = stack.StackConfig(
        root=root,
        state_dir=base / "state",
        postgres_port=ports[0],
        mlflow_port=ports[1],
        app_ports=(ports[2], ports[3]),
        workers=1,
        timeout_s=240,
    )
    began = time.monotonic()
    try:
        state = stack.up(config, echo=lambda _line: None)
        print(f"stack started in {time.monotonic() - began:.1f} s")
        yield {"config": config, "state": state, "frames": frames}
    finally:
        recorded = stack.recorded_processes(stack.read_state(config) or {})
        stack.down(config, echo=lambda _line: None)
        left = {process.name: process.members() for process in recorded if process.members()}
        shutil.rmtree(base, ignore_errors=True)
        assert not left, f"processes left after down: {left}"


def _headers(config: stack.StackConfig) -> dict[str, str]:
    return {"X-API-Key": stack.stack_secrets(config)["api_key"]}


def _register(config: stack.StackConfig, frames: dict[str, Any], *, champion: bool, sample: float) -> str:
    """A small model trained on a share of the clients, registered on the stack's server over HTTP."""
    client = mlflow.MlflowClient(config.mlflow_url)
    if client.get_experiment_by_name("api-tests") is None:  # artifacts stored through the server
        client.create_experiment("api-tests")
    table = frames["model_input_table"]
    model = project.train_model(table.sample(frac=sample, random_state=1) if sample < 1 else table)
    example = frames["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    unused = config.state_dir / "unused-artifacts"  # the experiment exists: its location is the server's
    version = project.register(model, example, config.mlflow_url, unused, promote=False)
    # the serving tables go with the version, as the modelling run publishes them: before an alias names it
    publish_serving_data(
        client, client.get_model_version(project.MODEL_NAME, version).run_id, frames["serving_data"]
    )
    if champion:
        registry.promote(client, project.MODEL_NAME, version)
    return version


def _ready_versions(state: dict[str, Any], headers: dict[str, str]) -> list[str | None]:
    versions = []
    for app in state["apps"]:
        try:
            answer = requests.get(f"{app['url']}/api/v1/ready", headers=headers, timeout=10)
            body = answer.json()
        except (requests.RequestException, ValueError):
            versions.append(None)
            continue
        versions.append((body.get("model") or {}).get("version") if answer.status_code == 200 else None)
    return versions


def _wait_for_version(state: dict[str, Any], headers: dict[str, str], version: str) -> float:
    began = time.monotonic()
    while time.monotonic() - began < FOLLOW_TIMEOUT_S:
        if _ready_versions(state, headers) == [version] * len(state["apps"]):
            return time.monotonic() - began
        time.sleep(0.5)
    raise AssertionError(f"the hosts serve {_ready_versions(state, headers)}, not version {version}")


def _score(state: dict[str, Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    answers = []
    for app in state["apps"]:
        answer = requests.post(f"{app['url']}/api/v1/predict", json=CLIENT, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        answers.append(answer.json())
    return answers


def _registry(config: stack.StackConfig, *arguments: str) -> None:
    command = [
        sys.executable,
        "-m",
        "credit_scoring.registry",
        *arguments,
        "--tracking-uri",
        config.mlflow_url,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _decision_ids(state: dict[str, Any]) -> set[str]:
    """The request ids of the decision log's records (table prediction_log of the application database)."""
    url = state["postgres"]["urls"][stack.APP_DATABASE].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        return {row[0] for row in connection.execute("SELECT request_id FROM prediction_log")}


def _audited_decisions(state: dict[str, Any]) -> list[str]:
    """The request ids of the decisions in the audit trail (duplicates included)."""
    url = state["postgres"]["urls"][stack.APP_DATABASE].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        query = "SELECT request_id FROM audit_events WHERE action = 'decision.served'"
        return [row[0] for row in connection.execute(query)]


def test_two_hosts_follow_the_registry_and_survive_outages(running_stack: dict[str, Any]) -> None:
    config, state, frames = running_stack["config"], running_stack["state"], running_stack["frames"]
    headers = _headers(config)
    assert _ready_versions(state, headers) == [None, None]  # no model registered yet: not ready

    first = _register(config, frames, champion=True, sample=1.0)
    second = _register(config, frames, champion=False, sample=0.6)
    print(f"both hosts loaded version {first} in {_wait_for_version(state, headers, first):.1f} s")
    # each host got the version's tables from the registry into its own cache: there is no data folder
    assert not (config.root / "data").exists()
    for name in stack.APP_NAMES:
        cache = config.state_dir / "hosts" / name / "cache"
        assert len(list(cache.glob(f"{project.MODEL_NAME}-v{first}-*/history_store/values.npy"))) == 1
    answers = _score(state, headers)
    assert {answer["model"]["version"] for answer in answers} == {first}
    assert answers[0]["probability"] == answers[1]["probability"]
    first_probability = answers[0]["probability"]

    _registry(config, "promote", "--version", second)
    print(f"both hosts followed the promotion in {_wait_for_version(state, headers, second):.1f} s")
    answers = _score(state, headers)
    assert {answer["model"]["version"] for answer in answers} == {second}
    assert answers[0]["probability"] == answers[1]["probability"] != first_probability

    _registry(config, "rollback")
    print(f"both hosts followed the rollback in {_wait_for_version(state, headers, first):.1f} s")
    answers = _score(state, headers)
    assert [answer["probability"] for answer in answers] == [first_probability] * 2
    assert {answer["request_id"] for answer in answers} <= _decision_ids(state)

    # PostgreSQL stopped for a few seconds while both hosts answer: every request is answered (200), and every
    # answered decision reaches the decision log and the audit trail once it is back, exactly once (each
    # host's spools catch up)
    answers_during: list[tuple[int, str]] = []
    errors: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            for app in state["apps"]:
                try:
                    answer = requests.post(
                        f"{app['url']}/api/v1/predict", json=CLIENT, headers=headers, timeout=60
                    )
                    body = answer.json()
                    key = body.get("request_id") if answer.status_code == 200 else body["error"]["code"]
                    answers_during.append((answer.status_code, key))
                except (requests.RequestException, ValueError, KeyError) as error:
                    errors.append(repr(error))
            time.sleep(0.1)

    postgres = config.postgres()
    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        time.sleep(1)
        postgres.stop()
        time.sleep(4)
        postgres.start()
        time.sleep(2)
    finally:
        stop.set()
        sender.join(timeout=120)
    assert not errors, errors[:5]
    assert {status for status, _ in answers_during} == {200}, answers_during
    answered = {key for _, key in answers_during}
    answered |= {answer["request_id"] for answer in _score(state, headers)}  # back: all answer again
    began = time.monotonic()
    while (
        not (answered <= _decision_ids(state) and answered <= set(_audited_decisions(state)))
        and time.monotonic() - began < 30
    ):
        time.sleep(0.5)
    assert answered <= _decision_ids(state)
    audited = _audited_decisions(state)
    assert answered <= set(audited) and len(audited) == len(set(audited))
    print(
        f"PostgreSQL outage: {len(answers_during)} requests, all answered; the decisions and audit events "
        f"of all {len(answered)} recorded once"
    )

    # the tracking server restarted: the hosts keep serving the version they loaded
    mlflow_process = stack.recorded_processes(stack.read_state(config) or {})[-1]
    mlflow_process.stop()
    time.sleep(2 * CHECK_INTERVAL_S + 1)
    answers = _score(state, headers)
    assert {answer["model"]["version"] for answer in answers} == {first}
    ready = [requests.get(f"{app['url']}/api/v1/ready", headers=headers, timeout=10) for app in state["apps"]]
    assert [answer.status_code for answer in ready] == [200, 200]
    assert [answer.json()["registry"]["reachable"] for answer in ready] == [False, False]
    assert [answer.json()["data_source"] for answer in ready] == ["registry", "registry"]
    print("tracking server down, the hosts say:", [answer.json()["registry"]["problem"] for answer in ready])
    restarted = stack.start_tracking_server(config, postgres)
    current = stack.read_state(config) or {}
    current["mlflow"]["process"] = vars(restarted)
    stack._write_private(config.state_file, current)
    stack.wait_for(f"{config.mlflow_url}/health", restarted, config.timeout_s)
    _registry(config, "promote", "--version", second)
    seconds = _wait_for_version(state, headers, second)
    print(f"after the restart, both hosts followed a promotion in {seconds:.1f} s")
