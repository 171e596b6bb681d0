"""Benchmark: batch scoring of the `scoring` pipeline on Spark (local[2], the champion as an Arrow-batched
pandas UDF) beside the single-machine path (pandas, the same `Scorer`), on the same rows in the same process.
Prints JSON.

The tiny test project (tests/api/project.py: the sample tables, a small LightGBM registered as champion) gives
the model and the model-input rows; the rows are repeated (new SK_ID_CURR) up to ``--rows``. Each path scores
with reasons (top 3, SHAP per batch), as the pipeline does; Spark reads the rows from Parquet and writes the
scores to Parquet, as `kedro run --env spark --pipelines scoring` does. Spark's session start is reported
apart; its first pass (Python workers starting, the model shipped to them) and a second one are reported.

    python benchmarks/bench_spark_scoring.py                 # 20,000 rows, local[2]
    python benchmarks/bench_spark_scoring.py --rows 50000 --master 'local[*]'
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT / "src"))
sys.path.insert(0, str(PROJECT_ROOT))

from credit_scoring.pipelines.scoring import nodes  # noqa: E402
from credit_scoring.registry import RegisteredModel  # noqa: E402
from tests.api.project import build_project  # noqa: E402

PARAMS = {"top_reasons": 3, "language": "en"}


def repeated(table: pd.DataFrame, rows: int) -> pd.DataFrame:
    copies = -(-rows // len(table))
    frame = pd.concat([table] * copies, ignore_index=True).head(rows)
    frame["SK_ID_CURR"] = range(1, len(frame) + 1)
    return frame


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="bench_spark_scoring_") as folder:
        root = Path(folder)
        project = build_project(root)
        champion = RegisteredModel(version=str(project["version"]), run_id=None, model=project["model"])
        frame = repeated(project["scoring_input_table"], args.rows)
        source = root / "applications.parquet"
        frame.to_parquet(source, index=False)

        start = time.perf_counter()
        on_pandas = nodes.score_batch(frame, champion, PARAMS, {})
        pandas_seconds = time.perf_counter() - start

        start = time.perf_counter()
        spark = (
            SparkSession.builder.master(args.master)
            .appName("bench-spark-scoring")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
            .getOrCreate()
        )
        session_seconds = time.perf_counter() - start
        passes = []
        for run in range(2):
            start = time.perf_counter()
            scores = nodes.score_batch(spark.read.parquet(str(source)), champion, PARAMS, {})
            scores.write.mode("overwrite").parquet(str(root / f"scores_{run}.parquet"))
            passes.append(time.perf_counter() - start)
        on_spark = pd.read_parquet(root / "scores_1.parquet").sort_values("SK_ID_CURR", ignore_index=True)
        spark.stop()

    difference = float((on_spark["probability"] - on_pandas["probability"]).abs().max())
    result = {
        "benchmark": "spark_scoring",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()},
        "rows": len(frame),
        "features": frame.shape[1] - 1,
        "reasons_per_row": PARAMS["top_reasons"],
        "single_machine": {
            "seconds": round(pandas_seconds, 2),
            "rows_per_second": round(len(frame) / pandas_seconds),
        },
        "spark": {
            "master": args.master,
            "session_start_seconds": round(session_seconds, 2),
            "first_pass_seconds": round(passes[0], 2),
            "seconds": round(passes[1], 2),
            "rows_per_second": round(len(frame) / passes[1]),
            "first_pass_rows_per_second": round(len(frame) / passes[0]),
        },
        "spark_over_single_machine": round(pandas_seconds / passes[1], 3),
        "max_probability_difference": difference,
        "same_decisions": on_spark["decision"].tolist() == on_pandas["decision"].tolist(),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
