"""compose.yaml, checked without a Docker daemon: read as YAML and held against the scripts it mirrors.

Every image is built here or pinned; every variable it interpolates has a default or is documented in
.env.example (the required secrets only there, never a value); the app is given only variables the code reads;
ports, URLs and database names agree with scripts/serve, the Dockerfile and `make stack`
(credit_scoring.ops.stack); every named volume is declared and used; every `depends_on` waits for a health
check; the monitoring job's script runs (with a stand-in `kedro`) exactly the commands of `make monitor`, and
its Kedro environment loads with Kedro's own loader. With `docker` on PATH, `docker compose config -q` too.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from credit_scoring.ops.stack import APP_DATABASE, MLFLOW_DATABASE

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<rest>[^}]*))?\}")
ESCAPED = "\0"  # stands for `$$` (a literal dollar sign) while the interpolations are read
#: Read by the code that other sessions of issue 22 are writing (the app's per-host cache of what the registry
#: publishes with a model version, and the spool folder of the decision log and audit trail). A name here and
#: not yet in the code is accepted; once the code reads it, the entry is redundant and may go.
ANNOUNCED_APP_VARIABLES = {"CREDIT_SCORING_CACHE_DIR", "CREDIT_SCORING_SPOOL_DIR"}
#: Stand-in values of the required secrets, to resolve the file as `docker compose` would.
SECRETS = {
    "POSTGRES_PASSWORD": "pgsecret",
    "CREDIT_SCORING_API_KEYS": "key-one",
    "CREDIT_SCORING_SECRET_KEY": "s" * 48,
    "CREDIT_SCORING_ADMIN_PASSWORD": "admin-password",
}
HEARTBEAT = "/tmp/monitor-last-success"


# --- reading the file as docker compose does ---------------------------------------------------------------


def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


def interpolations(text: str) -> list[re.Match[str]]:
    return list(INTERPOLATION.finditer(text.replace("$$", ESCAPED)))


def resolve(text: str, environ: dict[str, str]) -> str:
    """``text`` with its interpolations replaced as `docker compose` does; a missing required one raises."""

    def value(match: re.Match[str]) -> str:
        name, op, rest = match["name"], match["op"], match["rest"]
        given = environ.get(name)
        if op in (":-", ":?") and given == "":
            given = None
        if given is not None:
            return given
        if op in (":-", "-"):
            return rest
        if op in (":?", "?"):
            raise KeyError(f"{name}: {rest}")
        return ""

    return INTERPOLATION.sub(value, text.replace("$$", ESCAPED)).replace(ESCAPED, "$")


def compose(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The file, interpolated with ``environ`` (default: the stand-in secrets), aliases and merges applied."""
    return yaml.safe_load(resolve(compose_text(), SECRETS if environ is None else environ))


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    found = service.get("environment") or {}
    if isinstance(found, list):
        found = dict(entry.split("=", 1) for entry in found)
    return {name: str(value) for name, value in found.items()}


def env_example() -> dict[str, tuple[str, bool]]:
    """Name -> (value, commented out) of the lines ``NAME=value`` and ``# NAME=value`` of .env.example."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            found[match[2]] = (match[3], bool(match[1]))
    return found


def makefile_default(name: str) -> str:
    match = re.search(rf"^{name} \?= (\S+)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert match, f"Makefile: no default for {name}"
    return match[1]


def port_of(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or {"http": 80, "https": 443}[parts.scheme]


def published(service: dict[str, Any]) -> dict[int, str]:
    """Container port -> host side (``address:port``) of the service's ``ports``."""
    found = {}
    for entry in service.get("ports", []):
        host, _, container = str(entry).rpartition(":")
        found[int(container)] = host
    return found


# --- images and variables ---------------------------------------------------------------------------------


