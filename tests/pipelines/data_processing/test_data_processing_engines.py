"""DuckDB and Spark run the same Ibis expressions and give the same model inputs: `kedro run --env spark
--pipelines data_processing`, as docs/spark.md writes it, against `kedro run` on DuckDB over the same CSVs.

One Spark run in a subprocess covers both the engine's equality and the documented command with the project's
own `conf/spark` catalog (one JVM start, instead of an in-process session here and a second run elsewhere)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from data_processing_runs import PROJECT_ROOT

from tests.doc_commands import doc_commands

pytestmark = pytest.mark.spark

#: The command of docs/spark.md run here (tests/test_doc_commands.py counts it as tested by this module).
SPARK_RUN = "kedro run --env spark --pipelines data_processing"

#: Settings for tiny tables only, read by spark-submit from $SPARK_CONF_DIR (the catalog's own settings win):
#: on a few hundred rows, compiling generated code for very wide queries costs more than interpreting them.
TINY_DATA_SPARK_DEFAULTS = """\
spark.sql.codegen.wholeStage false
spark.sql.codegen.factoryMode NO_CODEGEN
spark.driver.memory 1g
"""


@pytest.fixture(scope="module")
def spark_run_outputs(kedro_run_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """docs/spark.md's command run in a copy of the DuckDB run's project (same CSVs), outputs read back."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java is not installed: Spark needs a JVM")
    project = tmp_path_factory.mktemp("spark-project")
    for folder in ("src", "logs"):
        (project / folder).mkdir()
    shutil.copy(kedro_run_project / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(kedro_run_project / "conf", project / "conf")
    shutil.copytree(kedro_run_project / "data" / "01_raw", project / "data" / "01_raw")
    (project / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    spark_conf = tmp_path_factory.mktemp("spark-conf")
    (spark_conf / "spark-defaults.conf").write_text(TINY_DATA_SPARK_DEFAULTS)
    [command] = [
        c.text for c in doc_commands() if c.document == "docs/spark.md" and c.text.endswith(SPARK_RUN)
    ]
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=project,
        env={**os.environ, "SPARK_CONF_DIR": str(spark_conf), "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    data = project / "data"
    return {
        "model_input_table": pd.read_parquet(data / "05_model_input/model_input_table.parquet"),
        "scoring_input_table": pd.read_parquet(data / "05_model_input/scoring_input_table.parquet"),
        "feature_dictionary": pd.read_csv(data / "04_feature/feature_dictionary.csv"),
        "raw_data_validation_report": json.loads(
            (data / "08_reporting/raw_data_validation_report.json").read_text()
        ),
        "spark_folders": sorted(p.relative_to(data).as_posix() for p in data.glob("*/spark/*")),
    }


def test_duckdb_and_spark_give_the_same_model_inputs(spark_run_outputs, kedro_run_outputs):
    on_spark, on_duckdb = spark_run_outputs, kedro_run_outputs
    for name in ("model_input_table", "scoring_input_table"):
        # Same rows, columns, dtypes and NULLs; sums may differ in the last bits (summation order).
        pd.testing.assert_frame_equal(on_spark[name], on_duckdb[name], check_exact=False, rtol=1e-12, atol=0)
    assert on_spark["feature_dictionary"].to_dict("records") == on_duckdb["feature_dictionary"].to_dict(
        "records"
    )
    assert on_spark["raw_data_validation_report"] == on_duckdb["raw_data_validation_report"]
    assert on_spark["spark_folders"], "the intermediate tables go to */spark/ folders, as docs/spark.md says"
