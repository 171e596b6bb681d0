"""Load benchmark of the served app (`scripts/serve`: API and dashboard on one gunicorn server, 2 workers,
4 threads each, as `make serve`); prints JSON.

Many advisers at once: ``--users`` threads (32), each signed in first through ``/login`` (its own session of
the served adviser user, signed in before the clock starts), each send the dashboard's score callback (``POST
/_dash-update-component`` with the ``X-CSRFToken`` header, what the browser sends when an adviser opens a
client: score and reasons from the API) for a random production client, one after the other, for
``--seconds``; meanwhile a service sends ``POST /api/v1/predict`` at ``--rate`` requests per second. A request
waits at most 10 s (the dashboard's own API timeout).

Two modes in the same run, on the same tiny project (tiny LightGBM in a throw-away MLflow registry):

- ``in_process`` (what `make serve` runs): the dashboard's client calls the mounted API in process; at most
  THREADS - 1 callbacks run at once per worker, the next ones wait up to 5 s and then get a 503.
- ``self_http`` (the reference, the earlier design): the dashboard calls its own server's API over HTTP
  (``DASHBOARD_API_URL`` set to it) and callbacks are not bounded.

Reported per mode: callbacks answered, 503 (busy), timeouts and other failures, p50/p95 latency; the service's
requests, failures, p50/p95/max latency. Usage: ``python benchmarks/bench_serving_load.py [--seconds 20]``
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
JSON_OUT = sys.stdout
sys.stdout = sys.stderr  # stdout carries the JSON result alone
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

import requests  # noqa: E402

from tests.api.project import API_KEY  # noqa: E402
from tests.e2e.served import USERS, _wait_ready, prepare_project, serving, sign_in  # noqa: E402
from tests.e2e.test_served_edges import score_callback  # noqa: E402

TIMEOUT_S = 10.0
MODES = {
    "in_process": {},
    "self_http": {"DASHBOARD_API_URL": "{base_url}/api/v1", "DASHBOARD_MAX_CALLBACKS": "1000"},
}


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def summary(latencies: list[float], outcomes: dict[str, int]) -> dict[str, Any]:
    return {
        **outcomes,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": percentile(latencies, 0.95),
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


def timed(call) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        status = call().status_code
        outcome = "ok" if status == 200 else "busy_503" if status == 503 else f"status_{status}"
    except requests.Timeout:
        outcome = "timeout"
    except requests.RequestException:
        outcome = "failed"
    return outcome, (time.perf_counter() - started) * 1000


def load(
    base_url: str,
    key: str,
    clients: list[int],
    applications: list[dict],
    *,
    users: int,
    seconds: float,
    rate: float,
) -> dict[str, Any]:
    with ThreadPoolExecutor(8) as pool:  # one signed-in session per adviser thread
        sessions = list(pool.map(lambda _: sign_in(base_url, USERS["adviser"]), range(users)))
    stop = time.monotonic() + seconds
    results: dict[str, tuple[list[float], dict[str, int]]] = {"callbacks": ([], {}), "service": ([], {})}
    lock = threading.Lock()

    def record(kind: str, outcome: str, latency: float) -> None:
        with lock:
            latencies, outcomes = results[kind]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome == "ok":
                latencies.append(latency)

    def adviser(seed: int, session: requests.Session) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            body = score_callback({"client_id": rng.choice(clients), "lang": "en"})
            url = f"{base_url}/_dash-update-component"
            record("callbacks", *timed(functools.partial(session.post, url, json=body, timeout=TIMEOUT_S)))

    def service() -> None:
        rng, session = random.Random(0), requests.Session()
        headers = {"X-API-Key": key}
        next_at = time.monotonic()
        while time.monotonic() < stop:
            application = rng.choice(applications)
            url = f"{base_url}/api/v1/predict"
            call = functools.partial(session.post, url, json=application, headers=headers, timeout=TIMEOUT_S)
            record("service", *timed(call))
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=adviser, args=pair) for pair in enumerate(sessions)]
    threads.append(threading.Thread(target=service))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {kind: summary(*values) for kind, values in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=5.0, help="service requests per second")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, among {sorted(MODES)}")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for scripts/serve (repeatable)"
    )
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)
    root = Path(tempfile.mkdtemp(prefix="bench_load_"))
    project = prepare_project(root)
    frame = project["raw_tables"]["application_test"]
    clients = [int(value) for value in frame["SK_ID_CURR"]]
    applications = [
        {key: value for key, value in row.items() if value is not None}
        for row in json.loads(frame.head(50).to_json(orient="records"))
    ]
    report: dict[str, Any] = {"users": args.users, "seconds": args.seconds, "service_rate_per_s": args.rate}
    report["env"] = extra_env
    for mode in args.modes.split(","):
        with serving(root, project, **{**extra_env, **MODES[mode]}) as (process, base_url):
            _wait_ready(base_url, process, root / "server.log", 300)
            load(base_url, API_KEY, clients, applications, users=2, seconds=2.0, rate=1.0)  # warm-up
            report[mode] = load(
                base_url,
                API_KEY,
                clients,
                applications,
                users=args.users,
                seconds=args.seconds,
                rate=args.rate,
            )
    report["load_average"] = os.getloadavg()
    JSON_OUT.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
