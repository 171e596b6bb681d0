"""Benchmark: `kedro run --pipelines data_processing` wall time, per-node time and peak memory. Prints JSON.

Runs the pipeline in a child process on a throwaway copy of the project (so data/ is untouched), with raw CSVs
from --raw-dir (default data/01_raw: the demo data or the real files). --scale N writes N copies of every
table with shifted identifiers first (scale 10 of the default demo preset ~ the full Kaggle size: 300k + 60k
clients, 62M history rows). Reference measured in the same run, on the same files: DuckDB alone aggregating
the two largest tables (bureau_balance, installments_payments), so that ratios survive a busy shared machine.

    python benchmarks/bench_data_processing.py                      # demo data as it is
    python benchmarks/bench_data_processing.py --scale 10           # ~ full size (needs ~6 GB of disk)
    python benchmarks/bench_data_processing.py --engine spark       # same pipeline on Spark (local[*])
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "src"))

from credit_scoring.raw.tables import RAW_FILES, RAW_TABLES  # noqa: E402

ID_OFFSETS = {"SK_ID_CURR": 10_000_000, "SK_ID_BUREAU": 100_000_000, "SK_ID_PREV": 100_000_000}
MANIFEST = "demo_data_manifest.json"
PROFILE = Path("src/credit_scoring/resources/profile.json")  # read by demo_data relative to the project

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from kedro.framework.hooks import hook_impl
    from kedro.framework.project import settings
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    import threading
    import psutil

    class NodeTimer:
        # Seconds and peak RSS (MB) of every node run and dataset save (where lazy Ibis work happens).

        def __init__(self):
            self.started, self.steps, self.peak = {}, {}, 0
            threading.Thread(target=self._sample, daemon=True).start()

        def _sample(self):
            process = psutil.Process()
            while True:
                self.peak = max(self.peak, process.memory_info().rss)
                time.sleep(0.1)

        def _start(self, key):
            self.started[key], self.peak = time.perf_counter(), 0

        def _stop(self, key):
            seconds = round(time.perf_counter() - self.started[key], 2)
            self.steps[key] = {"seconds": seconds, "peak_rss_mb": round(self.peak / 2**20)}

        @hook_impl
        def before_node_run(self, node):
            self._start(node.name)

        @hook_impl
        def after_node_run(self, node):
            self._stop(node.name)

        @hook_impl
        def before_dataset_saved(self, dataset_name):
            self._start("save " + dataset_name)

        @hook_impl
        def after_dataset_saved(self, dataset_name):
            self._stop("save " + dataset_name)

    project, env, out = Path(sys.argv[1]), sys.argv[2] or None, Path(sys.argv[3])
    bootstrap_project(project)
    timer = NodeTimer()
    settings.HOOKS = (*settings.HOOKS, timer)
    start = time.perf_counter()
    with KedroSession.create(project_path=project, env=env) as session:
        session.run(pipeline_names=["data_processing"])
    out.write_text(json.dumps({"seconds": time.perf_counter() - start, "nodes": timer.steps}))
    """
)


def _peak_rss_while(process: subprocess.Popen) -> int:
    """Peak resident memory (bytes) of a process and its children (Spark's JVM), sampled every 0.2 s."""
    peak = 0
    watched = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            total = watched.memory_info().rss + sum(
                c.memory_info().rss for c in watched.children(recursive=True)
            )
        except psutil.Error:
            total = 0
        peak = max(peak, total)
        time.sleep(0.2)
    return peak


def _run_measured(command: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    env = {**os.environ, "DO_NOT_TRACK": "1", "KEDRO_DISABLE_TELEMETRY": "true"}
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as child:
        stderr: list[bytes] = []
        reader = threading.Thread(target=lambda: stderr.append(child.stderr.read()))
        reader.start()
        peak = _peak_rss_while(child)
        reader.join()
    if child.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{b''.join(stderr).decode()[-4000:]}")
    return time.perf_counter() - start, peak


def scale_raw_data(source: Path, target: Path, copies: int) -> dict[str, int]:
    """Write `copies` copies of every raw CSV with identifiers shifted per copy; return row counts."""
    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"preserve_insertion_order": False})
    con.execute("SET enable_progress_bar = false")
    rows = {}
    for table, file in RAW_FILES.items():
        columns = []
        for column in RAW_TABLES[table]:
            if column in ID_OFFSETS:
                columns.append(
                    f'CAST(CAST(CAST("{column}" AS DOUBLE) AS BIGINT) + k * {ID_OFFSETS[column]} '
                    f'AS VARCHAR) AS "{column}"'
                )
            else:
                columns.append(f'"{column}"')
        source_file = str(source / file).replace("'", "''")
        query = (
            f"SELECT {', '.join(columns)} FROM read_csv('{source_file}', all_varchar=true, header=true) "
            f"CROSS JOIN range({copies}) AS copies(k)"
        )
        con.execute(f"COPY ({query}) TO '{target / file}' (HEADER, DELIMITER ',')")
        rows[table] = con.execute(
            f"SELECT count(*) FROM read_csv('{target / file}', all_varchar=true)"
        ).fetchone()[0]
    con.close()
    return rows


