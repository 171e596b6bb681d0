"""Benchmark of `make simulate`: the traffic pipeline (months of generated applicants replayed through the
scoring API, outcomes back) and the performance pipeline, as the user runs them (``kedro run --env
simulation``, each in its own process, MLflow tracking included).

Prints JSON: the wall time of each run (median over ``--repeats``), the traffic run's stages (generation, the
applicants' history aggregates, the replay through the API, the outcomes) and its decisions per second, the
load average before the runs, and the downturn's figures from the manifest and the performance summary (the
simulated truth, the estimate, the realised cost). The issue's budget is 10 minutes for 6 months on 2 cores.

Usage (from the project root, after `make pipelines`: it needs a champion model and the history store):
    python benchmarks/bench_simulation.py
    python benchmarks/bench_simulation.py --months 6 --applicants 1500 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
KEDRO = str(Path(sys.executable).with_name("kedro"))
BUDGET_SECONDS = 600


def run(pipeline: str, params: str | None) -> float:
    command = [KEDRO, "run", "--env", "simulation", "--pipelines", pipeline]
    if params:
        command += ["--params", params]
    started = time.perf_counter()
    subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DO_NOT_TRACK": "1"},
    )
    return time.perf_counter() - started


def figures(summary: dict[str, Any], manifest: dict[str, Any]) -> list[dict[str, Any]]:
    truth = {month["month"]: month for month in manifest["months"]}
    rows = []
    for period in summary["periods"]:
        month = truth.get(period["period"], {})

        def rounded(key: str, source: dict[str, Any] = period) -> float | None:
            value = source.get(key)
            return None if value is None else round(value, 4)

        rows.append(
            {
                "period": period["period"],
                "model_version": period["model_version"],
                "scenario": month.get("scenario"),
                "true_default_rate": rounded("default_rate_all", month),
                "approval_rate": rounded("approval_rate"),
                "estimated_cost": rounded("estimated_cost"),
                "alert": period["alert"]["status"],
                "estimated_cost_granted": rounded("estimated_cost_granted"),
                "realised_cost": rounded("realised_cost"),
                "realised_vs_estimate": period.get("realised_vs_estimate"),
                "n_labelled": period["n_labelled"],
                "n_open": period["n_open"],
                "score_psi": rounded("score_psi"),
                "drift_share": rounded("drift_share"),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=None, help="traffic.months (default: the project's)")
    parser.add_argument("--applicants", type=int, default=None, help="traffic.applicants_per_month")
    parser.add_argument("--scenario", default=None, help="traffic.scenario")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    overrides = {
        "traffic.months": args.months,
        "traffic.applicants_per_month": args.applicants,
        "traffic.scenario": args.scenario,
    }
    params = ",".join(f"{key}={value}" for key, value in overrides.items() if value is not None) or None
    load = os.getloadavg()
    traffic, performance, stages = [], [], []
    for _ in range(args.repeats):
        traffic.append(run("traffic", params))
        manifest = json.loads((PROJECT_ROOT / "data/09_simulation/traffic_manifest.json").read_text())
        stages.append(manifest["seconds"])
        performance.append(run("performance", None))
    summary = json.loads((PROJECT_ROOT / "data/08_reporting/performance_summary.json").read_text())
    total = statistics.median(t + p for t, p in zip(traffic, performance, strict=True))
    replay = statistics.median(stage["replay_through_api"] for stage in stages)
    result = {
        "benchmark": "simulation",
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in load]},
        "settings": manifest["settings"],
        "observation_months": manifest["observation_months"],
        "repeats": args.repeats,
        "traffic_run_seconds_median": round(statistics.median(traffic), 1),
        "traffic_stages_seconds_median": {
            stage: round(statistics.median(s[stage] for s in stages), 2) for stage in stages[0]
        },
        "decisions": manifest["decisions"],
        "decisions_per_second_through_api": round(manifest["decisions"] / replay, 1),
        "performance_run_seconds_median": round(statistics.median(performance), 1),
        "total_seconds_median": round(total, 1),
        "share_of_the_10_minute_budget": round(total / BUDGET_SECONDS, 3),
        "status": summary["status"],
        "periods": figures(summary, manifest),
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
