"""A running API follows the champion alias: promote and roll back while a client sends requests without
pause; no request fails, each answer is scored, explained and logged by one version and names it, and after
the switch every answer names the new version."""

from __future__ import annotations

import copy
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from mlflow.tracking import MlflowClient

from credit_scoring import registry
from credit_scoring.api import create_app
from credit_scoring.api.services import current_services
from credit_scoring.serving.following import AliasFollower
from tests.api.project import API_KEY, MODEL_NAME, api_config, build_project, register

INTERVAL_S = 0.3
SWITCH_DEADLINE_S = (
    20.0  # the interval, loading a version (tiny model) and its clients' scores, on a busy machine
)


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The tiny project with version 1 (champion, threshold 0.3) and version 2 (threshold 0.6, registered)."""
    root = tmp_path_factory.mktemp("live_switch")
    project = build_project(root)
    stricter = copy.deepcopy(project["model"])
    stricter.threshold = 0.6
    example = project["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    second = register(stricter, example, project["tracking_uri"], root / "mlartifacts", promote=False)
    return {
        **project,
        "versions": (project["version"], second),
        "thresholds": {project["version"]: 0.3, second: 0.6},
    }


def following_app(project: dict[str, Any], tmp_path: Path) -> tuple[Flask, MlflowClient]:
    """An API that loads the champion from the project's registry and follows the alias, and a registry
    client to move it."""
    config = api_config(
        project,
        tmp_path / "log.db",
        model={"tracking_uri": project["tracking_uri"], "check_interval_s": INTERVAL_S},
    )
    return create_app(config, json_logs=False), registry.client_for(project["tracking_uri"])


def test_promote_then_roll_back_under_continuous_requests(two_versions, tmp_path: Path) -> None:
    first, second = two_versions["versions"]
    app, client = following_app(two_versions, tmp_path)
    application = {
        "SK_ID_CURR": int(two_versions["scoring_input_table"]["SK_ID_CURR"].iloc[0]),
        "AMT_CREDIT": 4e5,
    }
    answers: list[tuple[float, int, dict[str, Any]]] = []
    stop = threading.Event()

    def send() -> None:
        http = app.test_client()
        while not stop.is_set():
            response = http.post("/api/v1/predict?top_k=3", json=application, headers={"X-API-Key": API_KEY})
            answers.append((time.monotonic(), response.status_code, response.get_json()))

    def wait_for(version: str, since: float) -> float:
        deadline = since + SWITCH_DEADLINE_S
        while time.monotonic() < deadline:
            if any(at > since and body["model"]["version"] == version for at, _, body in list(answers)):
                return next(
                    at for at, _, body in answers if at > since and body["model"]["version"] == version
                )
            time.sleep(0.05)
        raise AssertionError(f"no answer named version {version} within {SWITCH_DEADLINE_S} s")

    sender = threading.Thread(target=send)
    sender.start()
    try:
        time.sleep(1.0)
        promoted_at = time.monotonic()
        registry.set_champion(client, MODEL_NAME, second)
        switched_to_second = wait_for(second, promoted_at)
        time.sleep(1.0)
        rolled_back_at = time.monotonic()
        assert registry.rollback(client, MODEL_NAME) == first
        switched_to_first = wait_for(first, rolled_back_at)
        time.sleep(0.5)
    finally:
        stop.set()
        sender.join()

    assert answers and all(status == 200 for _, status, _ in answers), "no request may fail"
    versions = [body["model"]["version"] for _, _, body in answers]
    assert set(versions) == {first, second}
    thresholds = two_versions["thresholds"]
    assert all(body["threshold"] == thresholds[body["model"]["version"]] for _, _, body in answers)
    # one client sending one request at a time: once an answer names the new version, all later ones do
    second_period = [
        body["model"]["version"] for at, _, body in answers if switched_to_second <= at < rolled_back_at
    ]
    assert set(second_period) == {second}
    assert {body["model"]["version"] for at, _, body in answers if at >= switched_to_first} == {first}
    # the decision log names the version that scored each request
    with app.app_context():
        logged = {
            record["request_id"]: record["model_version"]
            for record in current_services().decision_log.records()
        }
    assert all(logged[body["request_id"]] == body["model"]["version"] for _, _, body in answers)
    ready = app.test_client().get("/api/v1/ready", headers={"X-API-Key": API_KEY}).get_json()
    assert ready["model"]["version"] == first and ready["model_update"] is None


def test_a_version_that_fails_to_load_keeps_the_old_one_serving() -> None:
    state = {"serving": "1"}
    reported: list[str | None] = []

    def switch(version: str) -> None:
        raise OSError(f"artifacts of version {version} are missing")

    follower = AliasFollower(
        alias_version=lambda: "2",
        serving_version=lambda: state["serving"],
        switch=switch,
        on_failure=reported.append,
        interval_seconds=60,
    )
    assert follower.check_once() is None
    assert reported == [
        "version 2 could not be served (artifacts of version 2 are missing); still serving version 1"
    ]
    follower.switch = lambda version: state.update(serving=version)
    assert follower.check_once() == "2" and state["serving"] == "2" and reported[-1] is None


def test_a_registry_outage_changes_nothing() -> None:
    def unreachable() -> str:
        raise ConnectionError("registry down")

    follower = AliasFollower(
        alias_version=unreachable,
        serving_version=lambda: "1",
        switch=lambda version: pytest.fail("no switch without the registry"),
        on_failure=lambda problem: pytest.fail("an outage is not a failed switch"),
        interval_seconds=60,
    )
    assert follower.check_once() is None


def test_a_champion_that_cannot_load_leaves_the_served_version_and_ready_says_why(
    two_versions, tmp_path
) -> None:
    first, _ = two_versions["versions"]
    app, client = following_app(two_versions, tmp_path)
    assert registry.alias_version(client, MODEL_NAME, "champion") == first
    example = two_versions["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    broken = register(
        two_versions["model"], example, two_versions["tracking_uri"], tmp_path / "gone", promote=False
    )
    artifacts = Path(client.get_model_version_download_uri(MODEL_NAME, broken).removeprefix("file://"))
    shutil.rmtree(artifacts)
    registry.set_champion(client, MODEL_NAME, broken)
    try:
        deadline = time.monotonic() + SWITCH_DEADLINE_S
        ready: dict[str, Any] = {}
        while time.monotonic() < deadline and not ready.get("model_update"):
            time.sleep(INTERVAL_S)
            ready = app.test_client().get("/api/v1/ready", headers={"X-API-Key": API_KEY}).get_json()
        assert ready["ready"] is True and ready["model"]["version"] == first
        assert f"version {broken} could not be served" in ready["model_update"]
        answer = app.test_client().post(
            "/api/v1/predict", json={"AMT_CREDIT": 4e5}, headers={"X-API-Key": API_KEY}
        )
        assert answer.status_code == 200 and answer.get_json()["model"]["version"] == first
    finally:
        registry.set_champion(client, MODEL_NAME, first)
