"""Bad input at a host's start-up: the registry down, a champion whose artifacts are gone, a download location
that cannot be written. The app always starts (no exception out of `create_app`), /health answers, and /ready
says why it is not ready, naming the registry without its credentials; a registry lost while a model serves
leaves the host ready and serving, and /ready says so.

Real components: a copy of the tiny project's SQLite registry per test (so that versions and aliases moved
here touch no other test), a port nobody listens on for a tracking server that is down."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from credit_scoring import registry
from credit_scoring.api import create_app
from credit_scoring.api.services import current_services
from credit_scoring.ops.postgres import free_port
from credit_scoring.serving.following import AliasFollower
from credit_scoring.serving.loading import REGISTRY_HTTP_DEFAULTS, aliased_version
from tests.api.project import API_KEY, MODEL_NAME, api_config, register

HEADERS = {"X-API-Key": API_KEY}
SECRET = "tracking-s3cret"


@pytest.fixture
def bounded_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's HTTP variables unset for the test (an empty value counts as unset) and restored after it."""
    for name in REGISTRY_HTTP_DEFAULTS:
        monkeypatch.setenv(name, "")


@pytest.fixture
def own_registry(api_project: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """The tiny project with a registry of its own: a copy of the project's SQLite file (the artifacts of
    its versions stay where they are, read only)."""
    copy = tmp_path / "registry" / "mlflow.db"
    copy.parent.mkdir()
    shutil.copyfile(Path(api_project["tracking_uri"].removeprefix("sqlite:///")), copy)
    uri = f"sqlite:///{copy}"
    client = registry.client_for(uri)
    # versions registered here get an experiment of their own: their artifacts go where the test says
    client.rename_experiment(client.get_experiment_by_name("api-tests").experiment_id, "api-tests-copied")
    return {**api_project, "tracking_uri": uri}


def start(project: dict[str, Any], tmp_path: Path, tracking_uri: str, interval_s: float = 0) -> Flask:
    config = api_config(
        project,
        tmp_path / "log.db",
        model={"tracking_uri": tracking_uri, "check_interval_s": interval_s},
    )
    return create_app(config, json_logs=False)


def ready(app: Flask) -> tuple[int, dict[str, Any]]:
    answer = app.test_client().get("/api/v1/ready", headers=HEADERS)
    return answer.status_code, answer.get_json()


def reason(body: dict[str, Any]) -> str:
    return body["error"]["message"]


def broken_version(project: dict[str, Any], artifacts: Path) -> str:
    """A version registered in ``project``'s registry whose artifact folder is then deleted."""
    example = project["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    version = register(project["model"], example, project["tracking_uri"], artifacts, promote=False)
    client = registry.client_for(project["tracking_uri"])
    shutil.rmtree(Path(client.get_model_version_download_uri(MODEL_NAME, version).removeprefix("file://")))
    return version


def test_a_registry_that_is_down_at_start_up_gives_a_host_that_answers_and_says_why(
    api_project, tmp_path: Path, bounded_env, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "9")  # the operator's own value is kept
    port = free_port()  # nothing listens there: connections are refused
    with caplog.at_level(logging.INFO):
        app = start(api_project, tmp_path, f"http://ops:{SECRET}@127.0.0.1:{port}")
    assert {name: os.environ[name] for name in REGISTRY_HTTP_DEFAULTS} == {
        **REGISTRY_HTTP_DEFAULTS,
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "9",
    }
    assert (
        REGISTRY_HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"
    )  # not MLflow's 7 (about 4 minutes)
    assert app.test_client().get("/api/v1/health").status_code == 200
    status, body = ready(app)
    assert status == 503 and body["error"]["code"] == "not_ready"
    expected = f"registry http://ops:***@127.0.0.1:{port} unreachable: Connection refused"
    assert expected in reason(body)
    assert SECRET not in str(body) and SECRET not in caplog.text
    assert f"Model not loaded: {expected}" in caplog.text
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES=2" in caplog.text  # what was bounded is logged once


def test_the_champion_is_served_once_the_registry_answers(own_registry, tmp_path: Path, bounded_env) -> None:
    """The registry file is unreadable at start-up (not a database), then restored: the alias follower
    loads the champion without a restart."""
    registry_file = Path(own_registry["tracking_uri"].removeprefix("sqlite:///"))
    kept = registry_file.with_suffix(".kept")
    registry_file.rename(kept)
    registry_file.write_bytes(b"this is not an SQLite database" * 100)
    app = start(own_registry, tmp_path, own_registry["tracking_uri"], interval_s=3600)
    status, body = ready(app)
    expected = (
        f"registry {own_registry['tracking_uri']} unreachable: DatabaseError: (sqlite3.DatabaseError) file"
    )
    assert status == 503 and f"{expected} is not a database" in reason(body)
    with app.app_context():
        follower = current_services().follower
    assert follower is not None and follower.next_wait() == 5.0, "nothing serves: checks every 5 s at most"

    assert follower.check_once() is None  # still unreadable: no switch, and why is kept
    assert "unreachable" in follower.registry_problem
    status, body = ready(app)
    assert status == 503 and any(d["field"] == "model" for d in body["error"]["details"])

    registry_file.write_bytes(kept.read_bytes())  # the same file (an open connection sees the change)
    assert follower.check_once() == own_registry["version"]
    status, body = ready(app)
    assert status == 200 and body["model"]["version"] == own_registry["version"]
    assert body["registry"]["reachable"] is True and body["registry"]["problem"] is None
    assert body["model_update"] is None and follower.next_wait() == 3600


def test_a_champion_whose_artifacts_are_gone_leaves_the_host_not_ready_with_the_reason(
    own_registry, tmp_path: Path, bounded_env, caplog
) -> None:
    broken = broken_version(own_registry, tmp_path / "gone")
    registry.set_champion(registry.client_for(own_registry["tracking_uri"]), MODEL_NAME, broken)
    with caplog.at_level(logging.ERROR):
        app = start(own_registry, tmp_path, own_registry["tracking_uri"])
    assert app.test_client().get("/api/v1/health").status_code == 200
    status, body = ready(app)
    assert status == 503
    assert f"{MODEL_NAME} version {broken} could not be loaded from file://{tmp_path / 'gone'}" in reason(
        body
    )
    assert f"Model not loaded: {MODEL_NAME} version {broken} could not be loaded" in caplog.text
    answer = app.test_client().post("/api/v1/predict", json={"AMT_CREDIT": 4e5}, headers=HEADERS)
    assert answer.status_code == 503 and "the model is not available" in answer.get_json()["error"]["message"]


def test_a_served_version_keeps_serving_when_the_champion_moves_to_missing_artifacts(
    own_registry, tmp_path: Path, bounded_env
) -> None:
    first = own_registry["version"]
    app = start(own_registry, tmp_path, own_registry["tracking_uri"], interval_s=3600)
    with app.app_context():
        follower = current_services().follower
    broken = broken_version(own_registry, tmp_path / "gone")
    registry.set_champion(registry.client_for(own_registry["tracking_uri"]), MODEL_NAME, broken)

    assert follower.check_once() is None
    status, body = ready(app)
    assert status == 200 and body["ready"] is True and body["model"]["version"] == first
    update = body["model_update"]
    assert update.startswith(f"version {broken} could not be served ({MODEL_NAME} version {broken} could not")
    assert str(tmp_path / "gone") in update and update.endswith(f"still serving version {first}")
    assert "\n" not in update
    answer = app.test_client().post("/api/v1/predict", json={"AMT_CREDIT": 4e5}, headers=HEADERS)
    assert answer.status_code == 200 and answer.get_json()["model"]["version"] == first


def test_a_registry_lost_while_serving_leaves_the_host_ready_and_ready_says_so(
    make_app, tmp_path: Path, bounded_env
) -> None:
    """The model serves; the tracking server stops answering: /ready stays 200 and names the registry (no
    password) and the error in one line; no failed switch is reported."""
    uri = f"http://ops:{SECRET}@127.0.0.1:{free_port()}"
    app = make_app(model={"tracking_uri": uri})
    services = app.extensions["credit_scoring_api"]
    reported: list[str | None] = []
    services.follower = AliasFollower(
        alias_version=lambda: aliased_version(uri, MODEL_NAME, "champion"),
        serving_version=lambda: services.state.served.version,
        switch=lambda version: pytest.fail("no switch without the registry"),
        on_failure=reported.append,
        interval_seconds=3600,
    )
    status, body = ready(app)
    assert status == 200 and body["registry"]["reachable"] is None  # not checked yet

    assert services.follower.check_once() is None
    status, body = ready(app)
    public = uri.replace(SECRET, "***")
    assert status == 200 and body["ready"] is True and body["model_update"] is None and not reported
    assert body["registry"]["uri"] == public and body["registry"]["reachable"] is False
    assert body["registry"]["problem"] == f"registry {public} unreachable: Connection refused"
    assert body["registry"]["checked_at"].endswith("Z") and SECRET not in str(body)


@pytest.fixture
def unwritable_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Python's (hence MLflow's) temporary directory, where nothing can be created: under a regular file
    (a read-only directory would not stop root)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    where = blocker / "tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def test_a_download_location_that_cannot_be_written_gives_a_clear_reason(
    own_registry, tmp_path: Path, bounded_env, unwritable_tmp: Path
) -> None:
    """A version kept in a remote artifact store must be downloaded: with a temporary directory that cannot
    be written, the host is not ready and says where it could not write (before any download is tried)."""
    client = registry.client_for(own_registry["tracking_uri"])
    remote = client.create_model_version(
        MODEL_NAME, source=f"mlflow-artifacts://127.0.0.1:{free_port()}/artifacts/model"
    ).version
    registry.set_champion(client, MODEL_NAME, str(remote))
    app = start(own_registry, tmp_path, own_registry["tracking_uri"])
    status, body = ready(app)
    assert status == 503
    assert (
        f"{MODEL_NAME} version {remote} could not be loaded: its artifacts are downloaded to "
        f"{unwritable_tmp} (the temporary directory; set TMPDIR to a writable one), which cannot be written: "
        "NotADirectoryError: Not a directory"
    ) in reason(body)
