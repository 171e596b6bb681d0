"""The served app for browser tests and the dashboard benchmark: a tiny project (tiny registered model, batch
outputs) served by ``scripts/serve`` (what ``make serve`` and the container run: API blueprint + dashboard on
one gunicorn server) on 127.0.0.1, with one user of each role in its application database (the first admin
created by ``scripts/serve`` itself, with the password of ``CREDIT_SCORING_ADMIN_PASSWORD``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests
from mlflow.tracking import MlflowClient

from credit_scoring.access.users import UserStore
from credit_scoring.features.labels import APPLICATION_LABELS
from credit_scoring.serving.description import IMPORTANCE_ARTIFACT, VERSION_COLUMN
from tests.api.drift_run import run_drift_nodes
from tests.api.project import API_KEY, MODEL_NAME, build_project
from tests.dash_app.fakes import PERFORMANCE_SUMMARY_FILE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVE_SCRIPT = PROJECT_ROOT / "scripts" / "serve"
SECRET_KEY = "the served test app's secret key, long enough to sign"
PASSWORD = "a served test password"
USERS = {"adviser": "ada.adviser", "risk": "rita.risk", "admin": "admin"}
"""The signed-in people of each role; ``admin`` is the first administrator ``scripts/serve`` creates."""


def sign_in(base_url: str, name: str, password: str = PASSWORD) -> requests.Session:
    """A session signed in through ``/login`` as a browser does (the form's CSRF token, the cookies), whose
    requests carry the ``X-CSRFToken`` header that Dash's renderer adds to callbacks."""
    session = requests.Session()
    form = session.get(f"{base_url}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or token is None:
        raise RuntimeError(f"no sign-in form at {base_url}/login ({form.status_code})")
    answer = session.post(
        f"{base_url}/login",
        data={"username": name, "password": password, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 303:
        raise RuntimeError(f"{name} could not sign in ({answer.status_code}): {answer.text[-300:]}")
    session.headers["X-CSRFToken"] = session.cookies["_csrf_token"]
    return session


@dataclass
class ServedApp:
    base_url: str
    api_key: str
    project: dict[str, Any]
    log: Path

    def signed_in(self, role: str = "adviser") -> requests.Session:
        """A session signed in as the user of ``role``."""
        return sign_in(self.base_url, USERS[role])

    def api(self, path: str, **params: Any) -> Any:
        """A JSON answer of the API, straight over HTTP (to compare with what the dashboard shows)."""
        response = requests.get(
            f"{self.base_url}/api/v1/{path}", params=params, headers={"X-API-Key": self.api_key}, timeout=30
        )
        response.raise_for_status()
        return response.json()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_reporting_extras(project: dict[str, Any]) -> None:
    """What explainability, drift and performance leave: the served version's importance, logged with it in
    the registry, and in 08_reporting the drift summary and report (a small page: Evidently's own report
    weighs megabytes and is not what the browser tests look at) and the performance summary."""
    reporting = Path(project["root"]) / "data" / "08_reporting"
    table = project["model_input_table"]
    numeric = table.drop(columns=["SK_ID_CURR", "TARGET"]).select_dtypes("number")
    strength = numeric.corrwith(table["TARGET"]).abs().fillna(0).sort_values(ascending=False).head(12)
    importance = pd.DataFrame(
        {
            "feature": strength.index,
            "label_en": [
                APPLICATION_LABELS.get(name, ("", name.replace("_", " ").capitalize()))[1]
                for name in strength.index
            ],
            "mean_abs_shap": strength.to_numpy(),
            VERSION_COLUMN: project["version"],
        }
    )
    client = MlflowClient(project["tracking_uri"])
    run_id = client.get_model_version(MODEL_NAME, project["version"]).run_id
    client.log_text(run_id, importance.to_csv(index=False), IMPORTANCE_ARTIFACT)
    # the drift pipeline's own nodes on the project's clients: the summary has the real shape
    (reporting / "drift_summary.json").write_text(json.dumps(run_drift_nodes(project)["summary"], indent=2))
    (reporting / "drift_report.html").write_text(
        "<!DOCTYPE html><html lang='en'><head><title>Data drift report</title></head>"
        "<body><main><h1>Data drift report</h1></main></body></html>"
    )
    # a summary of the performance pipeline's shape (two model versions, a promotion, an alert): the
    # Monitoring page's live performance
    shutil.copy(PERFORMANCE_SUMMARY_FILE, reporting / "performance_summary.json")


def prepare_project(root: Path) -> dict[str, Any]:
    """The tiny project under ``root``, with what every pipeline leaves for the server."""
    project = build_project(root)
    write_reporting_extras(project)
    (root / "conf" / "base").mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "conf" / "base" / "app.yml", root / "conf" / "base" / "app.yml")
    users = UserStore(database_url(root))
    for role in ("adviser", "risk"):
        users.add(USERS[role], role, PASSWORD)
    return project


def database_url(root: Path) -> str:
    """The served project's application database (decision log, users, audit trail)."""
    return f"sqlite:///{root / 'prediction_log.db'}"


@contextmanager
def serving(
    root: Path, project: dict[str, Any], log: Path | None = None, **extra_env: str
) -> Iterator[tuple[subprocess.Popen, str]]:
    """``scripts/serve`` on the project at ``root`` with the defaults of ``make serve`` (2 workers, 4 threads
    each), started and not waited for: (process, base URL). Stopped when the block ends. Its output goes to
    ``log`` (default ``root/server.log``); ``extra_env`` values may name ``{base_url}``."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "CREDIT_SCORING_ROOT": str(root),
        "CREDIT_SCORING_API_KEYS": API_KEY,
        "CREDIT_SCORING_PREDICTION_LOG_URL": database_url(root),
        "CREDIT_SCORING_SECRET_KEY": SECRET_KEY,
        "CREDIT_SCORING_ADMIN_PASSWORD": PASSWORD,
        "MLFLOW_TRACKING_URI": str(project["tracking_uri"]),
        "DASHBOARD_API_KEY": API_KEY,
        "DO_NOT_TRACK": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "PYTHON": sys.executable,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **{name: value.format(base_url=base_url) for name, value in extra_env.items()},
    }
    with (log or root / "server.log").open("a") as output:
        process = subprocess.Popen(
            [str(SERVE_SCRIPT)], env=env, stdout=output, stderr=subprocess.STDOUT, cwd=root
        )
    try:
        yield process, base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def served_app(root: Path, timeout: float = 420.0) -> Iterator[ServedApp]:
    """Build the tiny project under ``root`` and serve it like ``make serve`` until the block ends."""
    project = prepare_project(root)
    with serving(root, project) as (process, base_url):
        log = root / "server.log"
        wait_ready(base_url, process, log, timeout)
        yield ServedApp(base_url, API_KEY, project, log)


DEMO_TRACKING_URI = f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"


def demo_project_missing() -> str | None:
    """Why this checkout holds no trained demo project to serve (after `make run`), or None."""
    if not (PROJECT_ROOT / "data" / "05_model_input" / "scoring_input_table.parquet").exists():
        return "no production clients in data/05_model_input: run `make run` first"
    if not (PROJECT_ROOT / "mlflow.db").exists():
        return "no registry (mlflow.db): run `make run` first"
    from mlflow.tracking import MlflowClient  # noqa: PLC0415

    try:
        MlflowClient(DEMO_TRACKING_URI).get_model_version_by_alias(MODEL_NAME, "champion")
    except Exception as error:  # no registry, no model, no alias: not a trained demo project
        return f"no champion in mlflow.db ({type(error).__name__}): run `make run` first"
    return None


@contextmanager
def served_demo(folder: Path, timeout: float = 900.0) -> Iterator[ServedApp]:
    """This checkout's demo project (data/ and mlflow.db, as `make run` leaves them) served like ``make
    serve``, with a throw-away application database (one user of each role), cache and spool in ``folder``:
    the project's own users, decisions and audit trail are not touched."""
    database = f"sqlite:///{folder / 'app.db'}"
    users = UserStore(database)
    for role in ("adviser", "risk"):
        users.add(USERS[role], role, PASSWORD)
    log = folder / "server.log"
    project = {"tracking_uri": DEMO_TRACKING_URI}
    with serving(
        PROJECT_ROOT,
        project,
        log=log,
        CREDIT_SCORING_PREDICTION_LOG_URL=database,
        CREDIT_SCORING_CACHE_DIR=str(folder / "cache"),
        CREDIT_SCORING_SPOOL_DIR=str(folder / "spool"),
    ) as (process, base_url):
        wait_ready(base_url, process, log, timeout)
        yield ServedApp(base_url, API_KEY, project, log)


def wait_ready(base_url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            ready = requests.get(f"{base_url}/api/v1/ready", headers={"X-API-Key": API_KEY}, timeout=2)
            if ready.status_code == 200 and requests.get(base_url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the server was not ready within {timeout} s:\n{log.read_text()[-4000:]}")
