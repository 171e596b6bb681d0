"""DuckDB and Spark run the same Ibis expressions and give the same model inputs."""

from __future__ import annotations

import json
import os
import shutil

import ibis
import pandas as pd
import pytest
from data_processing_runs import run_data_processing

from credit_scoring.raw.tables import RAW_FILES

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_backend():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java is not installed: Spark needs a JVM")
    from pyspark.sql import SparkSession  # noqa: PLC0415

    session = (
        SparkSession.builder.master("local[2]")
        .appName("credit-scoring-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        # Tiny data, very wide queries: compiling generated code costs more than interpreting.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .getOrCreate()
    )
    yield ibis.pyspark.connect(session)
    session.stop()


def test_duckdb_and_spark_give_the_same_model_inputs(raw_csv_dir, spark_backend, kedro_run_outputs):
    spark_raw = {
        t: spark_backend.read_csv(str(raw_csv_dir / f), table_name=f"raw_{t}", inferSchema=False, header=True)
        for t, f in RAW_FILES.items()
    }

    on_spark = run_data_processing(spark_raw)
    on_duckdb = kedro_run_outputs  # `kedro run` on DuckDB, the same CSV files

    for name in ("model_input_table", "scoring_input_table"):
        # Same rows, columns, dtypes and NULLs; sums may differ in the last bits (summation order).
        pd.testing.assert_frame_equal(on_spark[name], on_duckdb[name], check_exact=False, rtol=1e-12, atol=0)
    assert on_spark["feature_dictionary"].to_dict("records") == on_duckdb["feature_dictionary"].to_dict(
        "records"
    )
    assert (
        json.loads(json.dumps(on_spark["raw_data_validation_report"]))
        == on_duckdb["raw_data_validation_report"]
    )
