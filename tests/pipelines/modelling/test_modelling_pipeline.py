"""The modelling pipeline end to end on tiny data: in memory, reproducible, promotion gate, real Kedro run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from matplotlib.figure import Figure
from mlflow.tracking import MlflowClient

from credit_scoring.pipelines.modelling import create_pipeline
from credit_scoring.registry import ModelRelease, RegisteredModel
from credit_scoring.serving.model import CreditScoringModel

PROJECT_ROOT = Path(__file__).resolve().parents[3]
REQUIRED_METRICS = {
    "model_name",
    "cv_auc",
    "cv_auc_std",
    "holdout_auc",
    "holdout_accuracy",
    "holdout_precision",
    "holdout_recall",
    "threshold",
    "business_cost_per_client",
    "business_cost_at_0_5",
    "approve_all_cost",
    "n_features",
    "training_time_s",
}
#: Measurements of time, which legitimately differ between two runs on the same data.
TIMINGS = {"training_time_s", "predict_time_ms_per_1000", "cv_fit_time_s", "refit_time_s"}


class FixedDataset(AbstractDataset):
    """Loads a fixed object, None included (a MemoryDataset refuses to hold None)."""

    def __init__(self, data: Any):
        self._data = data

    def load(self) -> Any:
        return self._data

    def save(self, data: Any) -> None:
        raise NotImplementedError

    def _describe(self) -> dict[str, Any]:
        return {}


class KeptDataset(MemoryDataset):
    """An in-memory dataset the runner cannot release, so a test can read intermediate results afterwards."""

    def __init__(self):
        super().__init__(copy_mode="assign")

    def _release(self) -> None:
        pass


def run_in_memory(
    params: dict, model_input: pd.DataFrame, scoring: pd.DataFrame, champion: Any = None
) -> dict:
    pipeline = create_pipeline()
    catalog = DataCatalog(
        {
            **{name: KeptDataset() for name in pipeline.all_outputs()},
            "model_input_table": MemoryDataset(model_input),
            "scoring_input_table": MemoryDataset(scoring),
            "champion_model": FixedDataset(champion),
            "params:random_state": MemoryDataset(42),
            **{
                f"params:modelling.{key}": MemoryDataset(value)
                for key, value in params.items()
                if key != "tuning"
            },
            **{
                f"params:modelling.tuning.{key}": MemoryDataset(value)
                for key, value in params["tuning"].items()
            },
        }
    )
    SequentialRunner().run(pipeline, catalog)
    return {name: catalog.load(name) for name in pipeline.all_outputs()}


@pytest.fixture(scope="module")
def first_run(tiny_params: dict, model_input_table, scoring_input_table) -> dict:
    return run_in_memory(tiny_params, model_input_table, scoring_input_table)


def test_comparison_lists_every_candidate_simplest_first(first_run: dict, modelling_params: dict) -> None:
    comparison = first_run["model_comparison"]
    expected = [*modelling_params["candidates"], "logreg_tuned", "lgbm_tuned"]
    assert comparison["model_name"].tolist() == expected
    assert comparison["selected"].sum() == 1
    selected = comparison.loc[comparison["selected"]].iloc[0]
    assert selected["cv_business_cost_per_client"] == comparison["cv_business_cost_per_client"].min()
    dummy = comparison.iloc[0]
    assert dummy["cv_auc"] == 0.5 and selected["cv_auc"] > 0.6
    assert (
        comparison[["cv_auc_std", "holdout_auc", "train_validation_auc_gap", "cv_fit_time_s"]]
        .notna()
        .all()
        .all()
    )
    counts = comparison[["holdout_tn", "holdout_fp", "holdout_fn", "holdout_tp"]].sum(axis=1)
    assert (counts == 240).all()  # 20 % of 1200 clients


def test_selected_model_metrics_and_threshold(first_run: dict) -> None:
    metrics = first_run["model_metrics"]
    assert set(metrics) >= REQUIRED_METRICS
    json.dumps(metrics)  # JSON-ready as saved
    assert metrics["model_name"] == first_run["selected_model_name"]
    assert metrics["threshold"] != 0.5 and 0 <= metrics["threshold"] <= 1
    # where it was chosen, the threshold beats granting everybody (a 240-row holdout is too noisy to assert)
    train_rate = first_run["modelling_training_table"]["TARGET"].mean()
    assert metrics["cv_business_cost_per_client"] < 10 * train_rate
    assert metrics["approve_all_cost"] == pytest.approx(10 * metrics["holdout_default_rate"])
    assert metrics["n_features"] == 8
    curve = first_run["cost_threshold_curve"]
    assert set(curve["sample"]) == {"out-of-fold (training)", "holdout"}
    oof = curve[curve["sample"] == "out-of-fold (training)"]
    assert oof.loc[oof["cost_per_client"].idxmin(), "cost_per_client"] == pytest.approx(
        metrics["cv_business_cost_per_client"]
    )
    for name in ("roc_curve_plot", "precision_recall_plot", "cost_threshold_plot", "confusion_matrix_plot"):
        assert isinstance(first_run[name], Figure)
    assert {"brier_score", "brier_score_calibrated", "threshold_calibrated"} <= set(metrics)


def test_release_model_and_batch_scores(first_run: dict, scoring_input_table: pd.DataFrame) -> None:
    release = first_run["registered_model"]
    assert isinstance(release, ModelRelease)
    assert release.decision.promote and release.decision.reason == "no champion yet"
    assert release.model.threshold == first_run["model_metrics"]["threshold"]
    assert list(release.input_example.columns) == release.model.features
    predictions = first_run["scoring_predictions"]
    assert predictions["SK_ID_CURR"].tolist() == scoring_input_table["SK_ID_CURR"].tolist()
    assert set(predictions["decision"]) <= {"granted", "refused"}
    logged = first_run["modelling_metrics"]
    assert (
        logged["business_cost_per_client"]["value"] == first_run["model_metrics"]["business_cost_per_client"]
    )
    assert "candidate.dummy.cv_auc" in logged
    trials = first_run["tuning_trials"]
    assert set(trials["study"]) == {"logreg_tuned", "lgbm_tuned"}


def test_same_data_and_parameters_give_the_same_metrics(
    first_run: dict, modelling_params: dict, model_input_table, scoring_input_table
) -> None:
    second = run_in_memory(modelling_params, model_input_table, scoring_input_table)
    first_metrics = {k: v for k, v in first_run["model_metrics"].items() if k not in TIMINGS}
    assert {k: v for k, v in second["model_metrics"].items() if k not in TIMINGS} == first_metrics
    columns = [c for c in first_run["model_comparison"].columns if c not in TIMINGS and "time" not in c]
    pd.testing.assert_frame_equal(first_run["model_comparison"][columns], second["model_comparison"][columns])


def test_gate_keeps_an_equal_champion_and_replaces_a_worse_one(
    first_run: dict, modelling_params: dict, model_input_table, scoring_input_table
) -> None:
    pipeline = create_pipeline().from_nodes("evaluate_champion_node")
    model: CreditScoringModel = first_run["model_bundle"]
    refuse_all = CreditScoringModel(
        model.estimator, model.feature_spec, threshold=0.0, model_name="refuse_all"
    )
    other_holdout = {"holdout_fingerprint": "0123456789abcdef"}
    champions = {
        "equal": RegisteredModel(version="7", run_id=None, model=model),
        "worse": RegisteredModel(version="7", run_id=None, model=refuse_all),
        "other_holdout": RegisteredModel(version="7", run_id=None, model=model, tags=other_holdout),
    }
    decisions = {}
    for label, champion in champions.items():
        catalog = DataCatalog(
            {
                **{name: KeptDataset() for name in pipeline.all_outputs()},
                "champion_model": FixedDataset(champion),
                "modelling_holdout_table": MemoryDataset(first_run["modelling_holdout_table"]),
                "model_metrics": MemoryDataset(first_run["model_metrics"]),
                "model_bundle": MemoryDataset(model, copy_mode="assign"),
                "scoring_input_table": MemoryDataset(scoring_input_table),
                "params:modelling.split": MemoryDataset(modelling_params["split"]),
                "params:modelling.cost": MemoryDataset(modelling_params["cost"]),
                "params:modelling.registry": MemoryDataset(modelling_params["registry"]),
            }
        )
        SequentialRunner().run(pipeline, catalog)
        decisions[label] = catalog.load("promotion_decision")
    assert not decisions["equal"]["promote"] and "champion v7 kept" in decisions["equal"]["reason"]
    assert decisions["equal"]["champion_cost"] == pytest.approx(
        first_run["model_metrics"]["business_cost_per_client"]
    )
    assert decisions["worse"]["promote"] and "saves" in decisions["worse"]["reason"]
    assert decisions["equal"]["note"] == "" and "another holdout" in decisions["other_holdout"]["note"]


# --- a real `kedro run` with kedro-mlflow and the registry, in a copy of the project ----------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_input_table, scoring_input_table) -> Path:
    """The project's configuration with the model input tables on disk; MLflow writes under tmp_path only."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("local"))
    (tmp_path / "conf" / "local").mkdir()
    (tmp_path / "conf" / "local" / "catalog.yml").write_text(
        "model_input_table:\n  type: pandas.ParquetDataset\n"
        "  filepath: data/05_model_input/model_input_table.parquet\n"
        "scoring_input_table:\n  type: pandas.ParquetDataset\n"
        "  filepath: data/05_model_input/scoring_input_table.parquet\n"
    )
    # an absolute URI: MLflow caches stores by URI, so a relative sqlite:///mlflow.db opened by an earlier
    # test in another folder would be reused
    (tmp_path / "conf" / "local" / "mlflow.yml").write_text(
        f"server:\n  mlflow_tracking_uri: sqlite:///{tmp_path / 'mlflow.db'}\n"
    )
    for layer in (PROJECT_ROOT / "data").iterdir():
        if layer.is_dir():
            (tmp_path / "data" / layer.name).mkdir(parents=True)
    (tmp_path / "logs").mkdir()
    (tmp_path / "src").mkdir()  # bootstrap_project wants it; the package itself is the installed one
    model_input_table.to_parquet(tmp_path / "data/05_model_input/model_input_table.parquet")
    scoring_input_table.to_parquet(tmp_path / "data/05_model_input/scoring_input_table.parquet")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    while mlflow.active_run():  # a run left open by an earlier test would capture this session's logging
        mlflow.end_run()
    previous = mlflow.get_tracking_uri()
    yield tmp_path
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(previous)


