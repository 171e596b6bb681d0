"""Deployment: the container runs what `make serve` runs, and its image gets what that command needs.

Docker does not run on these machines: `scripts/serve` itself is what the browser tests start
(`tests/e2e/served.py`); here, the Dockerfile, the Makefile and the workflows are checked to point at it, and
the image's non-editable install is checked to carry the package's data files. The deployment workflows are
read as YAML (no GitHub, no network): what starts them, which commit they ship, the order of the environments,
the secrets they read; the smoke test's script runs against a stand-in API on a loopback port.
"""

from __future__ import annotations

import fnmatch
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SERVE = "scripts/serve"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_container_command_is_the_one_make_serve_runs() -> None:
    commands = [json.loads(args) for name, args in dockerfile_instructions() if name == "CMD"]
    assert commands == [[SERVE]]
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert dry_run[-1].split()[-1] == SERVE
    script = ROOT / SERVE
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_the_image_copies_files_that_exist_and_are_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = [args.split()[:-1] for name, args in dockerfile_instructions() if name == "COPY"]
    sources = [source for group in copied for source in group]
    assert SERVE in sources and "dash_app" in sources and "conf/base" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        assert not any(
            fnmatch.fnmatch(source, pattern) or source.startswith(f"{pattern}/") for pattern in ignored
        ), f"COPY {source}: excluded by .dockerignore"


