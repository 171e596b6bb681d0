"""The local stack: real services as local processes on loopback ports, without Docker (``make stack``).

    python -m credit_scoring.ops.stack up      # PostgreSQL, MLflow tracking server, two app servers
    python -m credit_scoring.ops.stack status  # what runs, from .stack/stack.json
    python -m credit_scoring.ops.stack train   # kedro run against the stack's tracking server
    python -m credit_scoring.ops.stack down    # stops exactly what `up` started (--purge: removes .stack/)

What ``up`` starts, each process in its own session (its process group is what ``down`` stops):

- a throw-away PostgreSQL cluster under ``.stack/postgres`` (`credit_scoring.ops.postgres`) with two
  databases: ``mlflow`` (the tracking server's backend store) and ``credit_scoring`` (the application
  database: decision log, users, audit trail; the app creates its tables itself through its URL);
- an MLflow tracking server (``mlflow server``, PostgreSQL backend) that serves the artifacts it stores under
  ``.stack/artifacts`` (``--serve-artifacts``): clients read and write them over HTTP;
- two app servers (``scripts/serve``, the deployed command) on two ports, as two hosts would, with
  ``MLFLOW_TRACKING_URI`` the tracking server and ``CREDIT_SCORING_PREDICTION_LOG_URL`` the application
  database. Each loads the champion and the tables published with its version from the tracking server, and
  keeps its own cache and spool under ``.stack/hosts/<a|b>`` (`host_folders`): no ``data/`` folder is shared.

``.stack/stack.json`` records ports, URLs, process ids (with each process's start time, so that ``down`` never
signals a process that merely reuses a recorded id) and log files; ``.stack/secrets.json`` (mode 600) the API
key, the session secret and the first administrator's password, kept across restarts.

Environment (defaults in brackets): ``STACK_DIR`` [<project>/.stack], ``STACK_POSTGRES_PORT`` [55432],
``STACK_MLFLOW_PORT`` [5050], ``STACK_APP_PORTS`` [8061,8062], ``STACK_WORKERS`` [1: gunicorn workers per app
server], ``STACK_TIMEOUT`` [300: seconds to wait for a service], ``CREDIT_SCORING_ROOT`` [the working
directory: the project whose ``conf/`` the app servers read, and whose ``data/`` serves only a version that
published no serving data].
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from credit_scoring.ops.postgres import PostgresServer, find_bin_dir, make_server_folder, postgres_missing

CODE_ROOT = Path(__file__).resolve().parents[3]  # the repository: scripts/serve, conf/gunicorn.conf.py
LOOPBACK = "127.0.0.1"
MLFLOW_DATABASE = "mlflow"
APP_DATABASE = "credit_scoring"
APP_NAMES = ("a", "b")
NO_TELEMETRY = {"DO_NOT_TRACK": "1", "MLFLOW_DISABLE_TELEMETRY": "true", "KEDRO_DISABLE_TELEMETRY": "true"}
STOP_GRACE_S = 40.0  # gunicorn finishes the requests in flight within its graceful_timeout (30 s)


class StackError(RuntimeError):
    """The stack cannot do what was asked; the message says why and what to do."""


@dataclass
class StackConfig:
    """Where the stack lives and listens; see the module docstring for the environment variables."""

    root: Path
    state_dir: Path
    postgres_port: int = 55432
    mlflow_port: int = 5050
    app_ports: tuple[int, ...] = (8061, 8062)
    workers: int = 1
    timeout_s: float = 300.0
    python: str = field(default_factory=lambda: sys.executable)
    code_root: Path = CODE_ROOT

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> StackConfig:
        environ = os.environ if environ is None else environ
        root = Path(environ.get("CREDIT_SCORING_ROOT") or Path.cwd()).resolve()
        ports = tuple(int(port) for port in environ.get("STACK_APP_PORTS", "8061,8062").split(",") if port)
        if len(ports) != len(APP_NAMES):
            raise StackError(f"STACK_APP_PORTS must name {len(APP_NAMES)} ports, got {ports}")
        return cls(
            root=root,
            state_dir=Path(environ.get("STACK_DIR") or root / ".stack").resolve(),
            postgres_port=int(environ.get("STACK_POSTGRES_PORT", "55432")),
            mlflow_port=int(environ.get("STACK_MLFLOW_PORT", "5050")),
            app_ports=ports,
            workers=int(environ.get("STACK_WORKERS", "1")),
            timeout_s=float(environ.get("STACK_TIMEOUT", "300")),
        )

    @property
    def state_file(self) -> Path:
        return self.state_dir / "stack.json"

    @property
    def secrets_file(self) -> Path:
        return self.state_dir / "secrets.json"

    @property
    def mlflow_url(self) -> str:
        return f"http://{LOOPBACK}:{self.mlflow_port}"

    def postgres(self) -> PostgresServer:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise StackError(postgres_missing() or "PostgreSQL is not installed")
        return PostgresServer(
            bin_dir=bin_dir, root=self.state_dir / "postgres", port=self.postgres_port, max_connections=100
        )


# --- processes ------------------------------------------------------------------------------------------


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid`` (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@dataclass
class Recorded:
    """A process the stack started: the leader of its own process group."""

    name: str
    pid: int
    started: int  # start_ticks(pid) when it was started
    log: str
    command: list[str]

    def is_alive(self) -> bool:
        """True when ``pid`` is still the process that was started (not a later one with the same id)."""
        return start_ticks(self.pid) == self.started

    def members(self) -> list[int]:
        """What is left of its process group: the leader, when it is the same process, and the children
        started after it (a group id outlives its leader while members remain)."""
        found = []
        for pid in group_members(self.pid):
            ticks = start_ticks(pid)
            if ticks is not None and ticks >= self.started:
                found.append(pid)
        return found

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM to the group, SIGKILL to what is left after ``grace_s``."""
        for signal_number, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 10.0)):
            members = self.members()
            if not members:
                return
            for pid in members:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal_number)
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and self.members():
                with suppress(ChildProcessError):  # our child when `up` ran in this process: collect it
                    os.waitpid(self.pid, os.WNOHANG)
                time.sleep(0.2)
        if self.members():
            raise StackError(f"{self.name}: processes {self.members()} survived SIGKILL")


