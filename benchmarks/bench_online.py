"""Benchmark: per-application latency of the online model-input row, new vs reference builder. Prints JSON.

`ModelInputRowBuilder` (stored history aggregates + compiled application features) against
`OnlineFeatureBuilder` (the client's raw history re-aggregated on a DuckDB per request), in the same process,
on the same applications of the production file (values as a JSON request carries them: numbers and text),
for known clients (their SK_ID_CURR) and new applicants (no SK_ID_CURR). Needs a data_processing run
(``data/02_intermediate``, ``data/04_feature/client_history_features.parquet``).

    python benchmarks/bench_online.py                       # 300 applications, 20 for the slow reference
    python benchmarks/bench_online.py --n 1000 --reference-n 50
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "src"))

from credit_scoring.raw import RawDataValidationError  # noqa: E402
from credit_scoring.serving import (  # noqa: E402
    ClientHistoryStore,
    ModelInputRowBuilder,
    OnlineFeatureBuilder,
)


def _applications(data: Path, n: int) -> list[dict[str, Any]]:
    frame = pd.read_csv(data / "01_raw" / "application_test.csv", nrows=n)
    return [{k: v for k, v in row.items() if not pd.isna(v)} for row in frame.to_dict(orient="records")]


def _latencies_ms(function: Callable[[dict[str, Any]], Any], applications: Sequence[dict[str, Any]]) -> dict:
    """Wall-clock latency (what a caller waits) and CPU time (what the machine's load does not inflate)."""
    function(applications[0])  # warm-up
    wall, cpu = [], []
    for application in applications:
        start, start_cpu = time.perf_counter(), time.process_time()
        function(application)
        wall.append((time.perf_counter() - start) * 1e3)
        cpu.append((time.process_time() - start_cpu) * 1e3)
    wall.sort()
    return {
        "n": len(wall),
        "median_ms": round(statistics.median(wall), 3),
        "p95_ms": round(wall[min(len(wall) - 1, int(0.95 * len(wall)))], 3),
        "max_ms": round(wall[-1], 3),
        "cpu_median_ms": round(statistics.median(cpu), 3),
    }


def _refused(builder: ModelInputRowBuilder, application: dict[str, Any]) -> None:
    try:
        builder.build(application)
    except RawDataValidationError:
        return
    raise AssertionError("an invalid application was accepted")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=PROJECT_ROOT / "data")
    parser.add_argument("--n", type=int, default=300, help="applications timed with the new builder")
    parser.add_argument("--reference-n", type=int, default=20, help="applications timed with the reference")
    args = parser.parse_args(argv)

    known = _applications(args.data_dir, args.n)
    invalid = [{**application, "AMT_CREDIT": "a lot"} for application in known[:3]]
    new = [{k: v for k, v in application.items() if k != "SK_ID_CURR"} for application in known]

    start = time.perf_counter()
    builder = ModelInputRowBuilder.from_store(
        args.data_dir / "04_feature" / "client_history_features.parquet"
    )
    startup_s = time.perf_counter() - start
    start = time.perf_counter()
    batch = builder.build_many(known)
    build_many_ms_per_row = (time.perf_counter() - start) * 1e3 / len(known)

    start = time.perf_counter()
    reference = OnlineFeatureBuilder()
    reference_startup_s = time.perf_counter() - start
    history = ClientHistoryStore.from_directory(args.data_dir / "02_intermediate")
    sample = known[: args.reference_n]
    unknown_id = int(batch["SK_ID_CURR"].max()) + 10**6  # a new applicant for the reference (it needs an id)

    results = {
        "new_builder": {
            "known_client": _latencies_ms(builder.build, known),
            "new_applicant": _latencies_ms(builder.build, new),
            "build_many_ms_per_row": round(build_many_ms_per_row, 4),
            # the batch validation's queries, run only to word the error of an invalid request
            "invalid_request": _latencies_ms(lambda a: _refused(builder, a), invalid),
            "startup_s": round(startup_s, 2),
            "clients_in_store": len(builder.history),
        },
        "reference_builder": {
            "known_client": _latencies_ms(
                lambda a: reference.build(a, history.history(a["SK_ID_CURR"])), sample
            ),
            "new_applicant": _latencies_ms(
                lambda a: reference.build({**a, "SK_ID_CURR": unknown_id}), new[: args.reference_n]
            ),
            "startup_s": round(reference_startup_s, 2),
        },
    }
    for kind in ("known_client", "new_applicant"):
        for measure in ("median_ms", "cpu_median_ms"):
            ratio = results["reference_builder"][kind][measure] / results["new_builder"][kind][measure]
            results[f"speedup_{measure.removesuffix('_ms')}_{kind}"] = round(ratio, 1)
    results["machine"] = {"cpus": os.cpu_count(), "load_average_1m_5m_15m": os.getloadavg()}
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
