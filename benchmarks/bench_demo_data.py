"""Benchmark of the demo_data pipeline: wall time and peak memory of a whole preset, in a scratch folder.

    python benchmarks/bench_demo_data.py                    # the full preset (307,511 + 48,744 clients)
    python benchmarks/bench_demo_data.py --preset default --repeat 3
    python benchmarks/bench_demo_data.py --preset default --auc      # also the two LightGBM AUCs

Runs the real pipeline (SequentialRunner) with the project's CSV dataset pointed at a temporary folder
(removed afterwards unless --keep DIR is given), so data/01_raw is never touched. Prints JSON: median seconds,
peak RSS of this process, rows and bytes per table, rows per second; with --auc, the output of
demo_data_signal.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
logging.disable(logging.INFO)  # Kedro logs to stdout, from import time on; keep stdout for the JSON result

from kedro.io import DataCatalog, MemoryDataset  # noqa: E402
from kedro.runner import SequentialRunner  # noqa: E402

from credit_scoring.datasets.csv_tables import CsvTablesDataset  # noqa: E402
from credit_scoring.pipelines.demo_data import create_pipeline  # noqa: E402
from credit_scoring.pipelines.demo_data.config import packaged_profile  # noqa: E402
from credit_scoring.raw.tables import RAW_FILES  # noqa: E402

MANIFEST = "demo_data_manifest.json"


def run_once(preset: str, out_dir: Path, seed: int) -> tuple[float, dict]:
    """Generate ``preset`` into ``out_dir``; return the wall time and the manifest."""
    tables = CsvTablesDataset(path=str(out_dir), file_names=RAW_FILES, manifest_name=MANIFEST)
    catalog = DataCatalog(
        {
            "params:demo_data": MemoryDataset({"seed": seed, "preset": preset, "overwrite": True}),
            "home_credit_profile": MemoryDataset(packaged_profile()),
            "demo_raw_tables": tables,
        }
    )
    start = time.perf_counter()
    SequentialRunner().run(create_pipeline(), catalog)
    return time.perf_counter() - start, tables.manifest()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="full", choices=["small", "default", "full"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write into this folder and keep the files")
    parser.add_argument("--auc", action="store_true", help="also measure the LightGBM AUCs on the output")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="demo_data_bench_"))
    try:
        timings, manifest = [], {}
        for _ in range(args.repeat):
            seconds, manifest = run_once(args.preset, out_dir, args.seed)
            timings.append(seconds)
        median = statistics.median(timings)
        total_rows = sum(manifest["rows"].values())
        sizes = {name: (out_dir / file).stat().st_size for name, file in RAW_FILES.items()}
        result = {
            "benchmark": "demo_data pipeline",
            "preset": args.preset,
            "clients": manifest["clients"],
            "repeat": args.repeat,
            "seconds_median": round(median, 1),
            "seconds_all": [round(t, 1) for t in timings],
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "rows": manifest["rows"],
            "rows_total": total_rows,
            "rows_per_second": round(total_rows / median),
            "csv_megabytes": {name: round(size / 1e6, 1) for name, size in sizes.items()},
            "csv_megabytes_total": round(sum(sizes.values()) / 1e6, 1),
            "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        if args.auc:
            sys.path.insert(0, str(Path(__file__).parent))
            from demo_data_signal import measure  # noqa: PLC0415

            result["signal"] = measure(out_dir, folds=args.folds)
        print(json.dumps(result, indent=2))
    finally:
        if args.keep is None:
            shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
