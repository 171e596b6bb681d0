"""Two servers on one host, each with the project's gunicorn settings: each has its own control socket,
answering for its own workers (gunicorn's default is one path for all, which the second server took)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.api.gunicorn_server import GUNICORN, PROJECT_ROOT, free_port

GUNICORNC = Path(sys.executable).parent / "gunicornc"
HELLO_APP = "tests.api.hello_wsgi:application"


def start(port: int, workers: int, runtime: Path, log: Path) -> subprocess.Popen:
    command = [
        str(GUNICORN), "-c", str(PROJECT_ROOT / "conf" / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), HELLO_APP,
    ]  # fmt: skip
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    with open(log, "ab") as output:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=output)


def wait_until_served(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"no answer on port {port}:\n{log.read_text()}")


def workers_of(socket: Path) -> int:
    shown = subprocess.run(
        [str(GUNICORNC), "-s", str(socket), "-c", "show workers", "-j"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return len(json.loads(shown.stdout)["workers"])


def test_each_server_has_its_own_control_socket(tmp_path: Path) -> None:
    first_port, second_port = free_port(), free_port()
    log = tmp_path / "gunicorn.log"
    first = start(first_port, 2, tmp_path, log)
    second = start(second_port, 1, tmp_path, log)
    sockets = {port: tmp_path / f"gunicorn-127.0.0.1-{port}.ctl" for port in (first_port, second_port)}
    try:
        wait_until_served(first_port, first, log)
        wait_until_served(second_port, second, log)
        assert not (tmp_path / "gunicorn.ctl").exists(), "no server took gunicorn's shared default path"
        deadline = time.monotonic() + 30
        while not all(path.exists() for path in sockets.values()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers_of(sockets[first_port]) == 2 and workers_of(sockets[second_port]) == 1
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
        assert not sockets[second_port].exists() and workers_of(sockets[first_port]) == 2
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
