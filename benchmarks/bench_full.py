"""Benchmark: the whole run at a given size (`make data`, then `make pipelines`), measured. Prints JSON.

Generates the demo data (or reuses a raw folder), then runs every pipeline of `kedro run` one after the other,
each as its own `kedro run --pipelines NAME` in a throw-away copy of the project under --work (the project's
own data/, mlflow.db and mlartifacts/ are never touched). Per step: wall time, CPU time of the child process
tree, peak resident memory of the whole tree (Spark's JVM included), load average before and after; per node
(from the project's NodeResourceHook): wall, CPU and peak memory, with the expensive nodes named. Results are
written to WORK/bench_full.json after every step, so an interrupted run can be resumed; logs go to WORK/logs/.

    python benchmarks/bench_full.py --work /tmp/full --preset full          # issue 23: full size (~1 h)
    python benchmarks/bench_full.py --work /tmp/full --resume               # go on after an interruption
    python benchmarks/bench_full.py --work /tmp/full2 --raw /tmp/full/raw   # reuse a full-size raw folder
    python benchmarks/bench_full.py --work /tmp/small --preset small --pipelines data_processing,modelling

Needs, at full size, about 2.7 GB of disk for the raw CSV files (unless --raw reuses a folder) and about 2 GB
more for the outputs under --work (measured 2026-12-07).
stdout is the JSON only; progress goes to stderr. The exit code is 1 when a step failed (the JSON says which).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

BENCHMARKS = Path(__file__).resolve().parent
PROJECT_ROOT = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(PROJECT_ROOT / "src"))

# Importing Kedro configures its logging on stdout, which is for the JSON only
with contextlib.redirect_stdout(sys.stderr):
    from bench_data_processing import MANIFEST, count_raw_rows, make_project

    from credit_scoring.hooks import NODE_RESOURCES_ENV, tree_rss
    from credit_scoring.pipeline_registry import DEFAULT_PIPELINES
    from credit_scoring.raw.tables import RAW_FILES

TARGETS = {"kedro_run_minutes": 45, "peak_memory_gb": 12, "data_processing_minutes": 2}
EXPENSIVE_SHARE = 0.05
EXPENSIVE_SECONDS = 30.0
POLL_SECONDS = 0.5
PROGRESS_SECONDS = 60.0
KEDRO = Path(sys.executable).parent / "kedro"
ENV = {"DO_NOT_TRACK": "1", "MLFLOW_DISABLE_TELEMETRY": "true", "KEDRO_DISABLE_TELEMETRY": "true"}


def say(message: str) -> None:
    """Progress, on stderr (stdout is for the JSON)."""
    print(f"[bench_full {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def complete_raw_folder(raw: Path) -> bool:
    """All eight CSV files present and, for generated demo data, a manifest that says complete."""
    if not all((raw / file).is_file() for file in RAW_FILES.values()):
        return False
    manifest = raw / MANIFEST
    return not manifest.exists() or bool(json.loads(manifest.read_text()).get("complete"))


def raw_rows(raw: Path) -> dict[str, Any]:
    """Rows per table and client counts: from the demo manifest if there is one, else counted with DuckDB."""
    manifest = raw / MANIFEST
    if manifest.exists():
        described = json.loads(manifest.read_text())
        rows, source = described["rows"], "manifest"
        clients = described.get("clients") or {
            "train": rows["application_train"],
            "test": rows["application_test"],
        }
    else:
        rows, source = count_raw_rows(raw), "counted"
        clients = {"train": rows["application_train"], "test": rows["application_test"]}
    history = sum(count for table, count in rows.items() if not table.startswith("application"))
    return {"rows": rows, "rows_from": source, "clients": clients, "history_rows": history}


def run_step(name: str, command: list[str], project: Path, work: Path) -> dict[str, Any]:
    """Run one `kedro run` in the project: wall, CPU and peak memory of its process tree, log, nodes."""
    nodes_file = work / f"node_resources_{name}.jsonl"
    nodes_file.unlink(missing_ok=True)
    log = work / "logs" / f"{name}.log"
    env = {**os.environ, **ENV, NODE_RESOURCES_ENV: str(nodes_file)}
    say(f"{name}: {' '.join(command[1:])}")
    step: dict[str, Any] = {
        "date": now_iso(),
        "command": " ".join(command[1:]),
        "load_average_before": load_average(),
    }
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = last_progress = time.perf_counter()
    peak = 0
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
        watched = psutil.Process(child.pid)
        while child.poll() is None:
            peak = max(peak, tree_rss(watched))  # 0 once the process is gone
            if time.perf_counter() - last_progress >= PROGRESS_SECONDS:
                last_progress = time.perf_counter()
                say(f"{name}: {last_progress - started:.0f} s, peak {peak / 2**30:.2f} GB so far")
            time.sleep(POLL_SECONDS)
    wall = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(usage_after, f) - getattr(usage_before, f) for f in ("ru_utime", "ru_stime"))
    nodes = read_nodes(nodes_file)
    step.update(
        status="ok" if child.returncode == 0 else "failed",
        exit_code=child.returncode,
        wall_seconds=round(wall, 1),
        cpu_seconds=round(cpu, 1),
        peak_rss_mb=round(peak / 2**20),
        load_average_after=load_average(),
        log=str(log),
        nodes=nodes,
        outside_nodes_seconds=round(wall - sum(node["wall_s"] for node in nodes), 1),  # start-up, hooks
        expensive_nodes=[
            node["node"]
            for node in nodes
            if node["wall_s"] >= EXPENSIVE_SHARE * wall or node["wall_s"] >= EXPENSIVE_SECONDS
        ],
    )
    if child.returncode:
        step["log_tail"] = log.read_text(errors="replace").splitlines()[-30:]
    say(f"{name}: {step['status']} in {wall:.1f} s (CPU {cpu:.1f} s), peak {peak / 2**30:.2f} GB")
    return step


def read_nodes(path: Path) -> list[dict[str, Any]]:
    """The NodeResourceHook's JSON lines, slowest first."""
    if not path.exists():
        return []
    nodes = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sorted(nodes, key=lambda node: node["wall_s"], reverse=True)


