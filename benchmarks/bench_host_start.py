"""Start-up time and memory of one scoring host (`scripts/serve`) with 2 and 4 workers, serving from the
registry alone; prints JSON.

Setup, in a temporary folder: a throw-away MLflow registry (SQLite) where the project's champion (the demo
run's, ``sqlite:///mlflow.db``) is registered again with its serving tables published beside it
(`credit_scoring.serving.serving_data`), the history store padded with copies of its rows under new ids to
``--history-rows`` (default 356,255: the full Kaggle size, 0.5 GB as float64); a host folder holding only
``conf/`` (no ``data/``).

For each worker count:

- ``cold``: an empty cache. Seconds until ``/api/v1/ready`` first answers 200, and until every worker logged
  "ready" (`conf/gunicorn.conf.py` ``post_worker_init``); each worker's own load time.
- ``memory`` (all workers ready): per process RSS, PSS and private memory (``/proc/<pid>/smaps_rollup``),
  the host's total PSS, and how much of each worker's RSS is the memory-mapped history store (shared pages
  of ``values.npy``/``nulls.npy``), beside the store's size on disk.
- ``worker_restart``: one worker killed (SIGKILL): seconds until its replacement logged ready.
- ``warm``: the server restarted on the filled cache: seconds until every worker is ready.

Usage: ``python benchmarks/bench_host_start.py [--workers 2 4] [--history-rows 356255]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
JSON_OUT = sys.stdout
sys.stdout = sys.stderr  # stdout carries the JSON result alone
PROJECT_ROOT = Path(__file__).resolve().parents[1]

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import requests  # noqa: E402

from credit_scoring import registry  # noqa: E402
from credit_scoring.serving.loading import load_scoring_model  # noqa: E402
from credit_scoring.serving.serving_data import serving_tables  # noqa: E402

API_KEY = "bench-host-start-key-0123456789"
READY_LINE = re.compile(r"Worker (\d+) ready in ([0-9.]+) s")
FULL_HISTORY_ROWS = 356_255


def padded_history(path: Path, rows: int) -> pa.Table:
    """The history store with copies of its rows under new ids, up to ``rows`` rows."""
    table = pq.read_table(path)
    parts, offset = [table], int(pc.max(table["SK_ID_CURR"]).as_py()) + 1
    while sum(part.num_rows for part in parts) < rows:
        ids = pc.add(table["SK_ID_CURR"], offset).cast(table.schema.field("SK_ID_CURR").type)
        copy = table.set_column(table.schema.get_field_index("SK_ID_CURR"), "SK_ID_CURR", ids)
        parts.append(copy.cast(table.schema))
        offset += int(pc.max(table["SK_ID_CURR"]).as_py()) + 1
    return pa.concat_tables(parts).slice(0, max(rows, table.num_rows))


def publish_champion(base: Path, history_rows: int) -> str:
    """The project's champion registered in a throw-away registry with its serving tables; the URI."""
    source = f"sqlite:///{PROJECT_ROOT / 'mlflow.db'}"
    client = registry.client_for(source)
    version = str(client.get_model_version_by_alias(registry.REGISTERED_MODEL_NAME, "champion").version)
    model = load_scoring_model(client, registry.REGISTERED_MODEL_NAME, version)
    data = PROJECT_ROOT / "data"
    features = pq.read_table(data / "05_model_input" / "scoring_input_table.parquet")
    tables = serving_tables(
        clients=pq.read_table(data / "02_intermediate" / "staged_application_test.parquet"),
        client_features=features,
        training_clients=pq.read_table(data / "02_intermediate" / "staged_application_train.parquet"),
        history_features=padded_history(
            data / "04_feature" / "client_history_features.parquet", history_rows
        ),
    )
    tracking_uri = f"sqlite:///{base / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(
        experiment_id=mlflow.create_experiment("bench", artifact_location=(base / "artifacts").as_uri())
    )
    example = features.to_pandas()[model.features].head(2)
    decision = registry.PromotionDecision(True, "benchmark", 0.0)
    release = registry.ModelRelease(
        model, registry.model_signature(model), example, {}, decision, serving_data=tables
    )
    registry.publish(release, client=registry.client_for(tracking_uri))
    return tracking_uri


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and private MB of a process, and the RSS of its history-store mappings."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) / 1024
    store = {"Size": 0.0, "Rss": 0.0}  # the history store's mappings: their size, and what is resident
    current = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            current = line
        elif current and re.search(r"history_store/(values|nulls)\.npy", current):
            name = line.split(":", 1)[0]
            if name in store:
                store[name] += int(line.split()[1]) / 1024
    private = fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)
    return {
        "rss_mb": fields["Rss"],
        "pss_mb": fields["Pss"],
        "private_mb": private,
        "history_store_mapped_mb": store["Size"],
        "history_store_resident_mb": store["Rss"],
    }


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