def test_every_image_is_built_from_this_repository_or_pinned() -> None:
    for name, service in services().items():
        build = service.get("build")
        if build is not None:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = context / (
                "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            )
            assert dockerfile.is_file(), f"service {name}: builds from {dockerfile}, which does not exist"
        image = service.get("image")
        assert image or build, f"service {name}: neither an image nor a build"
        if image:
            repository, _, tag = image.rpartition(":")
            assert repository and "/" not in tag, f"service {name}: image {image!r} has no tag (pin one)"
            assert tag != "latest", f"service {name}: image {image!r} is not pinned (latest)"
    # one image of the Dockerfile for the app, the tracking server and the monitoring job: same versions
    ours = {name: service["image"] for name, service in services().items() if "build" in service}
    assert set(ours) == {"app", "mlflow", "monitor"}, f"built from the Dockerfile: {sorted(ours)}"
    assert len(set(ours.values())) == 1, f"one image for all three, not {ours}"


def test_the_postgres_image_is_a_pinned_major_version() -> None:
    image = services()["postgres"]["image"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?(-\w+)?", image), (
        f"postgres image {image!r}: pin a major version"
    )


def test_every_variable_has_a_default_or_is_documented_in_env_example() -> None:
    documented = env_example()
    used: dict[str, set[str]] = {}
    for match in interpolations(compose_text()):
        used.setdefault(match["name"], set()).add(f"{match['op'] or ''}{match['rest'] or ''}")
    assert used, "compose.yaml interpolates nothing?"
    for name, forms in sorted(used.items()):
        required = any(form.startswith((":?", "?")) for form in forms)
        defaults = {
            form[2:] if form.startswith(":-") else form[1:]
            for form in forms
            if form[:1] == "-" or form[:2] == ":-"
        }
        assert required or defaults, f"${{{name}}}: neither a default nor required (${{{name}:?message}})"
        assert not (required and defaults), f"${{{name}}}: both required and defaulted: {forms}"
        assert len(defaults) <= 1, f"${{{name}}}: two defaults {defaults}"
        assert name in documented, f"${{{name}}} is not documented in .env.example"
        value, commented = documented[name]
        if required:
            assert not commented and value == "", (
                f".env.example: {name}= must be an uncommented line, no value"
            )
        else:
            assert commented, (
                f".env.example: optional {name} must be commented out (its default is in compose.yaml)"
            )
            assert value == next(iter(defaults)), (
                f".env.example shows {name}={value}, compose.yaml's default is {next(iter(defaults))!r}"
            )
    stale = set(documented) - set(used)
    assert not stale, f".env.example documents variables compose.yaml does not use: {sorted(stale)}"


def test_no_dollar_sign_is_interpolated_by_accident() -> None:
    """A shell variable in a command must be written ``$$NAME`` (or ``$${NAME}``); ``$NAME`` would be replaced
    by docker compose, usually with nothing."""
    text = compose_text().replace("$$", ESCAPED)
    bare = [text[match.start() : match.start() + 20] for match in re.finditer(r"\$(?!\{)", text)]
    assert not bare, f"dollar signs docker compose would read as variables (write $$): {bare}"


def test_the_required_secrets_stop_compose_without_a_value() -> None:
    for name in SECRETS:
        environ = {key: value for key, value in SECRETS.items() if key != name}
        with pytest.raises(KeyError, match=name):
            compose(environ)
        with pytest.raises(KeyError, match=name):
            compose({**environ, name: ""})
    # no value in the file: each secret the services are given comes from the environment
    raw = yaml.safe_load(compose_text())
    for name, service in raw["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|_KEYS?$", variable) or "@" in str(value):
                assert re.search(r"\$\{[A-Z_]+:\?", str(value)), (
                    f"{name}: {variable} is not a required variable"
                )


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="not a git checkout")
def test_the_env_file_with_the_secrets_is_never_committed() -> None:
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False).returncode == 0
    assert (
        subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT, check=False).returncode == 1
    )


def names_in_python(paths: list[Path]) -> set[str]:
    """Every string constant shaped like an environment variable's name in these Python files."""
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ENV_NAME.fullmatch(node.value)
            ):
                names.add(node.value)
    return names


def names_in_shell(text: str) -> set[str]:
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))


def names_the_app_reads() -> set[str]:
    python = [
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "dash_app").rglob("*.py"),
        ROOT / "conf" / "gunicorn.conf.py",
    ]
    return names_in_python(python) | names_in_shell((ROOT / "scripts" / "serve").read_text(encoding="utf-8"))