def summarise(result: dict[str, Any]) -> None:
    """Totals over the recorded pipelines (their sum is the whole `kedro run`) and the issue's targets."""
    done = [step for name, step in result["pipelines"].items() if name in DEFAULT_PIPELINES]
    complete = all(result["pipelines"].get(name, {}).get("status") == "ok" for name in DEFAULT_PIPELINES)
    seconds = sum(step["wall_seconds"] for step in done)
    peak_mb = max((step["peak_rss_mb"] for step in done), default=0)
    result["totals"] = {
        "complete": complete,
        "kedro_run_seconds": round(seconds, 1),
        "kedro_run_minutes": round(seconds / 60, 2),
        "cpu_seconds": round(sum(step["cpu_seconds"] for step in done), 1),
        "peak_rss_gb": round(peak_mb / 1024, 2),
    }
    processing = result["pipelines"].get("data_processing")
    processing_ok = processing is not None and processing["status"] == "ok"
    measured = {
        "kedro_run_minutes": seconds / 60 if complete else None,
        "peak_memory_gb": peak_mb / 1024 if done else None,
        "data_processing_minutes": processing["wall_seconds"] / 60 if processing_ok else None,
    }
    result["targets"] = {
        name: {
            "target": target,
            "measured": None if measured[name] is None else round(measured[name], 2),
            "met": None if measured[name] is None else measured[name] <= target,
        }
        for name, target in TARGETS.items()
    }


