"""Deployment: the container runs what `make serve` runs, and its image gets what that command needs.

Docker does not run on these machines: `scripts/serve` itself is what the browser tests start
(`tests/e2e/served.py`); here, the Dockerfile, the Makefile and the workflow are checked to point at it, and
the image's non-editable install is checked to carry the package's data files.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

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


def test_the_deploy_workflow_builds_on_main_and_deploys_only_with_secrets() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "deploy.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert triggers["push"]["branches"] == ["main"]
    build = workflow["jobs"]["build"]
    assert any(step.get("uses", "").startswith("docker/build-push-action") for step in build["steps"])
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["env"]["DEPLOY_HOST"] == "${{ secrets.DEPLOY_HOST }}"
    guarded = [step for step in deploy["steps"] if "run" in step and "ssh" in step["run"]]
    assert guarded and all("deploy == 'true'" in step["if"] for step in guarded)


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