def test_the_app_is_given_only_variables_the_code_reads() -> None:
    read = names_the_app_reads() | ANNOUNCED_APP_VARIABLES
    given = set(environment(services()["app"]))
    unknown = sorted(given - read)
    assert not unknown, f"app: {unknown} set in compose.yaml, read nowhere in src/, scripts/serve or conf/"
    # what `make stack` gives each app server (credit_scoring.ops.stack.app_environment), Docker's way
    assert {
        "MLFLOW_TRACKING_URI",
        "CREDIT_SCORING_PREDICTION_LOG_URL",
        "CREDIT_SCORING_API_KEYS",
        "CREDIT_SCORING_SECRET_KEY",
        "CREDIT_SCORING_ADMIN_PASSWORD",
        "WORKERS",
    } <= given


def test_the_check_of_the_app_variables_catches_a_typo() -> None:
    read = names_the_app_reads()
    assert "CREDIT_SCORING_SECRET_KEY" in read and "THREADS" in read
    assert "CREDIT_SCORING_SECRET_KEYS" not in read and "CREDIT_SCORING_SECERT_KEY" not in read


def test_the_tracking_server_and_the_monitoring_job_are_given_variables_their_programs_read() -> None:
    site = Path(yaml.__file__).resolve().parents[1]
    mlflow_source = "".join(
        (site / "mlflow" / name).read_text(encoding="utf-8")
        for name in ("environment_variables.py", "cli/__init__.py")
    )
    for name in environment(services()["mlflow"]):
        assert f'"{name}"' in mlflow_source, f"mlflow: {name} is not a variable mlflow server reads"
    monitor = services()["monitor"]
    script = monitor["command"][-1]
    configs = "".join(entry["content"] for entry in compose()["configs"].values())
    kedro_session = (site / "kedro" / "framework" / "session" / "session.py").read_text(encoding="utf-8")
    read = (
        names_the_app_reads()
        | names_in_shell(script)
        | set(re.findall(r"\$\{oc\.env:([A-Z0-9_]+)\}", configs))
        | ({"KEDRO_ENV"} if '"KEDRO_ENV"' in kedro_session else set())
    )
    unknown = sorted(set(environment(monitor)) - read)
    assert not unknown, f"monitor: {unknown} set in compose.yaml, read by nothing it runs"


# --- ports, URLs, databases ---------------------------------------------------------------------------------


