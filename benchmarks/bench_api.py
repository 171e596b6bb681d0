"""Benchmark of the scoring API over HTTP on 127.0.0.1, under gunicorn; prints JSON.

For one and two workers, POST /api/v1/predict with and without the top-5 reasons:

- latency: one client sending requests one after another (p50 / p95 / p99 / mean, client-side, in ms; and
  the server-side ``latency_ms`` the API reports). The client is the standard library's ``http.client``, one
  connection per request (gunicorn's sync workers close it): the ``requests`` package alone adds ~3 ms a call
  here, which would hide the server's time;
- throughput: ``--concurrency`` clients at once (requests per second).

Reference measured in the same run: GET /api/v1/health (HTTP + gunicorn + Flask, no work), so that ratios
stay comparable on a busy shared machine. Targets on the reference 2-core machine: p95 <= 8 ms without
reasons, <= 15 ms with the top-5 reasons.

Data: the project's own (``--project .``: the champion of the registry, data/ of the project) or the tiny
generated project of the API tests (``--project tiny``, works on a fresh clone). The decision log goes to a
temporary SQLite file (the same write as in production).

Usage (from the project root):
    python benchmarks/bench_api.py                      # the project's data and champion model
    python benchmarks/bench_api.py --project tiny --requests 200
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
JSON_OUT = sys.stdout
sys.stdout = sys.stderr  # stdout carries the JSON result alone
PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # tests.api helpers

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from credit_scoring.api.config import load_settings  # noqa: E402
from credit_scoring.raw.tables import RAW_TABLES  # noqa: E402
from credit_scoring.serving.clients import plain  # noqa: E402
from tests.api.gunicorn_server import running_gunicorn  # noqa: E402

BENCH_KEY = "bench-key-0123456789"


def applications(staged_application_test: Path, limit: int = 500) -> list[dict[str, Any]]:
    """Production applications as a caller sends them: JSON-ready fields, integers as integers."""
    frame = pd.read_parquet(staged_application_test).head(limit)
    kinds = RAW_TABLES["application_test"]
    payloads = []
    for row in frame.to_dict(orient="records"):
        payload = {}
        for column, kind in kinds.items():
            value = plain(row.get(column))
            if value is None:
                continue
            payload[column] = int(value) if kind == "int64" else value
        payloads.append(payload)
    return payloads


def percentiles(samples: list[float]) -> dict[str, float]:
    values = np.asarray(samples, dtype=float)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "mean_ms": round(float(values.mean()), 3),
        "n": len(samples),
    }


def _request(url: str, method: str, path: str, body: bytes | None = None) -> tuple[float, bytes]:
    """One request on a new connection: (client-side milliseconds, response body); raises unless 200."""
    address = urlsplit(url)
    headers = {"X-API-Key": BENCH_KEY, "Content-Type": "application/json"} if body is not None else {}
    started = time.perf_counter()
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {content[:300]!r}")
    return elapsed, content


def _post(url: str, payload: dict[str, Any], reasons: bool) -> tuple[float, float]:
    path = f"/api/v1/predict?reasons={str(reasons).lower()}&top_k=5"
    elapsed, content = _request(url, "POST", path, json.dumps(payload).encode())
    return elapsed, float(json.loads(content)["latency_ms"])


def _health(url: str) -> float:
    return _request(url, "GET", "/api/v1/health")[0]


def measure(url: str, payloads: list[dict[str, Any]], n: int, concurrency: int) -> dict[str, Any]:
    for payload in payloads[:20]:  # warm-up: first-use costs (imports, caches) stay out of the figures
        _post(url, payload, reasons=True)
    result: dict[str, Any] = {"reference_health": percentiles([_health(url) for _ in range(n)])}
    for reasons in (False, True):
        timings = [_post(url, payloads[i % len(payloads)], reasons) for i in range(n)]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda i, r=reasons: _post(url, payloads[i % len(payloads)], r), range(n)))
        seconds = time.perf_counter() - started
        key = "predict_with_top5_reasons" if reasons else "predict_without_reasons"
        client_side = percentiles([t[0] for t in timings])
        result[key] = {
            **client_side,
            "server_side": percentiles([t[1] for t in timings]),
            "throughput_rps": round(n / seconds, 1),
            "p95_vs_health_p95": round(client_side["p95_ms"] / result["reference_health"]["p95_ms"], 2),
        }
    return result


def project_environment(project: str, workdir: Path) -> tuple[dict[str, str], Path]:
    if project == "tiny":
        from tests.api.project import build_project  # noqa: PLC0415 - only for this mode (slow import)

        built = build_project(workdir / "tiny")
        root, tracking_uri = Path(built["root"]), str(built["tracking_uri"])
    else:
        root = Path(project).resolve()
        tracking_uri = load_settings({"root": str(root)}).tracking_uri()
    environment = {
        "CREDIT_SCORING_ROOT": str(root),
        "CREDIT_SCORING_API_KEYS": BENCH_KEY,
        "CREDIT_SCORING_PREDICTION_LOG_URL": f"sqlite:///{workdir}/bench_prediction_log.db",
        "MLFLOW_TRACKING_URI": tracking_uri,
    }
    return environment, load_settings({"root": str(root)}).paths.staged_application_test


def set_check_interval(root: Path, seconds: float) -> None:
    """The project's alias check interval (conf/local/app.yml, read through Kedro's loader)."""
    for environment in ("base", "local"):
        (root / "conf" / environment).mkdir(parents=True, exist_ok=True)
    (root / "conf" / "local" / "app.yml").write_text(f"model:\n  check_interval_s: {seconds}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--project", default=".", help="project root, or 'tiny' for the generated test project"
    )
    parser.add_argument("--requests", type=int, default=400, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="simultaneous clients for throughput")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--check-intervals",
        type=float,
        nargs="+",
        help="with --project tiny: measure once per model.check_interval_s (0: no alias check), same run",
    )
    args = parser.parse_args(argv)
    if args.check_intervals and args.project != "tiny":
        parser.error("--check-intervals writes conf/local/app.yml: only with --project tiny")
    results: dict[str, Any] = {
        "benchmark": "api",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "requests_per_measurement": args.requests,
        "concurrency": args.concurrency,
    }
    with tempfile.TemporaryDirectory(prefix="bench_api_") as directory:
        workdir = Path(directory)
        environment, staged = project_environment(args.project, workdir)
        payloads = applications(staged)
        for interval in args.check_intervals or [None]:
            if interval is not None:
                set_check_interval(Path(environment["CREDIT_SCORING_ROOT"]), interval)
            suffix = "" if interval is None else f"_check_every_{interval:g}s"
            for workers in args.workers:
                with running_gunicorn(
                    environment, workers=workers, api_key=BENCH_KEY, log_file=workdir / "gunicorn.log"
                ) as url:
                    measured = measure(url, payloads, args.requests, args.concurrency)
                    results[f"workers_{workers}{suffix}"] = measured
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = {"p95_without_reasons_ms": 8, "p95_with_top5_reasons_ms": 15}
    JSON_OUT.write(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
