"""Run the API under gunicorn on 127.0.0.1 (the project's conf/gunicorn.conf.py), for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_gunicorn(
    environment: Mapping[str, str],
    *,
    workers: int = 2,
    api_key: str,
    log_file: Path,
    start_timeout: float = 300,
) -> Iterator[str]:
    """Start gunicorn with ``environment`` added (CREDIT_SCORING_ROOT, keys, URLs), wait until every worker
    answers /ready, yield the base URL, then stop it gracefully (SIGTERM)."""
    port = free_port()
    command = [
        str(GUNICORN),
        "-c",
        str(PROJECT_ROOT / "conf" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "credit_scoring.api:create_app()",
    ]
    env = {**os.environ, "DO_NOT_TRACK": "1", "MLFLOW_DISABLE_TELEMETRY": "true", **environment}
    base_url = f"http://127.0.0.1:{port}"
    with open(log_file, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=PROJECT_ROOT)
    try:
        _wait_until_ready(process, base_url, api_key, start_timeout, log_file)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _wait_until_ready(
    process: subprocess.Popen, base_url: str, api_key: str, timeout: float, log_file: Path
) -> None:
    """Ready once /ready answers 200: a sync worker accepts connections only after loading the app, so
    requests sent from then on are answered (by a worker still loading only once it is ready)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail}")
        try:
            response = requests.get(f"{base_url}/api/v1/ready", headers={"X-API-Key": api_key}, timeout=30)
            if response.status_code == 200:
                return
            if response.status_code == 503:
                raise RuntimeError(f"the API started without being ready: {response.text}")
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or the connection waits in the backlog for a worker still loading
        time.sleep(0.5)
    raise TimeoutError(f"gunicorn not ready within {timeout} s; log: {log_file}")