class Host:
    """``scripts/serve`` on the host folder, its log read for the workers' ready lines."""

    def __init__(self, root: Path, tracking_uri: str, cache: Path, workers: int) -> None:
        self.port, self.log = free_port(), root / f"server-{workers}-{time.time_ns()}.log"
        self.workers = workers
        env = {
            **os.environ,
            "CREDIT_SCORING_ROOT": str(root),
            "CREDIT_SCORING_CACHE_DIR": str(cache),
            "CREDIT_SCORING_SPOOL_DIR": str(root / "spool"),
            "CREDIT_SCORING_API_KEYS": API_KEY,
            "CREDIT_SCORING_PREDICTION_LOG_URL": f"sqlite:///{root / 'app.db'}",
            "CREDIT_SCORING_SECRET_KEY": "a benchmark secret key long enough to sign sessions",
            "CREDIT_SCORING_ADMIN_PASSWORD": "a benchmark password",
            "MLFLOW_TRACKING_URI": tracking_uri,
            "PYTHON": sys.executable,
            "PORT": str(self.port),
            "WORKERS": str(workers),
        }
        self.started = time.monotonic()
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [str(PROJECT_ROOT / "scripts" / "serve")], env=env, stdout=output, stderr=subprocess.STDOUT,
                cwd=root, start_new_session=True,
            )  # fmt: skip
        self.offset = 0

    def ready_lines(self) -> list[tuple[int, float]]:
        return [(int(pid), float(seconds)) for pid, seconds in READY_LINE.findall(self.log.read_text())]

    def wait(self, condition, timeout: float = 900.0) -> float:
        while time.monotonic() - self.started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped:\n{self.log.read_text()[-3000:]}")
            if condition():
                return time.monotonic() - self.started
            time.sleep(0.1)
        raise TimeoutError(f"not ready within {timeout} s:\n{self.log.read_text()[-3000:]}")

    def ready(self) -> bool:
        try:
            answer = requests.get(
                f"http://127.0.0.1:{self.port}/api/v1/ready", headers={"X-API-Key": API_KEY}, timeout=2
            )
            return answer.status_code == 200
        except requests.RequestException:
            return False

    def master(self) -> int:
        """gunicorn's master: scripts/serve exec's it, so it is the started process."""
        return self.process.pid

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)


def measure(root: Path, tracking_uri: str, workers: int) -> dict[str, Any]:
    cache = root / f"cache-{workers}"
    shutil.rmtree(cache, ignore_errors=True)
    host = Host(root, tracking_uri, cache, workers)
    try:
        first_ready = host.wait(host.ready)
        all_ready = host.wait(lambda: len(host.ready_lines()) >= workers)
        loads = [seconds for _pid, seconds in host.ready_lines()]
        master = host.master()
        processes = {"master": memory(master)} | {
            f"worker_{i}": memory(pid) for i, pid in enumerate(workers_of(master))
        }
        store = sum(path.stat().st_size for path in cache.glob("*/history_store/*.npy")) / 2**20
        victim = workers_of(master)[0]
        before = len(host.ready_lines())
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        while len(host.ready_lines()) <= before:
            time.sleep(0.1)
        restart = {
            "replacement_ready_s": round(time.monotonic() - killed_at, 2),
            "load_s": host.ready_lines()[-1][1],
        }
    finally:
        host.stop()
    warm = Host(root, tracking_uri, cache, workers)
    try:
        warm_ready = warm.wait(lambda: len(warm.ready_lines()) >= workers)
        warm_loads = [seconds for _pid, seconds in warm.ready_lines()]
    finally:
        warm.stop()
    round_all = lambda values: {k: round(v, 1) for k, v in values.items()}  # noqa: E731
    return {
        "cold": {
            "first_ready_s": round(first_ready, 1),
            "all_workers_ready_s": round(all_ready, 1),
            "worker_load_s": [round(value, 2) for value in loads],
        },
        "memory": {
            "processes": {name: round_all(values) for name, values in processes.items()},
            "host_pss_mb": round(sum(values["pss_mb"] for values in processes.values()), 1),
            "history_store_on_disk_mb": round(store, 1),
        },
        "worker_restart": restart,
        "warm": {
            "all_workers_ready_s": round(warm_ready, 1),
            "worker_load_s": [round(value, 2) for value in warm_loads],
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--history-rows", type=int, default=FULL_HISTORY_ROWS)
    arguments = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-host-start-"))
    try:
        began = time.monotonic()
        tracking_uri = publish_champion(base, arguments.history_rows)
        published = time.monotonic() - began
        host_root = base / "host"
        shutil.copytree(PROJECT_ROOT / "conf" / "base", host_root / "conf" / "base")
        results = {str(workers): measure(host_root, tracking_uri, workers) for workers in arguments.workers}
        history = pq.read_metadata(next(base.glob("artifacts/**/serving_data/history_features.parquet")))
        print(
            json.dumps(
                {
                    "benchmark": "host_start",
                    "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
                    "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(),
                    "history_rows": history.num_rows,
                    "history_columns": history.num_columns,
                    "publish_s": round(published, 1),
                    "workers": results,
                    "numpy": np.__version__,
                },
                indent=2,
            ),
            file=JSON_OUT,
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
