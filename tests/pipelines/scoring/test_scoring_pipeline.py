"""The scoring pipeline: the champion scores applications in batch with the serving code, on pandas
(`kedro run --pipelines scoring`) and on Spark (`kedro run --env spark --pipelines scoring`, as docs/spark.md
writes it), with equal outputs on the same rows."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from credit_scoring.pipelines.scoring import nodes
from credit_scoring.registry import RegisteredModel
from credit_scoring.serving.scoring import Scorer
from tests.api.project import build_project
from tests.doc_commands import doc_commands

PROJECT_ROOT = Path(__file__).resolve().parents[3]
#: The command of docs/spark.md run here (tests/test_doc_commands.py counts it as tested by this module).
SPARK_SCORING_RUN = "kedro run --env spark --pipelines scoring"
PARAMS = {"top_reasons": 3, "language": "en"}
#: Tiny tables: interpreting the UDF's plan is faster than compiling it (read by spark-submit).
TINY_DATA_SPARK_DEFAULTS = """\
spark.sql.codegen.wholeStage false
spark.driver.memory 1g
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A tiny project (model inputs, a LightGBM registered as champion) with this project's configuration."""
    root = tmp_path_factory.mktemp("scoring-project")
    built = build_project(root)
    (root / "src").mkdir(exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    (root / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return built


def _kedro(root: Path, command: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=root,
        env={**os.environ, "DO_NOT_TRACK": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"


def _champion(project: dict) -> RegisteredModel:
    return RegisteredModel(version=str(project["version"]), run_id=None, model=project["model"])


def test_batch_scores_are_the_serving_scores(project):
    table = project["scoring_input_table"]
    scores = nodes.score_batch(table, _champion(project), PARAMS, {})
    assert list(scores.columns) == list(nodes.SCORE_COLUMNS)
    assert scores["SK_ID_CURR"].tolist() == table["SK_ID_CURR"].tolist()
    assert (scores["model_version"] == str(project["version"])).all()
    # the probabilities and decisions of the modelling pipeline's batch scores and of the API's scorer
    predictions = project["predictions"]
    pd.testing.assert_series_equal(scores["probability"], predictions["probability"], check_names=False)
    assert scores["decision"].tolist() == predictions["decision"].tolist()
    served = nodes.served_champion(_champion(project))
    rows = table.drop(columns=["SK_ID_CURR"]).head(3)
    [first, *_] = Scorer(served, rows=None, policy=None).score_rows(  # type: ignore[arg-type]
        rows, [1, 2, 3], [True] * 3, reasons=True, top_k=3
    )
    assert first.risk_band == scores["risk_band"].iloc[0]
    assert [r["family"] for r in json.loads(scores["reasons"].iloc[0])] == [r.family for r in first.reasons]
    assert all(1 <= len(json.loads(text)) <= 3 for text in scores["reasons"])


def test_scoring_needs_a_usable_champion(project):
    with pytest.raises(ValueError, match="no champion"):
        nodes.score_batch(project["scoring_input_table"], None, PARAMS, {})
    broken = RegisteredModel(version="7", run_id=None, model=None, load_error="renamed class")
    with pytest.raises(ValueError, match="version 7 cannot be loaded: renamed class"):
        nodes.score_batch(project["scoring_input_table"], broken, PARAMS, {})
    with pytest.raises(ValueError, match="SK_ID_CURR"):
        nodes.score_batch(
            project["scoring_input_table"].drop(columns="SK_ID_CURR"), _champion(project), PARAMS, {}
        )


@pytest.mark.spark
def test_spark_scoring_equals_single_machine_scoring(project, tmp_path_factory):
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("Java is not installed: Spark needs a JVM")
    root: Path = project["root"]
    _kedro(root, ".venv/bin/kedro run --pipelines scoring")
    spark_conf = tmp_path_factory.mktemp("spark-conf")
    (spark_conf / "spark-defaults.conf").write_text(TINY_DATA_SPARK_DEFAULTS)
    [command] = [
        c.text for c in doc_commands() if c.document == "docs/spark.md" and c.text.endswith(SPARK_SCORING_RUN)
    ]
    _kedro(root, command, {"SPARK_CONF_DIR": str(spark_conf)})

    on_pandas = pd.read_parquet(root / "data/07_model_output/batch_scores.parquet")
    on_spark = pd.read_parquet(root / "data/07_model_output/spark/batch_scores.parquet")
    on_spark = on_spark.sort_values("SK_ID_CURR", ignore_index=True)
    on_pandas = on_pandas.sort_values("SK_ID_CURR", ignore_index=True)
    assert len(on_pandas) == len(project["scoring_input_table"]) == len(on_spark)
    assert on_spark["SK_ID_CURR"].tolist() == on_pandas["SK_ID_CURR"].tolist()
    assert (on_spark["probability"] - on_pandas["probability"]).abs().max() <= 1e-9
    for column in ("decision", "threshold", "risk_band", "model_name", "model_version"):
        assert on_spark[column].tolist() == on_pandas[column].tolist(), column
    assert (on_spark["model_version"] == str(project["version"])).all()
    for spark_text, pandas_text in zip(on_spark["reasons"], on_pandas["reasons"], strict=True):
        spark_reasons, pandas_reasons = json.loads(spark_text), json.loads(pandas_text)
        assert [(r["family"], r["direction"], r["sentence"]) for r in spark_reasons] == [
            (r["family"], r["direction"], r["sentence"]) for r in pandas_reasons
        ]
        for a, b in zip(spark_reasons, pandas_reasons, strict=True):
            assert a["contribution"] == pytest.approx(b["contribution"], abs=1e-9)