def test_a_non_editable_install_carries_the_package_data(tmp_path: Path) -> None:
    """The image installs the package (not in editable mode): templates and resources must be in it."""
    build = [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py"]
    subprocess.run(
        [*build, "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    package = ROOT / "src" / "credit_scoring"
    data_files = [
        path.relative_to(package)
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert data_files, "the package has data files (templates, resources)"
    missing = [str(name) for name in data_files if not (tmp_path / "credit_scoring" / name).is_file()]
    assert not missing, f"not installed: {missing}"


# --- continuous deployment (deploy.yml + deploy-environment.yml) -------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"
DEPLOY_ENVIRONMENT = "./.github/workflows/deploy-environment.yml"
CI_PASSED = "github.event.workflow_run.conclusion == 'success'"


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps_by_name(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step.get("name", step.get("uses", "")): step for step in job["steps"]}


def heredoc(run: str, tag: str) -> str:
    """The text of the ``<<'TAG'`` here-document of a step's script."""
    return run.split(f"<<'{tag}'\n", 1)[1].rsplit(f"\n{tag}\n", 1)[0]


def test_deploy_starts_only_after_a_successful_ci_run_of_main_or_by_hand() -> None:
    deploy = workflow("deploy.yml")
    triggers = deploy[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(triggers) == {"workflow_run", "workflow_dispatch"}  # no push: never beside the tests
    ci = workflow("ci.yml")
    assert ci[True]["push"]["branches"] == ["main"]
    run = triggers["workflow_run"]
    assert run == {"workflows": [ci["name"]], "types": ["completed"], "branches": ["main"]}
    for name, job in deploy["jobs"].items():
        assert CI_PASSED in job["if"] and "github.event_name == 'workflow_dispatch'" in job["if"], name
    # a CI run of a pull request from a fork's branch named main is not a push to this repository's main
    first = deploy["jobs"]["commit"]["if"]
    assert "github.event.workflow_run.event == 'push'" in first
    assert "github.event.workflow_run.head_repository.full_name == github.repository" in first
    # by hand: refused unless CI passed for a push of the chosen commit
    choose = deploy["jobs"]["commit"]["steps"][0]["run"]
    assert "gh run list" in choose and "--workflow ci.yml" in choose and "--status success" in choose
    assert "--event push" in choose and "exit 1" in choose
    assert deploy["jobs"]["commit"]["permissions"]["actions"] == "read"


def test_deploy_builds_and_deploys_exactly_the_tested_commit(tmp_path: Path) -> None:
    jobs = workflow("deploy.yml")["jobs"]
    commit = jobs["commit"]
    assert commit["outputs"]["sha"] == "${{ steps.commit.outputs.sha }}"
    choose = commit["steps"][0]
    assert choose["env"]["TESTED_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    assert "sha=$TESTED_SHA" in choose["run"]
    build = steps_by_name(jobs["build"])
    assert build["actions/checkout@v4"]["with"]["ref"] == "${{ needs.commit.outputs.sha }}"
    name_step = next(step for step in jobs["build"]["steps"] if step.get("id") == "names")
    assert name_step["env"]["SHA"] == "${{ needs.commit.outputs.sha }}"
    output = tmp_path / "output"
    env = {
        **os.environ,
        "IMAGE": "ghcr.io/Lender/Credit-Scoring",
        "SHA": "0123abc",
        "GITHUB_OUTPUT": str(output),
    }
    subprocess.run(["bash", "-c", name_step["run"]], env=env, check=True)
    assert output.read_text() == "image=ghcr.io/lender/credit-scoring:0123abc\n"
    image = "${{ steps.names.outputs.image }}"
    built = next(
        step for step in jobs["build"]["steps"] if step.get("uses", "").startswith("docker/build-push")
    )
    assert built["with"]["tags"] == image and built["with"]["load"] is True and "push" not in built["with"]
    # pushed once, after the image has served on the runner, under the tested commit's tag only
    names = [step.get("name", step.get("uses")) for step in jobs["build"]["steps"]]
    assert names.index("Push") > names.index(next(name for name in names if name.startswith("Image check")))
    assert build["Push"]["env"]["IMAGE_TAG"] == image
    assert jobs["build"]["outputs"]["image"] == image
    for environment in ("staging", "production"):
        assert jobs[environment]["with"]["image"] == "${{ needs.build.outputs.image }}"
        assert jobs[environment]["with"]["sha"] == "${{ needs.commit.outputs.sha }}"


def test_the_jobs_form_the_chain_commit_build_staging_production_in_their_environments() -> None:
    deploy = workflow("deploy.yml")
    jobs = deploy["jobs"]
    assert list(jobs) == ["commit", "build", "staging", "production"]
    needs = {name: job.get("needs", []) for name, job in jobs.items()}
    needs = {name: [value] if isinstance(value, str) else value for name, value in needs.items()}
    assert needs == {
        "commit": [],
        "build": ["commit"],
        "staging": ["commit", "build"],
        "production": ["commit", "build", "staging"],
    }
    # production only after staging deployed and its smoke test passed
    assert "needs.staging.outputs.smoke == 'passed'" in jobs["production"]["if"]
    for environment in ("staging", "production"):
        job = jobs[environment]
        assert job["uses"] == DEPLOY_ENVIRONMENT and job["with"]["environment"] == environment
        assert job["secrets"] == "inherit"
    # only the build may write packages; no job of deploy.yml deploys itself
    assert deploy["permissions"] == {"contents": "read"}
    assert jobs["build"]["permissions"]["packages"] == "write"
    assert not any("environment" in job for job in jobs.values())
    assert "ssh" not in (WORKFLOWS / "deploy.yml").read_text()
    # the called workflow's job is the one in the GitHub environment, and reports its smoke test
    called = workflow("deploy-environment.yml")
    call = called[True]["workflow_call"]
    assert set(call["inputs"]) == {"environment", "image", "sha"}
    assert call["outputs"]["smoke"]["value"] == "${{ jobs.deploy.outputs.smoke }}"
    assert list(called["jobs"]) == ["deploy"]
    job = called["jobs"]["deploy"]
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    assert job["outputs"]["smoke"] == "${{ steps.smoke.outputs.smoke || 'skipped' }}"
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_each_environment_pulls_and_restarts_once_then_smoke_tests_only_with_its_secrets(
    tmp_path: Path,
) -> None:
    job = workflow("deploy-environment.yml")["jobs"]["deploy"]
    names = [step["name"] for step in job["steps"]]
    assert names == [
        "Deployment secrets",
        "Pull and restart on the host",
        "Smoke test through the deployed API",
    ]
    steps = steps_by_name(job)
    assert job["env"]["DEPLOY_HOST"] == "${{ secrets.DEPLOY_HOST }}"
    for name in names[1:]:
        assert steps[name]["if"] == "steps.configured.outputs.deploy == 'true'"
    assert "docker pull" in steps["Pull and restart on the host"]["run"]
    text = "".join((WORKFLOWS / name).read_text() for name in ("deploy.yml", "deploy-environment.yml"))
    assert text.count("docker pull") == 1  # one definition of the deployment for both environments
    smoke = steps["Smoke test through the deployed API"]
    assert smoke["id"] == "smoke"
    assert smoke["env"]["API_KEY"] == "${{ secrets.SMOKE_API_KEY }}"
    assert smoke["env"]["CLIENT_ID"] == "${{ vars.SMOKE_CLIENT_ID }}"
    assert smoke["env"]["API_URL"] == "${{ vars.DEPLOY_API_URL }}"
    # without the environment's secrets: a notice, not a failure
    check = steps["Deployment secrets"]["run"]
    for host, expected in (("", "deploy=false"), ("scoring-staging.internal", "deploy=true")):
        output = tmp_path / f"output-{bool(host)}"
        env = {**os.environ, "DEPLOY_HOST": host, "ENVIRONMENT": "staging", "GITHUB_OUTPUT": str(output)}
        done = subprocess.run(
            ["bash", "-e", "-c", check], env=env, capture_output=True, text=True, check=True
        )
        assert output.read_text().strip() == expected
        assert ("::notice::DEPLOY_HOST is not set in the environment staging" in done.stdout) is not bool(
            host
        )


def documented_section() -> str:
    text = (ROOT / "docs" / "deployment.md").read_text()
    return text.split("## Continuous deployment", 1)[1].split("\n## ", 1)[0]


def test_every_secret_and_variable_the_deployment_reads_is_documented() -> None:
    text = "".join((WORKFLOWS / name).read_text() for name in ("deploy.yml", "deploy-environment.yml"))
    secrets = set(re.findall(r"secrets\.([A-Z_][A-Z0-9_]*)", text))
    variables = set(re.findall(r"vars\.([A-Z_][A-Z0-9_]*)", text))
    assert {"DEPLOY_HOST", "DEPLOY_SSH_KEY", "SMOKE_API_KEY"} <= secrets
    assert {"DEPLOY_API_URL", "SMOKE_CLIENT_ID"} <= variables
    section = documented_section()
    rows = dict(re.findall(r"^\| `([A-Z_0-9]+)` \| (secret|variable) \|", section, re.MULTILINE))
    assert {name: rows.get(name) for name in secrets - {"GITHUB_TOKEN"}} == dict.fromkeys(
        secrets - {"GITHUB_TOKEN"}, "secret"
    )
    assert {name: rows.get(name) for name in variables} == dict.fromkeys(variables, "variable")
    assert set(rows) == (secrets | variables) - {"GITHUB_TOKEN"}, "the table names only what is read"
    assert "`GITHUB_TOKEN`" in section
    for words in ("Required reviewers", "`staging`", "`production`", "Prevent self-review"):
        assert words in section


# The smoke test's script, run against a stand-in of the deployed API on a loopback port.

READY = {"ready": True, "model": {"name": "credit-scoring", "version": "7", "alias": "champion"}}
SCORE = {"client_id": 100001, "probability": 0.231, "decision": "granted", "model": READY["model"]}


class StandInApi:
    """Answers each path with the next (status, body) of its list; the last one repeats."""

    def __init__(self, answers: dict[str, list[tuple[int, Any]]]) -> None:
        self.answers = {path: list(replies) for path, replies in answers.items()}
        self.seen: list[tuple[str, str | None]] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.seen.append((self.path, self.headers.get("X-API-Key")))
                replies = api.answers.get(self.path.removeprefix("/api/v1"), [(404, {"error": "no route"})])
                status, body = replies.pop(0) if len(replies) > 1 else replies[0]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_smoke_test(
    tmp_path: Path, answers: dict[str, list[tuple[int, Any]]], **settings: str
) -> tuple[subprocess.CompletedProcess[str], str, StandInApi]:
    step = steps_by_name(workflow("deploy-environment.yml")["jobs"]["deploy"])[
        "Smoke test through the deployed API"
    ]
    script = heredoc(step["run"], "PY")
    api = StandInApi(answers)
    output = tmp_path / "output"
    output.write_text("")
    env = {
        **os.environ,
        "API_URL": api.url,
        "API_KEY": "smoke-key",
        "CLIENT_ID": "100001",
        "READY_TIMEOUT_S": "3",
        "POLL_S": "0.05",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        **settings,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        api.close()
    return done, output.read_text(), api


def healthy(**overrides: list[tuple[int, Any]]) -> dict[str, list[tuple[int, Any]]]:
    answers = {
        "/health": [(200, {"status": "ok"})],
        "/ready": [(200, READY)],
        "/clients/100001/score": [(200, SCORE)],
    }
    return {**answers, **overrides}


def test_the_smoke_test_scores_a_known_client_with_the_version_ready_names(tmp_path: Path) -> None:
    done, output, api = run_smoke_test(tmp_path, healthy())
    assert done.returncode == 0, done.stderr
    assert output == "smoke=passed\n"
    assert [path for path, _ in api.seen] == [
        "/api/v1/health",
        "/api/v1/ready",
        "/api/v1/clients/100001/score",
    ]
    assert all(key == "smoke-key" for _, key in api.seen)
    assert "model version 7; client 100001 scored 0.2310" in (tmp_path / "summary").read_text()


def test_the_smoke_test_waits_while_the_service_starts(tmp_path: Path) -> None:
    not_ready = {"error": {"code": "not_ready", "message": "not ready: registry unavailable"}}
    answers = healthy(**{"/ready": [(503, not_ready), (502, None), (200, READY)]})
    done, output, _ = run_smoke_test(tmp_path, answers)
    assert done.returncode == 0, done.stderr
    assert output == "smoke=passed\n" and "not_ready" in done.stdout


@pytest.mark.parametrize(
    ("answers", "settings", "message"),
    [
        ({"/clients/100001/score": [(200, {**SCORE, "model": {"version": "6"}})]}, {}, "scored by version 6"),
        ({"/clients/100001/score": [(200, {**SCORE, "probability": 1.5})]}, {}, "not in [0, 1]"),
        ({"/clients/100001/score": [(404, {"error": "unknown client"})]}, {}, "score: 404"),
        ({"/ready": [(401, {"error": "invalid key"})]}, {}, "/ready: 401"),
        ({"/ready": [(503, {"error": "not ready"})]}, {}, "/ready: 503"),  # still not ready at the deadline
        ({"/ready": [(200, {"ready": True, "model": None})]}, {}, "does not name the served model version"),
        ({}, {"CLIENT_ID": "", "API_URL": ""}, "needs DEPLOY_API_URL, SMOKE_CLIENT_ID"),
        ({}, {"CLIENT_ID": "a client"}, "must be a client id"),
    ],
)
def test_the_smoke_test_fails_the_deployment(tmp_path: Path, answers, settings, message) -> None:
    done, output, _ = run_smoke_test(tmp_path, healthy(**answers), **settings)
    assert done.returncode != 0 and message in done.stderr and "::error::" in done.stderr
    assert output == ""  # production does not follow


def test_the_smoke_test_reads_what_the_api_answers() -> None:
    """The fields the script reads are the API's (its models), at the route it calls."""
    from credit_scoring.api import schemas  # noqa: PLC0415
    from credit_scoring.api.security import API_KEY_HEADER  # noqa: PLC0415

    assert {"ready", "model"} <= set(schemas.Readiness.model_fields)
    assert "version" in schemas.ModelRef.model_fields
    assert {"probability", "model", "decision"} <= set(schemas.ClientScore.model_fields)
    assert API_KEY_HEADER == "X-API-Key"
    source = (ROOT / "src" / "credit_scoring" / "api" / "routes.py").read_text()
    assert '"/clients/<int:client_id>/score"' in source and '"/ready"' in source and '"/health"' in source


def test_the_monitoring_workflow_runs_make_monitor_daily_with_secrets_only_from_the_environment(
    tmp_path: Path,
) -> None:
    text = (ROOT / ".github" / "workflows" / "monitor.yml").read_text()
    workflow = yaml.safe_load(text)
    assert workflow[True]["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # every day
    job = workflow["jobs"]["monitor"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert "make monitor" in runs
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^monitor: setup", makefile, re.MULTILINE)
    for name in ("MLFLOW_TRACKING_URI", "DRIFT_ALERT_WEBHOOK_URL"):
        assert job["env"][name] == f"${{{{ secrets.{name} }}}}"
    assert "postgresql" not in "\n".join(runs)  # URLs come from the secrets, never from the file
    # the step writing conf/local/ from the secrets produces a configuration the project reads
    writer = next(run for run in runs if "conf/local" in run)
    script = writer.split("<<'PY'\n", 1)[1].rsplit("PY", 1)[0]
    local = tmp_path / "conf" / "local"
    local.mkdir(parents=True)
    env = {**os.environ, "PREDICTION_LOG_URL": "sqlite:///log.db", "LOAN_OUTCOMES_URL": "sqlite:///lender.db"}
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, check=True)
    catalog = yaml.safe_load((local / "catalog_performance.yml").read_text())["loan_outcomes"]
    assert catalog["credentials"] == "loan_outcomes"
    assert (
        yaml.safe_load((local / "credentials.yml").read_text())["prediction_log"]["url"] == "sqlite:///log.db"
    )