def kedro_run(project: Path, params: dict) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project, runtime_params={"modelling": params}) as session:
        session.run(pipeline_names=["modelling"])


@pytest.mark.slow
def test_kedro_run_tracks_reports_and_registers(project: Path, modelling_params: dict) -> None:
    kedro_run(project, modelling_params)
    reporting = project / "data" / "08_reporting"
    comparison = pd.read_csv(reporting / "model_comparison.csv")
    metrics = json.loads((reporting / "model_metrics.json").read_text())
    assert set(metrics) >= REQUIRED_METRICS
    assert comparison["model_name"].iloc[0] == "dummy"
    for figure in ("roc_curve", "precision_recall", "cost_threshold", "confusion_matrix", "calibration"):
        assert (reporting / f"{figure}.png").stat().st_size > 1000

    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("credit-scoring")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(run for run in runs if "mlflow.parentRunId" not in run.data.tags)
    trials = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(trials) == sum(study["n_trials"] for study in modelling_params["tuning"].values())
    assert parent.data.metrics["business_cost_per_client"] == pytest.approx(
        metrics["business_cost_per_client"]
    )
    assert parent.data.params["modelling.cost.false_negative"] == "10"
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "reports")}
    assert {"reports/model_comparison.csv", "reports/model_metrics.json"} <= artifacts
    assert str(client.get_model_version_by_alias("credit-scoring", "champion").version) == "1"

    # same data and parameters again: a new challenger with the same cost, so the champion stays
    kedro_run(project, modelling_params)
    decision = json.loads((reporting / "promotion_decision.json").read_text())
    assert decision["promote"] is False and decision["champion_version"] == "1"
    assert str(client.get_model_version_by_alias("credit-scoring", "challenger").version) == "2"
    assert str(client.get_model_version_by_alias("credit-scoring", "champion").version) == "1"
    served = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    scores = served.predict(pd.read_parquet(project / "data/05_model_input/scoring_input_table.parquet"))
    batch = pd.read_parquet(project / "data/07_model_output/scoring_predictions.parquet")
    np.testing.assert_allclose(scores["probability"].to_numpy(), batch["probability"].to_numpy())