def spawn(name: str, command: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path) -> Recorded:
    """``command`` in a new session (its own process group), output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ticks = start_ticks(process.pid)
    if ticks is None:
        raise StackError(f"{name} exited at once: see {log}")
    return Recorded(name=name, pid=process.pid, started=ticks, log=str(log), command=list(command))


def port_is_free(port: int) -> bool:
    """Nothing listens on ``port`` (connections of a stopped server left in TIME_WAIT do not count: the
    servers bind with SO_REUSEADDR, and so does this probe)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def http_status(url: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0) -> int | None:
    """The HTTP status of a GET, None when nothing answers."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def http_json(url: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"null")


def wait_for(url: str, process: Recorded, timeout_s: float) -> float:
    """Seconds until ``url`` answers 200; a StackError when the process exits first or time runs out."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        if http_status(url, timeout=2.0) == 200:
            return time.monotonic() - began
        if not process.members():
            raise StackError(f"{process.name} stopped before answering {url}: see {process.log}")
        time.sleep(0.3)
    raise StackError(f"{process.name} did not answer {url} within {timeout_s:.0f} s: see {process.log}")


# --- state ----------------------------------------------------------------------------------------------


def _write_private(path: Path, payload: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    partial.chmod(0o600)
    partial.replace(path)


def read_state(config: StackConfig) -> dict[str, Any] | None:
    if not config.state_file.is_file():
        return None
    return json.loads(config.state_file.read_text(encoding="utf-8"))


def recorded_processes(state: Mapping[str, Any]) -> list[Recorded]:
    """The app servers first, then the tracking server: the order to stop them in."""
    entries = [*state.get("apps", []), *([state["mlflow"]] if state.get("mlflow") else [])]
    return [Recorded(**entry["process"]) for entry in entries if entry.get("process")]


def stack_secrets(config: StackConfig) -> dict[str, str]:
    """The API key, session secret and first administrator's password: made once, kept in secrets.json."""
    if config.secrets_file.is_file():
        return json.loads(config.secrets_file.read_text(encoding="utf-8"))
    made = {
        "api_key": secrets.token_urlsafe(24),
        "secret_key": secrets.token_urlsafe(48),
        "admin_password": secrets.token_urlsafe(16),
    }
    _write_private(config.secrets_file, made)
    return made


def app_environment(config: StackConfig, postgres: PostgresServer, made: Mapping[str, str]) -> dict[str, str]:
    """What an app server of the stack is given: the URLs and its secrets."""
    return {
        **os.environ,
        **NO_TELEMETRY,
        "CREDIT_SCORING_ROOT": str(config.root),
        "MLFLOW_TRACKING_URI": config.mlflow_url,
        "CREDIT_SCORING_PREDICTION_LOG_URL": postgres.url(APP_DATABASE),
        "CREDIT_SCORING_API_KEYS": made["api_key"],
        "CREDIT_SCORING_SECRET_KEY": made["secret_key"],
        "CREDIT_SCORING_ADMIN_PASSWORD": made["admin_password"],
        "PYTHON": config.python,
        "HOST": LOOPBACK,
        "WORKERS": str(config.workers),
    }


def host_folders(config: StackConfig, name: str) -> dict[str, str]:
    """An app server's own folders, as on a host of its own: the cache of the serving data it fetches from
    the registry, and the spool of the records the database could not take yet."""
    host = config.state_dir / "hosts" / name
    return {"CREDIT_SCORING_CACHE_DIR": str(host / "cache"), "CREDIT_SCORING_SPOOL_DIR": str(host / "spool")}


# --- up / down ------------------------------------------------------------------------------------------


def running(config: StackConfig) -> dict[str, Any] | None:
    """The recorded state when a stack of this folder still runs (any of its processes or its cluster)."""
    state = read_state(config)
    if state is None:
        return None
    alive = [process.name for process in recorded_processes(state) if process.members()]
    if alive or config.postgres().answers():
        return state
    return None


def up(config: StackConfig, echo: Any = print) -> dict[str, Any]:
    """Start the stack (see the module docstring); its state. Everything started is stopped again when a
    step fails."""
    if (state := running(config)) is not None:
        echo(f"The stack of {config.state_dir} is already running (make stack-down stops it):")
        echo(describe(state))
        return state
    reason = postgres_missing()
    if reason:
        raise StackError(reason)
    ports = {
        "STACK_POSTGRES_PORT": config.postgres_port,
        "STACK_MLFLOW_PORT": config.mlflow_port,
        **{f"STACK_APP_PORTS ({name})": port for name, port in zip(APP_NAMES, config.app_ports, strict=True)},
    }
    busy = [f"{port} ({variable})" for variable, port in ports.items() if not port_is_free(port)]
    if busy:
        raise StackError(f"ports already in use on {LOOPBACK}: {', '.join(busy)}; choose others")
    began = time.monotonic()
    config.state_dir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"root": str(config.root), "state_dir": str(config.state_dir), "apps": []}
    try:
        _start_services(config, state, echo)
    except BaseException:
        echo("Start-up failed: stopping what was started")
        down(config, echo=echo)
        raise
    state["start_seconds"] = round(time.monotonic() - began, 1)
    state["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    _write_private(config.state_file, state)
    echo(describe(state))
    return state


def start_tracking_server(config: StackConfig, postgres: PostgresServer) -> Recorded:
    """``mlflow server`` on the cluster's ``mlflow`` database, serving the artifacts it keeps in
    ``.stack/artifacts``; started, not waited for."""
    artifacts = config.state_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [
        config.python, "-m", "mlflow", "server",
        "--backend-store-uri", postgres.url(MLFLOW_DATABASE),
        "--serve-artifacts", "--artifacts-destination", str(artifacts),
        "--host", LOOPBACK, "--port", str(config.mlflow_port), "--workers", "2",
    ]  # fmt: skip
    # no job runner: it serves GenAI evaluation jobs (seven more processes), which this project does not use
    environment = {**os.environ, **NO_TELEMETRY, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    return spawn("mlflow", command, environment, config.state_dir / "logs" / "mlflow.log", config.root)


def _start_services(config: StackConfig, state: dict[str, Any], echo: Any) -> None:
    logs = config.state_dir / "logs"
    postgres = config.postgres()
    make_server_folder(postgres.root)
    if not postgres.is_initialized():
        postgres.init()
    postgres.start()
    state["postgres"] = {
        "port": config.postgres_port,
        "data_dir": str(postgres.data_dir),
        "pid": postgres.postmaster_pid(),
        "log": str(postgres.root / "server.log"),
        "urls": {name: postgres.ensure_database(name) for name in (MLFLOW_DATABASE, APP_DATABASE)},
    }
    _write_private(config.state_file, state)
    echo(f"PostgreSQL on {LOOPBACK}:{config.postgres_port}")

    mlflow_process = start_tracking_server(config, postgres)
    state["mlflow"] = {
        "url": config.mlflow_url,
        "artifacts": str(config.state_dir / "artifacts"),
        "process": vars(mlflow_process),
    }
    _write_private(config.state_file, state)
    seconds = wait_for(f"{config.mlflow_url}/health", mlflow_process, config.timeout_s)
    echo(f"MLflow tracking server on {config.mlflow_url} ({seconds:.1f} s)")

    made = stack_secrets(config)
    env = app_environment(config, postgres, made)
    # the first administrator once, before two servers would both try to create it
    subprocess.run(
        [config.python, "-m", "credit_scoring.users", "ensure-admin", "--wait-s", "60"],
        env=env, cwd=config.code_root, check=True, capture_output=True, timeout=config.timeout_s,
    )  # fmt: skip
    started = []
    for name, port in zip(APP_NAMES, config.app_ports, strict=True):
        process = spawn(
            f"app-{name}",
            [str(config.code_root / "scripts" / "serve")],
            {**env, **host_folders(config, name), "PORT": str(port)},
            logs / f"app-{name}.log",
            config.code_root,
        )
        url = f"http://{LOOPBACK}:{port}"
        state["apps"].append({"name": name, "port": port, "url": url, "process": vars(process)})
        started.append((process, url))
        _write_private(config.state_file, state)
    for (process, url), entry in zip(started, state["apps"], strict=True):
        seconds = wait_for(f"{url}/api/v1/health", process, config.timeout_s)
        entry["process"]["command"] = command_line(process.pid)  # scripts/serve has exec'd gunicorn
        echo(f"app server {entry['name']} on {url} ({seconds:.1f} s)")
    _write_private(config.state_file, state)


def down(config: StackConfig, purge: bool = False, echo: Any = print) -> None:
    """Stop what the recorded state names (app servers, tracking server, cluster) and nothing else."""
    state = read_state(config)
    if state is None and not (config.state_dir / "postgres").is_dir():
        echo(f"No stack in {config.state_dir}")
    for process in recorded_processes(state or {}):
        if process.members():
            echo(f"stopping {process.name} (process group {process.pid})")
            process.stop()
    postgres = config.postgres() if find_bin_dir() else None
    if postgres is not None and postgres.is_initialized() and postgres.answers():
        echo(f"stopping PostgreSQL ({postgres.data_dir})")
        postgres.stop()
    if config.state_file.is_file():
        config.state_file.unlink()
    if purge and config.state_dir.is_dir():
        shutil.rmtree(config.state_dir)
        echo(f"removed {config.state_dir}")


def describe(state: Mapping[str, Any]) -> str:
    lines = []
    if state.get("postgres"):
        for name, url in state["postgres"]["urls"].items():
            lines.append(f"  PostgreSQL {name:<15} {url}")
    if state.get("mlflow"):
        lines.append(f"  MLflow tracking server    {state['mlflow']['url']}")
    for app in state.get("apps", []):
        lines.append(f"  app server {app['name']:<14} {app['url']}   (API: {app['url']}/api/v1)")
    if state.get("start_seconds") is not None:
        lines.append(f"  started in {state['start_seconds']} s; state and logs in {state['state_dir']}")
    return "\n".join(lines)


def status(config: StackConfig) -> dict[str, Any]:
    """Each app server's readiness (its /api/v1/ready answer) and each process's liveness."""
    state = read_state(config)
    if state is None:
        raise StackError(f"No stack in {config.state_dir} (make stack starts one)")
    key = stack_secrets(config)["api_key"]
    report: dict[str, Any] = {"processes": {}, "ready": {}}
    for process in recorded_processes(state):
        report["processes"][process.name] = process.is_alive()
    for app in state.get("apps", []):
        with suppress(OSError, ValueError):
            report["ready"][app["name"]] = http_json(f"{app['url']}/api/v1/ready", {"X-API-Key": key})
    return report


# --- training against the stack ----------------------------------------------------------------------------


def training_conf(config: StackConfig, tracking_uri: str) -> Path:
    """A configuration folder for ``kedro run --conf-source``: the project's ``conf/base``, and an environment
    ``stack`` (the project's ``conf/local`` files, then an ``mlflow.yml`` whose tracking URI is the stack's
    server and whose experiment stores its artifacts through that server)."""
    source, target = config.root / "conf", config.state_dir / "conf"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source / "base", target / "base")
    if (source / "local").is_dir():
        shutil.copytree(source / "local", target / "stack")
    else:
        (target / "stack").mkdir(parents=True)
    mlflow_conf = yaml.safe_load((source / "base" / "mlflow.yml").read_text(encoding="utf-8"))
    mlflow_conf["server"]["mlflow_tracking_uri"] = tracking_uri
    mlflow_conf["server"]["mlflow_registry_uri"] = None
    # None: the server's default, mlflow-artifacts:/ (served by the tracking server)
    mlflow_conf["tracking"]["experiment"]["create_experiment_kwargs"]["artifact_location"] = None
    written = yaml.safe_dump(mlflow_conf, sort_keys=False)
    (target / "stack" / "mlflow.yml").write_text(written, encoding="utf-8")
    return target


def train(config: StackConfig, kedro_arguments: Sequence[str], echo: Any = print) -> int:
    """``kedro run`` (with ``kedro_arguments``) on the project's data, tracked and registered on the stack's
    server; the exit status of kedro."""
    state = running(config)
    if state is None or not state.get("mlflow"):
        raise StackError(f"No running stack in {config.state_dir}: make stack first")
    tracking_uri = state["mlflow"]["url"]
    conf = training_conf(config, tracking_uri)
    env = {**os.environ, **NO_TELEMETRY, "MLFLOW_TRACKING_URI": tracking_uri, "KEDRO_ENV": "stack"}
    command = [
        config.python, "-m", "kedro", "run", "--conf-source", str(conf), "--env", "stack", *kedro_arguments,
    ]  # fmt: skip
    echo("$ " + " ".join(command))
    return subprocess.run(command, env=env, cwd=config.root, check=False).returncode


def _main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m credit_scoring.ops.stack", description=(__doc__ or "").split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the stack (says so when it already runs)")
    stop = commands.add_parser("down", help="stop what `up` started, and nothing else")
    stop.add_argument("--purge", action="store_true", help="and remove the state folder (cluster, artifacts)")
    commands.add_parser("status", help="liveness of each process and readiness of each app server (JSON)")
    training = commands.add_parser("train", help="kedro run against the stack's tracking server")
    training.add_argument("kedro_arguments", nargs=argparse.REMAINDER, help="passed to kedro run")
    args = parser.parse_args(arguments)
    config = StackConfig.from_environment()
    try:
        if args.command == "up":
            up(config)
        elif args.command == "down":
            down(config, purge=args.purge)
        elif args.command == "status":
            print(json.dumps(status(config), indent=2))
        else:
            return train(config, [a for a in args.kedro_arguments if a != "--"])
    except StackError as error:
        print(f"stack: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
