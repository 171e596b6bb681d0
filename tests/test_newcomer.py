"""The README's commands, in the order a newcomer types them, in a fresh copy of the project: `make setup`,
`make data` (small demo data), `make pipelines`, `scripts/serve` started and stopped (it writes its API key
into conf/local and prints the first administrator's password once, with which the dashboard opens), then
every `kedro` command a data engineer runs next, `kedro viz`, `make mlflow-ui`, the registry CLI, `make
serve-model` (Kedro-Viz, the MLflow UI and the model server started side by side, as in three terminals),
and the credentials example copied as the docs say. Real commands in subprocesses, as written in the
documentation where it shows them (`tests/doc_commands.py`), ports (and the MLflow UI's number of workers:
one) aside.

The copy holds the repository's files (tracked and new, not ignored ones) and uses this checkout's `.venv`
through a symbolic link: `make setup` must find it up to date (it would otherwise reinstall the project from
the copy), which `make setup` in CI guarantees before `make test`.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import requests
import yaml
from mlflow.tracking import MlflowClient
from nbclient import NotebookClient

from credit_scoring.api.config import local_api_key
from credit_scoring.pipelines.reporting.nodes import document_context
from credit_scoring.pipelines.reporting.pipeline import DOCUMENT_INPUTS
from credit_scoring.reporting.documents import number
from tests.doc_commands import PROJECT_ROOT, doc_command
from tests.e2e.served import sign_in
from tests.fixtures.document_truth import untraced_numbers

pytestmark = pytest.mark.slow

#: Small data and small budgets: the run checks the wiring and the contracts, not the model's quality.
DATA_PARAMS = "demo_data.preset=small,demo_data.n_train=2000,demo_data.n_test=400"
RUN_PARAMS = (
    "modelling.split.n_folds=3,modelling.tuning.logreg.n_trials=2,modelling.tuning.lgbm.n_trials=2,"
    "modelling.refine.n_trials=1"
)
#: The second run only needs a challenger for the gate to refuse: the smallest budget (no refined search).
SECOND_RUN_PARAMS = (
    "modelling.split.n_folds=3,modelling.tuning.logreg.n_trials=1,modelling.tuning.lgbm.n_trials=1,"
    "modelling.refine.n_trials=0,random_state=7,modelling.registry.min_auc=0.999"
)
ENV = {"DO_NOT_TRACK": "1", "MLFLOW_DISABLE_TELEMETRY": "true", "KEDRO_DISABLE_TELEMETRY": "true"}
#: `scripts/serve` as a newcomer starts it: no administrator's password given, one is generated and printed.
NO_ADMIN_PASSWORD = {"CREDIT_SCORING_ADMIN_PASSWORD": ""}
SETTLE_S = 5.0  # a promotion has reached every worker when this many seconds of answers come from it
FIRST_ADMIN = re.compile(r"first administrator created: sign in as '([^']+)' with the password (\S+)")

#: What this module runs, in order (`tests/test_doc_commands.py` counts the documentation's commands that
#: start like one of these as tested here).
NEWCOMER_COMMANDS = (
    "source .venv/bin/activate",
    "make setup",
    "make data",
    "make pipelines",
    "scripts/serve",
    "KEY=$(python -c 'from credit_scoring.api.config import local_api_key; print(local_api_key())')",
    'curl -s -H "X-API-Key: $KEY" http://127.0.0.1:8000/api/v1/ready',
    'curl -s -H "X-API-Key: $KEY" http://127.0.0.1:8050/api/v1/ready',
    'curl -s -H "X-API-Key: $KEY" -H \'Content-Type: application/json\' "http://127.0.0.1:8000/api/v1/predict',
    "kedro run --pipelines reporting",
    "kedro run --pipeline drift",
    "make monitor",
    "make simulate",
    "kedro viz build",
    "make viz",
    "make mlflow-ui",
    "python -m credit_scoring.registry show",
    "make serve-model",
    "curl -s -X POST http://127.0.0.1:5001/invocations",
    "cp conf/credentials.example.yml conf/local/credentials.yml",
)


def free_port(below: int | None = None) -> int:
    """A port nobody listens on; ``below``: under that number (Kedro-Viz refuses the ephemeral range)."""
    candidates = [0] if below is None else random.sample(range(20_000, below), 200)
    for candidate in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port")


def run(project: Path, command: str, timeout: float = 900, **env: str) -> str:
    """Run ``command`` with bash in ``project``; fail with its output unless it succeeds. Returns stdout."""
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env={**os.environ, **ENV, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"`{command}` failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    )
    return result.stdout


@contextmanager
def launched(project: Path, command: str, **env: str) -> Iterator[tuple[subprocess.Popen, Path]]:
    """``command`` running in its own process group, not waited for; the whole group is stopped on exit.
    Yields the process and the file of its output (stdout and stderr)."""
    log = project / "logs" / f"background-{free_port()}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=project,
            env={**os.environ, **ENV, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_answers(started: tuple[subprocess.Popen, Path], url: str, timeout: float = 120) -> None:
    """Until ``url`` answers (any status below 500); fails if the process exits first or after ``timeout``
    seconds from now."""
    process, log = started
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"`{process.args[-1]}` exited early:\n{log.read_text()[-5000:]}"
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:  # not listening yet, or a worker still loading the model
            pass
        assert time.monotonic() < deadline, (
            f"`{process.args[-1]}`: {url} did not answer:\n{log.read_text()[-5000:]}"
        )
        time.sleep(0.25)


@contextmanager
def background(project: Path, command: str, url: str, timeout: float = 120, **env: str) -> Iterator[Path]:
    """``command`` running in its own process group until ``url`` answers (any status below 500); the whole
    group is stopped on exit. Yields the file of its output (stdout and stderr)."""
    with launched(project, command, **env) as started:
        wait_until_answers(started, url, timeout)
        yield started[1]


def fresh_copy(destination: Path) -> Path:
    """The repository's files as a clone would hold them (plus new, not ignored ones), with this checkout's
    virtual environment."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)  # mtimes kept: make sees the same up-to-date stamp
    (destination / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return destination


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh copy after `make setup`, `make data` and `make pipelines` (small data, small budgets)."""
    root = fresh_copy(tmp_path_factory.mktemp("newcomer"))
    assert not (root / "conf" / "local" / "credentials.example.yml").exists()
    up_to_date = subprocess.run(["make", "-q", "setup"], cwd=root, capture_output=True, check=False)
    assert up_to_date.returncode == 0, "run `make setup` in the checkout first (the copy shares its .venv)"
    run(root, "make setup")
    run(root, "make data", DATA_PARAMS=DATA_PARAMS)
    run(root, "make pipelines", RUN_PARAMS=RUN_PARAMS)
    yield root
    where = "import credit_scoring; print(credit_scoring.__file__)"
    installed = run(root / "logs", f"{root}/.venv/bin/python -c '{where}'")  # outside the copy's src/
    assert installed.startswith(str(PROJECT_ROOT)), f"the shared .venv now installs the copy: {installed}"


def first_admin(output: str) -> tuple[str, str]:
    """The first administrator's name and password, as `scripts/serve` printed them (exactly once)."""
    printed = FIRST_ADMIN.findall(output)
    assert len(printed) == 1, f"the first administrator's password is printed once:\n{output[-3000:]}"
    return printed[0]


def assert_the_dashboard_opens(base_url: str, name: str, password: str) -> None:
    """A newcomer opening the dashboard gets the sign-in form; signed in through it, the dashboard."""
    anonymous = requests.get(f"{base_url}/", timeout=30)
    assert anonymous.url.startswith(f"{base_url}/login") and 'name="password"' in anonymous.text
    session = sign_in(base_url, name, password)  # through /login, as the form does
    dashboard = session.get(f"{base_url}/", allow_redirects=False, timeout=60)
    assert dashboard.status_code == 200 and 'id="react-entry-point"' in dashboard.text
    assert session.get(f"{base_url}/_dash-layout", timeout=60).status_code == 200  # what the page loads next


def test_the_readme_sequence_after_make_run(project: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    api = f"{base_url}/api/v1"
    with background(project, "scripts/serve", f"{api}/health", PORT=str(port), **NO_ADMIN_PASSWORD) as log:
        assert_the_dashboard_opens(base_url, *first_admin(log.read_text()))
        key_command = doc_command("docs/api.md", "local_api_key")
        ready = doc_command("docs/api.md", "/ready").replace("8050", str(port))
        assert json.loads(run(project, f"{key_command}\n{ready}"))["ready"] is True
        predict = doc_command("README.md", "/predict?").replace("8000", str(port))
        answer = json.loads(run(project, f"{key_command}\n{predict}"))
        assert answer["decision"] in {"granted", "refused"} and len(answer["reasons"]) == 5
    credentials = yaml.safe_load((project / "conf" / "local" / "credentials.yml").read_text())
    assert credentials["scoring_api"]["api_keys"], "scripts/serve writes the API key it generated"

    # What a data engineer types next: every command reads conf/local, the generated key included (the
    # reporting pipeline is run below, after the credentials example is copied).
    run(project, "source .venv/bin/activate && kedro run --pipeline drift")  # the product card's spelling
    run(project, doc_command("docs/mlops.md", "make monitor"))  # drift on the decision log, then performance
    summary = json.loads((project / "data" / "08_reporting" / "drift_summary.json").read_text())
    assert summary["current"]["source"] == "prediction_log"
    live = json.loads((project / "data" / "08_reporting" / "performance_summary.json").read_text())
    assert "07_model_output/prediction_log.db" in live["source"]
    assert sum(period["n_decisions"] for period in live["periods"]) >= 1  # the README's /predict
    simulation = "traffic.months=3,traffic.applicants_per_month=150,traffic.scenario_from_month=2"
    run(project, doc_command("README.md", "make simulate"), SIM_PARAMS=simulation)
    simulated = json.loads((project / "data" / "08_reporting" / "performance_summary.json").read_text())
    assert "09_simulation" in simulated["source"] and simulated["observation_months"] == 2
    assert [period["period"] for period in simulated["periods"]] == ["2027-01", "2027-02", "2027-03"]
    assert simulated["periods"][0]["n_labelled"] > 0 and simulated["periods"][2]["n_labelled"] == 0
    # The servers a newcomer keeps open side by side start together, while `kedro viz build` and the registry
    # CLI run: each is still checked on its own page.
    viz_port, mlflow_port, model_port = free_port(below=49_000), free_port(), free_port()
    with (
        launched(project, "make viz", VIZ_PORT=str(viz_port)) as viz,
        launched(project, "make mlflow-ui", MLFLOW_PORT=str(mlflow_port), MLFLOW_WORKERS="1") as mlflow_ui,
        launched(project, "make serve-model", SERVE_PORT=str(model_port)) as model_server,
    ):
        run(project, "source .venv/bin/activate && kedro viz build")
        assert (project / "build" / "api" / "main").is_file()
        shown = json.loads(
            run(project, "source .venv/bin/activate && python -m credit_scoring.registry show")
        )
        assert shown["aliases"]["champion"] == "1"

        wait_until_answers(viz, f"http://127.0.0.1:{viz_port}/api/main", timeout=240)
        nodes = requests.get(f"http://127.0.0.1:{viz_port}/api/main", timeout=30).json()["nodes"]
        assert any(node["name"] == "Train Lgbm Node" or "lgbm" in node["name"].lower() for node in nodes)

        wait_until_answers(mlflow_ui, f"http://127.0.0.1:{mlflow_port}/", timeout=240)
        search = requests.get(
            f"http://127.0.0.1:{mlflow_port}/api/2.0/mlflow/registered-models/search", timeout=30
        ).json()
        assert [model["name"] for model in search["registered_models"]] == ["credit-scoring"]

        wait_until_answers(model_server, f"http://127.0.0.1:{model_port}/ping", timeout=300)
        invocations = doc_command("README.md", "/invocations").replace("5001", str(model_port))
        predictions = json.loads(run(project, invocations))["predictions"]
        assert len(predictions) == 2 and {row["decision"] for row in predictions} <= {"granted", "refused"}

    run(project, doc_command("README.md", "cp conf/credentials.example.yml"))
    run(project, "source .venv/bin/activate && kedro run --pipelines reporting")
    run(project, doc_command("conf/local/README.md", "cp conf/credentials.example.yml"))
    with background(project, "scripts/serve", f"{api}/health", PORT=str(port), **NO_ADMIN_PASSWORD) as log:
        pass  # a copied example holds no key: one is generated again, into the same file
    again = log.read_text()  # the administrator exists: no new one, no password printed
    assert not FIRST_ADMIN.search(again) and "an enabled administrator exists: none created" in again
    assert yaml.safe_load((project / "conf" / "local" / "credentials.yml").read_text())["scoring_api"][
        "api_keys"
    ]
    run(project, "source .venv/bin/activate && kedro run --pipelines reporting")


def test_documents_carry_the_runs_figures(project: Path) -> None:
    reporting = project / "data" / "08_reporting"
    metrics = json.loads((reporting / "model_metrics.json").read_text())
    comparison = pd.read_csv(reporting / "model_comparison.csv")
    note = (reporting / "methodology_note.md").read_text()
    card = (reporting / "model_card.md").read_text()
    for key in ("cv_auc", "holdout_auc", "threshold", "business_cost_per_client", "approve_all_cost"):
        assert number(float(metrics[key])) in note, key
        assert number(float(metrics[key])) in card, key
    for row in comparison.itertuples():
        line = next(line for line in note.splitlines() if line.startswith(f"| {row.model_name} |"))
        assert number(float(row.cv_auc)) in line
    assert (reporting / "methodology_note.html").read_text().startswith("<!DOCTYPE html>")
    fairness = pd.read_csv(reporting / "fairness_report.csv")
    assert set(fairness["attribute"]) == {"gender", "age band"}
    context = document_context(**_document_inputs(project))
    assert untraced_numbers(note, context) == [] and untraced_numbers(card, context) == []


def _document_inputs(project: Path) -> dict[str, object]:
    """What the reporting pipeline's document nodes read, from the files that the project's catalog names."""
    conf = project / "conf" / "base"
    catalog, params = {}, {}
    for file in sorted(conf.glob("catalog*.yml")):
        catalog.update(yaml.safe_load(file.read_text()) or {})
    for file in sorted(conf.glob("parameters*.yml")):
        params.update(yaml.safe_load(file.read_text()) or {})
    readers = {
        ".json": lambda path: json.loads(path.read_text()),
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
    }
    inputs: dict[str, object] = {}
    for argument, dataset in DOCUMENT_INPUTS.items():
        if dataset.startswith("params:"):
            inputs[argument] = params[dataset.removeprefix("params:")]
            continue
        entry = catalog[dataset]
        path = project / entry.get("dataset", entry)["filepath"]
        inputs[argument] = readers[path.suffix](path)
    return inputs


def test_exploration_notebook_runs_on_the_demo_data(project: Path) -> None:
    path = project / "notebooks" / "01_explore_model_input.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any("training clients" in output.get("text", "") for output in outputs)


def test_a_kept_champion_is_described_by_its_own_figures_and_a_promotion_reaches_running_workers(
    project: Path,
) -> None:
    """A second run whose challenger the gate refuses: /model still shows the champion's own figures (not the
    latest reports); then `registry promote --version 2` on a running 2-worker server switches every answer to
    version 2 and its own figures, without a restart and without a failed request."""
    modelling = f"source .venv/bin/activate && kedro run --pipelines modelling --params {SECOND_RUN_PARAMS}"
    run(project, modelling)  # the data and the first run's reports are there: only the challenger is new
    decision = json.loads((project / "data" / "08_reporting" / "promotion_decision.json").read_text())
    assert decision["promote"] is False
    latest = json.loads((project / "data" / "08_reporting" / "model_metrics.json").read_text())
    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    run_of = {version: client.get_model_version("credit-scoring", version).run_id for version in ("1", "2")}
    own = {
        version: json.loads(Path(client.download_artifacts(run_id, "reports/model_metrics.json")).read_text())
        for version, run_id in run_of.items()
    }
    assert own["2"]["cv_auc"] == latest["cv_auc"] != own["1"]["cv_auc"]
    (project / "conf" / "local" / "app.yml").write_text("model:\n  check_interval_s: 1\n")
    key = local_api_key(project)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api/v1"
    headers = {"X-API-Key": key}
    with background(project, "scripts/serve", f"{api}/health", PORT=str(port)):
        model = requests.get(f"{api}/model", headers=headers, timeout=30).json()
        assert model["version"] == "1" and model["metrics"]["cv_auc"] == own["1"]["cv_auc"]
        assert model["global_importance"], "the champion's SHAP importance, logged for version 1"
        answers: list[tuple[int, str | None]] = []
        answered_at: list[float] = []
        stop = threading.Event()

        def send() -> None:
            while not stop.is_set():
                response = requests.post(
                    f"{api}/predict", json={"AMT_CREDIT": 4e5}, headers=headers, timeout=30
                )
                answers.append((response.status_code, (response.json().get("model") or {}).get("version")))
                answered_at.append(time.monotonic())

        def settled() -> bool:
            """Every answer of the last SETTLE_S seconds (at least 8) from version 2: each worker polls the
            registry every second, but loads the new version at its own pace, so a few answers in a row from
            one worker do not show that the other switched too."""
            since = time.monotonic() - SETTLE_S
            timed = zip(answers, answered_at, strict=False)  # an answer may lack its time for an instant
            recent = [answer for answer, at in timed if at > since]
            return len(recent) >= 8 and set(recent) == {(200, "2")}

        sender = threading.Thread(target=send)
        sender.start()
        try:
            run(project, "source .venv/bin/activate && python -m credit_scoring.registry promote --version 2")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not settled():
                time.sleep(0.2)
            seen = list(answers)  # as they were when they settled, not the request in flight now
        finally:
            stop.set()
            sender.join()
        assert seen[-8:] == [(200, "2")] * 8, seen[-8:]
        assert all(status == 200 for status, _ in answers) and {version for _, version in seen} == {
            "1",
            "2",
        }
        ready = requests.get(f"{api}/ready", headers=headers, timeout=30).json()
        model = requests.get(f"{api}/model", headers=headers, timeout=30).json()
        assert ready["model"]["version"] == "2" and model["metrics"]["cv_auc"] == own["2"]["cv_auc"]