def commit() -> dict[str, Any] | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"head": head, "uncommitted_changes": bool(status.strip())}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, required=True, help="folder for raw data, project copy, results")
    parser.add_argument(
        "--raw", type=Path, default=None, help="reuse this complete raw folder (no generation)"
    )
    parser.add_argument("--preset", choices=("full", "default", "small"), default="full")
    parser.add_argument("--pipelines", default=",".join(DEFAULT_PIPELINES), help="comma-separated, in order")
    parser.add_argument(
        "--resume", action="store_true", help="keep the steps WORK/bench_full.json says succeeded"
    )
    args = parser.parse_args()
    requested = [name.strip() for name in args.pipelines.split(",") if name.strip()]
    unknown = sorted(set(requested) - set(DEFAULT_PIPELINES))
    if unknown:
        parser.error(f"unknown pipelines {unknown}; choose from {list(DEFAULT_PIPELINES)}")
    if args.raw is not None and not complete_raw_folder(args.raw):
        parser.error(f"--raw {args.raw} does not hold the eight CSV files of a complete raw folder")

    work = args.work.resolve()
    project, results_file = work / "project", work / "bench_full.json"
    previous = json.loads(results_file.read_text()) if args.resume and results_file.exists() else None
    if previous is None:
        shutil.rmtree(project, ignore_errors=True)
        shutil.rmtree(work / "logs", ignore_errors=True)
    (work / "logs").mkdir(parents=True, exist_ok=True)

    result: dict[str, Any] = {
        "benchmark": "full_run",
        "date": now_iso(),
        "preset": args.preset,
        "commit": commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "total_memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "work": str(work),
        "demo_data": None,
        "pipelines": {},
    }
    if previous is not None:
        result["resumed_from"] = previous["date"]
        result["demo_data"] = previous.get("demo_data")
        result["preset"] = previous.get("preset", args.preset)
        result["pipelines"] = {
            name: step for name, step in previous.get("pipelines", {}).items() if step["status"] == "ok"
        }

    def save() -> None:
        demo = result["demo_data"] or {}
        result["clients"], result["history_rows"] = demo.get("clients"), demo.get("history_rows")
        summarise(result)
        results_file.write_text(json.dumps(result, indent=2) + "\n")

    demo = result["demo_data"]
    if demo is not None and demo.get("status", "ok") == "ok" and project.exists():
        raw = Path(demo.get("reused") or work / "raw")
        say(f"demo_data: kept from the previous run ({raw})")
    elif args.raw is not None:
        raw = args.raw.resolve()
        shutil.rmtree(project, ignore_errors=True)
        make_project(project, raw, link_raw_folder=False)
        result["demo_data"] = {"status": "ok", "reused": str(raw), **raw_rows(raw)}
        result["preset"] = (
            json.loads((raw / MANIFEST).read_text())["preset"] if (raw / MANIFEST).exists() else "real"
        )
        say(f"demo_data: reusing {raw}")
    else:
        raw = work / "raw"
        raw.mkdir(exist_ok=True)
        shutil.rmtree(project, ignore_errors=True)
        result["pipelines"] = {}  # new data: nothing measured before counts
        make_project(project, raw, link_raw_folder=True)
        params = f"demo_data.preset={args.preset},demo_data.overwrite=true"
        step = run_step(
            "demo_data", [str(KEDRO), "run", "--pipelines", "demo_data", "--params", params], project, work
        )
        if step["status"] == "ok":
            step.update(raw_rows(raw))
        result["demo_data"] = step
    if result["demo_data"].get("status", "ok") != "ok":
        save()
        print(json.dumps(result, indent=2))
        return 1
    save()

    failed = False
    for name in requested:
        if name in result["pipelines"]:
            say(f"{name}: kept from {result['pipelines'][name]['date']}")
            continue
        step = run_step(name, [str(KEDRO), "run", "--pipelines", name], project, work)
        result["pipelines"][name] = step
        save()
        if step["status"] != "ok":
            failed = True
            break
    # the run's order, whatever order earlier runs recorded them in
    order = [name for name in DEFAULT_PIPELINES if name in result["pipelines"]]
    result["pipelines"] = {name: result["pipelines"][name] for name in order}
    save()
    print(json.dumps(result, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