def dockerfile_env(name: str) -> str:
    match = re.search(rf"^ENV .*\b{name}=(\S+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert match, f"Dockerfile: no ENV {name}"
    return match[1]


def test_the_app_listens_where_scripts_serve_and_the_dockerfile_say() -> None:
    serve = (ROOT / "scripts" / "serve").read_text(encoding="utf-8")
    default = int(re.search(r'PORT="\$\{PORT:-(\d+)\}"', serve)[1])
    image_port = int(dockerfile_env("PORT"))
    exposed = re.search(r"^EXPOSE (\d+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert default == image_port == int(exposed[1]) == 8050
    app = services()["app"]
    port = int(environment(app).get("PORT", image_port))
    assert port == image_port, f"app: PORT {port}, the image's health check asks {image_port}"
    assert dockerfile_env("HOST") == "0.0.0.0", "the image must listen beyond the container's loopback"
    assert environment(app).get("HOST", "0.0.0.0") == "0.0.0.0", "app: HOST must stay 0.0.0.0 in a container"
    assert set(published(app)) == {port}, f"app: publishes {sorted(published(app))}, listens on {port}"
    assert published(app)[port] == f"127.0.0.1:{makefile_default('DASH_PORT')}", published(app)
    health = app["healthcheck"]["test"][-1]
    assert f"http://127.0.0.1:{port}/api/v1/health" in health, f"app health check: {health}"


def option(command: list[str], flag: str) -> str:
    assert flag in command, f"{flag} missing from {command}"
    return command[command.index(flag) + 1]


def test_the_tracking_server_is_started_as_make_stack_starts_it() -> None:
    mlflow = services()["mlflow"]
    command = mlflow["command"]
    assert command[:4] == ["/app/.venv/bin/python", "-m", "mlflow", "server"], command
    assert "--serve-artifacts" in command
    assert option(command, "--host") == "0.0.0.0"
    port = int(option(command, "--port"))
    destination = option(command, "--artifacts-destination")
    assert [volume.split(":")[1] for volume in mlflow["volumes"]] == [destination], "artifacts on a volume"
    assert set(published(mlflow)) == {port}
    assert published(mlflow)[port] == f"127.0.0.1:{makefile_default('MLFLOW_PORT')}", published(mlflow)
    assert f"http://127.0.0.1:{port}/health" in mlflow["healthcheck"]["test"][-1]
    env = environment(mlflow)
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false"  # as stack.start_tracking_server
    for client in ("app", "monitor"):
        uri = environment(services()[client])["MLFLOW_TRACKING_URI"]
        assert urlsplit(uri).hostname == "mlflow" and port_of(uri) == port, (
            f"{client}: {uri} is not the server"
        )
        host = urlsplit(uri).netloc
        assert host in env["MLFLOW_SERVER_ALLOWED_HOSTS"].split(","), (
            f"mlflow refuses the Host {host} of {client}"
        )


def postgres_url(url: str) -> tuple[str, int, str, str]:
    parts = urlsplit(url)
    assert parts.scheme == "postgresql+psycopg", f"{url}: not the psycopg driver of requirements.lock"
    return parts.hostname, parts.port or 5432, parts.path.lstrip("/"), parts.password


def test_the_databases_are_those_of_make_stack_on_the_postgres_service() -> None:
    found = services()
    store = found["mlflow"]["command"]
    store = option(store, "--backend-store-uri") if "--backend-store-uri" in store else None
    store = store or environment(found["mlflow"])["MLFLOW_BACKEND_STORE_URI"]
    assert postgres_url(store) == ("postgres", 5432, MLFLOW_DATABASE, SECRETS["POSTGRES_PASSWORD"]), store
    for client in ("app", "monitor"):
        log_url = environment(found[client])["CREDIT_SCORING_PREDICTION_LOG_URL"]
        assert postgres_url(log_url) == ("postgres", 5432, APP_DATABASE, SECRETS["POSTGRES_PASSWORD"]), (
            log_url
        )
    assert environment(found["postgres"])["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    assert "ports" not in found["postgres"], "the database is reached through the compose network only"
    configs = compose()["configs"]
    init = [
        entry
        for entry in found["postgres"]["configs"]
        if entry["target"].startswith("/docker-entrypoint-initdb.d/")
    ]
    assert len(init) == 1 and init[0]["target"].endswith(".sql")
    created = re.findall(r"CREATE DATABASE (\w+);", configs[init[0]["source"]]["content"])
    assert sorted(created) == sorted([MLFLOW_DATABASE, APP_DATABASE]), created


# --- volumes, health, order ---------------------------------------------------------------------------------


def test_every_named_volume_is_declared_and_every_declared_one_used() -> None:
    data = compose()
    declared = set(data.get("volumes") or {})
    used: dict[str, list[str]] = {}
    for name, service in data["services"].items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if not source.startswith((".", "/", "~")):  # a bind mount names a path
                used.setdefault(source, []).append(name)
    assert set(used) - declared == set(), f"used but not declared: {sorted(set(used) - declared)}"
    assert declared - set(used) == set(), f"declared but used by no service: {sorted(declared - set(used))}"
    mounts = {
        name: {volume.split(":")[1] for volume in service.get("volumes", [])}
        for name, service in data["services"].items()
    }
    assert "/var/lib/postgresql/data" in mounts["postgres"]
    app_env = environment(data["services"]["app"])
    for variable in ("CREDIT_SCORING_CACHE_DIR", "CREDIT_SCORING_SPOOL_DIR"):
        assert app_env[variable] in mounts["app"], f"app: {variable}={app_env[variable]} is not on a volume"


def test_the_folders_mounted_on_are_the_image_users() -> None:
    """A fresh named volume takes the owner of the image's folder: the non-root user must own each one."""
    dockerfile = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    made = next(line for line in dockerfile.splitlines() if line.startswith("RUN mkdir -p"))
    owned = made.split("chown -R scoring:scoring", 1)[1].split()
    data = compose()
    for name in ("app", "mlflow", "monitor"):
        for volume in data["services"][name].get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith((".", "/")):
                continue
            relative = target.removeprefix("/app/")
            assert relative in made, f"{name}: {target} is not made by the Dockerfile"
            assert any(relative == path or relative.startswith(f"{path}/") for path in owned), (
                f"{name}: {target} is not owned by the image's user"
            )


def test_every_service_has_a_health_check_and_waits_for_healthy_ones() -> None:
    found = services()
    for name, service in found.items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"service {name}: no health check"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in found, f"{name} depends on {dependency}, which is no service"
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}: {condition}"
            assert "healthcheck" in found[dependency], (
                f"{name} waits for {dependency}, which has no health check"
            )
    assert set(found["app"]["depends_on"]) == {"postgres", "mlflow"}
    assert set(found["mlflow"]["depends_on"]) == {"postgres"}
    postgres = found["postgres"]["healthcheck"]["test"]
    assert postgres[1] == "pg_isready" and "--host=127.0.0.1" in postgres, postgres


# --- the monitoring job -------------------------------------------------------------------------------------


def make_monitor_commands() -> list[list[str]]:
    """What `make monitor` runs, as make expands it (MONITOR_DAYS left as the shell variable)."""
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", "setup", "monitor", "MONITOR_DAYS=$${MONITOR_DAYS}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [shlex.split(line) for line in dry_run.splitlines() if line.strip()]
    assert len(commands) == 2 and all("kedro" in command[0] for command in commands), commands
    return commands


def run_monitor_script(tmp_path: Path, interval: str, kedro_status: int = 0) -> tuple[int, list[list[str]]]:
    """The monitoring service's command, run by bash in a folder with a stand-in ``.venv/bin/kedro`` that
    records its arguments (one JSON list per call) and exits with ``kedro_status``."""
    monitor = services()["monitor"]
    assert monitor["command"][:2] == ["bash", "-c"]
    script = monitor["command"][2]
    assert HEARTBEAT in script and HEARTBEAT in monitor["healthcheck"]["test"][-1]
    heartbeat = tmp_path / "heartbeat"
    kedro = tmp_path / ".venv" / "bin" / "kedro"
    kedro.parent.mkdir(parents=True)
    calls = tmp_path / "calls"
    record = "import json, sys; print(json.dumps(['.venv/bin/kedro', *sys.argv[1:]]))"
    kedro.write_text(f'#!/usr/bin/env bash\npython3 -c "{record}" "$@" >> {calls}\nexit {kedro_status}\n')
    kedro.chmod(0o755)
    env = {**os.environ, **environment(monitor), "MONITOR_INTERVAL_SECONDS": interval}
    result = subprocess.run(
        ["bash", "-c", script.replace(HEARTBEAT, str(heartbeat))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    recorded = [yaml.safe_load(line) for line in calls.read_text().splitlines()] if calls.exists() else []
    if kedro_status == 0:
        assert heartbeat.is_file(), result.stderr
    else:
        assert not heartbeat.exists() and "the run failed" in result.stderr
    return result.returncode, recorded


def test_the_monitoring_job_runs_what_make_monitor_runs(tmp_path: Path) -> None:
    status, calls = run_monitor_script(tmp_path, interval="0")
    days = environment(services()["monitor"])["MONITOR_DAYS"]
    assert days == makefile_default("MONITOR_DAYS")
    expected = [
        [part.replace("${MONITOR_DAYS}", days) for part in command] for command in make_monitor_commands()
    ]
    assert status == 0
    assert calls == expected, f"compose's monitor ran {calls}, make monitor runs {expected}"


def test_a_failed_monitoring_run_stops_there_and_says_so(tmp_path: Path) -> None:
    status, calls = run_monitor_script(tmp_path, interval="0", kedro_status=3)
    assert status == 3 and len(calls) == 1  # no performance run after a failed drift run, as make does


def test_the_monitoring_job_is_scheduled() -> None:
    monitor = services()["monitor"]
    interval = int(environment(monitor)["MONITOR_INTERVAL_SECONDS"])
    assert interval == 86400, "daily by default"
    assert 'sleep "${MONITOR_INTERVAL_SECONDS}"' in monitor["command"][-1]
    assert monitor["restart"] == "unless-stopped" and monitor["init"] is True
    assert set(monitor["depends_on"]) == {"postgres", "mlflow"}


def test_the_monitoring_job_is_healthy_while_its_last_success_is_recent(tmp_path: Path) -> None:
    monitor = services()["monitor"]
    check = monitor["healthcheck"]["test"]
    assert check[:3] == ["CMD", "bash", "-c"]
    heartbeat = tmp_path / "heartbeat"
    env = {**os.environ, "MONITOR_INTERVAL_SECONDS": environment(monitor)["MONITOR_INTERVAL_SECONDS"]}

    def healthy() -> bool:
        command = check[3].replace(HEARTBEAT, str(heartbeat))
        return subprocess.run(["bash", "-c", command], env=env, check=False, timeout=10).returncode == 0

    assert not healthy(), "healthy before any successful run"
    heartbeat.write_text(f"{int(time.time())}\n")
    assert healthy()
    heartbeat.write_text(f"{int(time.time()) - 2 * 86400 - 60}\n")
    assert not healthy(), "healthy two intervals after the last success"


def monitor_conf(tmp_path: Path) -> Path:
    """A conf source as the monitoring container sees it: conf/base and the `compose` environment."""
    conf = tmp_path / "conf"
    shutil.copytree(ROOT / "conf" / "base", conf / "base")
    monitor = services()["monitor"]
    configs = compose()["configs"]
    for entry in monitor["configs"]:
        target = Path(entry["target"])
        assert target.parent == Path("/app/conf") / environment(monitor)["KEDRO_ENV"], target
        (conf / target.parent.name).mkdir(exist_ok=True)
        (conf / target.parent.name / target.name).write_text(configs[entry["source"]]["content"])
    return conf


def config_loader(conf: Path) -> Any:
    from kedro.config import OmegaConfigLoader  # noqa: PLC0415

    from credit_scoring.settings import CONFIG_LOADER_ARGS  # noqa: PLC0415

    args = {**CONFIG_LOADER_ARGS, "default_run_env": "compose"}
    args["config_patterns"] = {**args["config_patterns"], "mlflow": ["mlflow*", "mlflow*/**"]}
    return OmegaConfigLoader(conf_source=str(conf), env="compose", **args)


def test_the_monitoring_environment_tracks_on_the_server_with_the_rest_of_conf_base(tmp_path: Path) -> None:
    from kedro_mlflow.config.kedro_mlflow_config import KedroMlflowConfig  # noqa: PLC0415

    loaded = config_loader(monitor_conf(tmp_path))["mlflow"]
    config = KedroMlflowConfig.model_validate(loaded)
    # null: kedro-mlflow takes $MLFLOW_TRACKING_URI (conf/base names a sqlite file, unwritable in the image);
    # no artifact location: an experiment this job creates stores through the server, as make stack-train's
    assert config.server.mlflow_tracking_uri is None
    assert config.tracking.experiment.create_experiment_kwargs.artifact_location is None
    base = yaml.safe_load((ROOT / "conf" / "base" / "mlflow.yml").read_text())
    base["server"]["mlflow_tracking_uri"] = None
    base["tracking"]["experiment"]["create_experiment_kwargs"]["artifact_location"] = None
    for key, value in loaded.items():
        assert value == base[key], (
            f"compose.yaml's monitor-mlflow {key!r} differs from conf/base/mlflow.yml's"
        )


def test_the_monitoring_environment_reads_the_decision_log_of_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kedro.io import DataCatalog  # noqa: PLC0415

    url = environment(services()["monitor"])["CREDIT_SCORING_PREDICTION_LOG_URL"]
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG_URL", url)
    loader = config_loader(monitor_conf(tmp_path))
    catalog = DataCatalog.from_config(
        {"prediction_log": loader["catalog"]["prediction_log"]}, credentials=loader["credentials"]
    )
    assert catalog.load("prediction_log").url == url


# --- docker, when there is one ------------------------------------------------------------------------------


def has_docker_compose() -> bool:
    """``docker compose`` answers (the CLI alone is not enough: compose is a plugin)."""
    if shutil.which("docker") is None:
        return False
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False, timeout=30)
    return version.returncode == 0


@pytest.mark.skipif(
    not has_docker_compose(), reason="no `docker compose` here (no docker, or no compose plugin)"
)
def test_docker_compose_accepts_the_file() -> None:
    subprocess.run(
        ["docker", "compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
        env={**os.environ, **SECRETS},
        check=True,
        timeout=60,
    )