def count_raw_rows(raw_dir: Path) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows = {}
    for table, file in RAW_FILES.items():
        path = str(raw_dir / file).replace("'", "''")
        rows[table] = con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)").fetchone()[0]
    con.close()
    return rows


def make_project(project: Path, raw: Path, *, link_raw_folder: bool = False) -> None:
    """A throw-away copy of the project: conf/ without local/, empty data layers, the raw files linked (also
    used by bench_full.py). With ``link_raw_folder``, data/01_raw is a link to the raw folder itself, so that
    demo_data writes into it."""
    (project / "logs").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    (project / PROFILE).parent.mkdir(parents=True)  # the package itself is installed in the venv
    shutil.copy(PROJECT_ROOT / PROFILE, project / PROFILE)
    for layer in sorted(path.name for path in (PROJECT_ROOT / "data").iterdir() if path.is_dir()):
        if layer != "01_raw":
            (project / "data" / layer).mkdir(parents=True)
    if link_raw_folder:
        (project / "data" / "01_raw").symlink_to(raw.resolve(), target_is_directory=True)
        return
    (project / "data" / "01_raw").mkdir(parents=True)
    for file in (*RAW_FILES.values(), MANIFEST):
        if (raw / file).exists():
            (project / "data" / "01_raw" / file).symlink_to((raw / file).resolve())


REFERENCE = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(config={"memory_limit": "2GB", "preserve_insertion_order": False})
    raw = sys.argv[1]
    late = "sum(CASE WHEN STATUS IN ('1','2','3','4','5') THEN 1 ELSE 0 END)"
    con.execute(f"SELECT SK_ID_BUREAU, count(*), {late}, min(MONTHS_BALANCE) "
                f"FROM read_csv('{raw}/bureau_balance.csv') GROUP BY 1").fetchall()
    dpd = "avg(greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0))"
    ratio = "avg(AMT_PAYMENT / nullif(AMT_INSTALMENT, 0))"
    con.execute(f"SELECT SK_ID_CURR, count(*), {dpd}, {ratio} "
                f"FROM read_csv('{raw}/installments_payments.csv') GROUP BY 1").fetchall()
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw-dir", type=Path, default=PROJECT_ROOT / "data" / "01_raw")
    parser.add_argument("--scale", type=int, default=1, help="copies of the raw data, with new identifiers")
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--repeat", type=int, default=1, help="pipeline runs (median reported)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write scaled data and outputs")
    args = parser.parse_args()
    missing = [f for f in RAW_FILES.values() if not (args.raw_dir / f).exists()]
    if missing:
        raise SystemExit(f"Missing raw files in {args.raw_dir}: {missing} (make data)")

    workdir = Path(tempfile.mkdtemp(prefix="bench_dp_", dir=args.workdir))
    try:
        raw_dir = args.raw_dir
        if args.scale > 1:
            started = time.perf_counter()
            rows = scale_raw_data(args.raw_dir, workdir / "raw", args.scale)
            scaling_seconds = round(time.perf_counter() - started, 1)
            raw_dir = workdir / "raw"
        else:
            rows = count_raw_rows(raw_dir)
        project = workdir / "project"
        make_project(project, raw_dir)
        load_before = os.getloadavg()
        reference_seconds, reference_rss = _run_measured(
            [sys.executable, "-c", REFERENCE, str(raw_dir)], workdir
        )
        runs = []
        for _ in range(args.repeat):
            out = workdir / "run.json"
            command = [
                sys.executable,
                "-c",
                CHILD,
                str(project),
                "spark" if args.engine == "spark" else "",
                str(out),
            ]
            seconds, peak = _run_measured(command, project)  # from the project root, like `kedro run`
            runs.append({"wall_seconds": seconds, "peak_rss_bytes": peak, **json.loads(out.read_text())})
        median_seconds = statistics.median(run["wall_seconds"] for run in runs)
        result: dict[str, Any] = {
            "benchmark": "data_processing",
            "engine": args.engine,
            "scale": args.scale,
            "raw_rows": rows,
            "history_rows": sum(v for t, v in rows.items() if not t.startswith("application")),
            "wall_seconds_median": round(median_seconds, 1),
            "peak_rss_mb_max": round(max(run["peak_rss_bytes"] for run in runs) / 2**20),
            "steps": {
                name: step
                for name, step in runs[len(runs) // 2]["nodes"].items()
                if step["seconds"] >= 0.05 or step["peak_rss_mb"] >= 1024
            },
            "reference_duckdb_two_largest_tables": {
                "seconds": round(reference_seconds, 1),
                "peak_rss_mb": round(reference_rss / 2**20),
            },
            "ratio_to_reference": round(median_seconds / reference_seconds, 2),
            "targets": {"seconds": 120, "peak_rss_mb": 4096},
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "total_memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            },
        }
        if args.scale > 1:
            result["scaling_seconds"] = scaling_seconds
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
