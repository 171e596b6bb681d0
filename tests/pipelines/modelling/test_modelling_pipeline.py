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
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import AbstractDataset, DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from matplotlib.figure import Figure
from mlflow.tracking import MlflowClient

from credit_scoring.cost import CostWeights, cost_per_client
from credit_scoring.pipelines.modelling import create_pipeline
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import EvaluationRule, split_holdout
from credit_scoring.pipelines.modelling.params import CandidateSpec, RefineParams, TuningSpec
from credit_scoring.pipelines.modelling.tuning import refined_study
from credit_scoring.records import ModelMetrics
from credit_scoring.registry import ModelRelease, RegisteredModel
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from credit_scoring.serving.scoring import RISK_BANDS
from credit_scoring.serving.serving_data import SERVING_TABLES, TRAINING_COLUMNS
from tests.fixtures.model_input import synthetic_model_input
from tests.fixtures.settings import settings_of

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
#: The fairness report's groups (the protected-attribute experiment reads them).
REPORTING_PARAMS = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_reporting.yml").read_text())[
    "reporting"
]
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


class FakeRegistry(AbstractDataset):
    """The registry in memory: save registers the next version (champion when the gate said so); load returns
    the champion, as ``MlflowRegisteredModelDataset`` does."""

    def __init__(self, champion: RegisteredModel | None = None, next_version: int = 1):
        self.champion = champion
        self.next_version = next_version
        self.releases: list[ModelRelease] = []

    def save(self, release: ModelRelease) -> None:
        self.releases.append(release)
        if release.decision.promote:
            tags = {"evaluation_rule": json.dumps(release.metrics["evaluation_rule"])}
            self.champion = RegisteredModel(str(self.next_version), None, release.model, tags)
        self.next_version += 1

    def load(self) -> RegisteredModel | None:
        return self.champion

    def _describe(self) -> dict[str, Any]:
        return {}


def serving_inputs(model_input: pd.DataFrame, scoring: pd.DataFrame) -> dict[str, MemoryDataset]:
    """The data_processing tables the registration publishes with the version (`serving_data`)."""
    training = pd.DataFrame(
        {
            column: model_input.get(column, pd.Series(0.0, index=model_input.index))
            for column in TRAINING_COLUMNS
        }
    )
    clients = pd.concat([model_input["SK_ID_CURR"], scoring["SK_ID_CURR"]], ignore_index=True)
    return {
        "staged_application_test": MemoryDataset(scoring[["SK_ID_CURR"]]),
        "staged_application_train": MemoryDataset(training),
        "client_history_features": MemoryDataset(pd.DataFrame({"SK_ID_CURR": clients})),
    }


def run_in_memory(
    params: dict,
    model_input: pd.DataFrame,
    scoring: pd.DataFrame,
    champion: RegisteredModel | None = None,
    pipeline: Any = None,
    **given: Any,
) -> dict:
    pipeline = pipeline or create_pipeline()
    registry = FakeRegistry(champion, next_version=int(champion.version) + 1 if champion else 1)
    datasets = {
        **{name: KeptDataset() for name in pipeline.all_outputs()},
        "model_input_table": MemoryDataset(model_input),
        "scoring_input_table": MemoryDataset(scoring),
        **serving_inputs(model_input, scoring),
        "champion_model": FixedDataset(champion),
        "registered_model": registry,
        "params:random_state": MemoryDataset(42),
        "params:reporting": MemoryDataset(REPORTING_PARAMS),
        "params:modelling": MemoryDataset(params),
        **{name: MemoryDataset(value, copy_mode="assign") for name, value in given.items()},
    }
    if "modelling_settings" in pipeline.inputs():  # a part that starts after the parse node reads its output
        datasets["modelling_settings"] = MemoryDataset(settings_of(params, 42), copy_mode="assign")
    catalog = DataCatalog(datasets)
    SequentialRunner().run(pipeline, catalog)
    outputs = {name: catalog.load(name) for name in pipeline.all_outputs() if name != "registered_model"}
    return {**outputs, "releases": registry.releases, "served": registry.champion}


@pytest.fixture(scope="module")
def first_run(tiny_params: dict, model_input_table, scoring_input_table) -> dict:
    return run_in_memory(tiny_params, model_input_table, scoring_input_table)


def test_comparison_lists_every_candidate_simplest_first(first_run: dict, modelling_params: dict) -> None:
    comparison = first_run["model_comparison"]
    expected = [*modelling_params["candidates"], "logreg_tuned", "lgbm_tuned"]
    *compared, refined = comparison["model_name"].tolist()  # the finer search on the cheapest family, last
    assert compared == expected and refined in {"logreg_tuned_refined", "lgbm_tuned_refined"}
    assert comparison["selected"].sum() == 1
    selected = comparison.loc[comparison["selected"]].iloc[0]
    dummy = comparison.iloc[0]
    assert dummy["cv_auc"] == 0.5 and selected["cv_auc"] > 0.6
    assert selected["cv_business_cost_per_client"] < dummy["cv_business_cost_per_client"]
    columns = [
        "cv_auc_std",
        "cv_business_cost_std",
        "holdout_auc",
        "train_validation_auc_gap",
        "cv_fit_time_s",
    ]
    assert comparison[columns].notna().all().all()
    counts = comparison[["holdout_tn", "holdout_fp", "holdout_fn", "holdout_tp"]].sum(axis=1)
    assert (counts == len(first_run["modelling_holdout_table"])).all()
    lgbm = comparison.set_index("model_name").loc["lgbm_regularised"]
    assert 1 <= lgbm["n_trees"] < 60  # early stopping chose fewer trees than the cap
    by_name = comparison.set_index("model_name")
    studies = by_name.loc[["logreg_tuned", "lgbm_tuned", refined]]
    assert studies["n_trials"].tolist() == [2, 3, 2]
    assert (studies["tuning_rows"] == len(first_run["modelling_training_table"])).all()  # no sample: small
    assert not studies["timed_out"].astype(bool).any()
    assert by_name.loc[list(modelling_params["candidates"]), "n_trials"].isna().all()


def test_selected_model_metrics_and_threshold(first_run: dict) -> None:
    metrics = first_run["model_metrics"]
    assert set(metrics) >= REQUIRED_METRICS
    json.dumps(metrics)  # JSON-ready as saved
    assert metrics["model_name"] == first_run["selected_model_name"]
    assert metrics["probability_scale"] == "calibrated" and 0 <= metrics["threshold"] <= 1
    # the threshold was chosen on the calibrated scale, where the cost-optimal value is near FP/(FP+FN)
    assert metrics["threshold"] < 0.5
    assert metrics["business_cost_per_client"] <= metrics["business_cost_at_0_5"]
    train_rate = first_run["modelling_training_table"]["TARGET"].mean()
    assert metrics["cv_business_cost_per_client"] < 10 * train_rate
    assert metrics["approve_all_cost"] == pytest.approx(10 * metrics["holdout_default_rate"])
    assert metrics["n_features"] == 8 and metrics["n_folds"] == 3
    assert metrics["evaluation_rule"]["salt"] == "credit-scoring-holdout"
    curve = first_run["cost_threshold_curve"]
    assert set(curve["sample"]) == {"out-of-fold (training)", "holdout"}
    for name in ("roc_curve_plot", "precision_recall_plot", "cost_threshold_plot", "confusion_matrix_plot"):
        assert isinstance(first_run[name], Figure)
    assert {"brier_score", "brier_score_raw", "cv_auc_std", "cv_business_cost_std"} <= set(metrics)


def test_selected_model_risk_report(first_run: dict, scoring_input_table: pd.DataFrame) -> None:
    """Gini, KS, score bands and cost sensitivity are written typed, add up, and reach the MLflow metrics."""
    metrics = first_run["model_metrics"]
    typed = ModelMetrics.model_validate(metrics)
    assert typed.gini == pytest.approx(2 * metrics["holdout_auc"] - 1) and 0 < typed.ks <= 1
    bands = typed.score_bands
    n_holdout = len(first_run["modelling_holdout_table"])
    assert [row.band for row in bands.deciles] == [str(k) for k in range(1, 11)]
    assert [row.band for row in bands.risk_bands] == list(RISK_BANDS)
    for rows in (bands.deciles, bands.risk_bands):
        assert sum(row.count for row in rows) == n_holdout
        assert sum(row.defaults for row in rows) == metrics["holdout_tp"] + metrics["holdout_fn"]
    assert bands.rank_ordering_ok == all(
        row.rank_order_ok is not False for row in [*bands.deciles, *bands.risk_bands]
    )
    # the bands are the API's: everything at or above the threshold is "high" or "very_high"
    refused = sum(row.count for row in bands.risk_bands if row.band in ("high", "very_high"))
    assert refused == metrics["holdout_tp"] + metrics["holdout_fp"]
    assert sum(row.count for row in bands.production_risk_bands) == len(scoring_input_table)
    sensitivity = typed.cost_sensitivity
    assert [row.cost_ratio for row in sensitivity] == [5, 10, 15, 20]
    decision = next(row for row in sensitivity if row.decision_ratio)
    assert decision.cost_ratio == 10  # the decision's own ratio gives the served threshold and its cost
    assert decision.threshold == metrics["threshold"]
    assert decision.cost_per_client == pytest.approx(metrics["business_cost_per_client"])
    assert decision.approve_all_cost == pytest.approx(metrics["approve_all_cost"])
    approval = [row.approval_rate for row in sensitivity]
    assert approval == sorted(approval, reverse=True)  # dearer defaults, fewer loans
    logged = first_run["modelling_metrics"]
    assert logged["gini"]["value"] == metrics["gini"] and logged["ks"]["value"] == metrics["ks"]
    assert logged["rank_ordering_ok"]["value"] == float(bands.rank_ordering_ok)
    assert logged["cost_ratio_20.threshold"]["value"] == sensitivity[-1].threshold
    assert isinstance(first_run["cost_sensitivity_plot"], Figure)


def test_selected_model_segments(first_run: dict, tiny_params: dict, scoring_input_table) -> None:
    """The evaluation node cuts the holdout by segment when the model input has the columns: every client in
    one segment of each segmentation, the figures reach the MLflow metrics; without them it says so."""
    metrics = ModelMetrics.model_validate(first_run["model_metrics"])
    assert metrics.segments.thin_file.rows == []  # the synthetic model input has no history counts
    assert "BUREAU_LOAN_COUNT" in metrics.segments.thin_file.unavailable_reason

    holdout = first_run["modelling_holdout_table"].reset_index(drop=True)
    thin = np.arange(len(holdout)) < 60
    holdout = holdout.assign(
        BUREAU_LOAN_COUNT=np.where(thin | (np.arange(len(holdout)) % 7 == 0), 0.0, 2.0),
        PREV_APPLICATION_COUNT=np.where(thin, 0.0, 1.0),
        NAME_CONTRACT_TYPE=np.where(np.arange(len(holdout)) % 10 == 0, "Revolving loans", "Cash loans"),
    )
    evaluation = create_pipeline().only_nodes("evaluate_selected_model_node", "log_modelling_metrics_node")
    given = {name: first_run[name] for name in evaluation.inputs() if name in first_run}
    given["modelling_holdout_table"] = holdout
    run = run_in_memory(tiny_params, holdout, scoring_input_table, pipeline=evaluation, **given)
    written = run["model_metrics"]
    segments = ModelMetrics.model_validate(written).segments
    for comparison in (segments.thin_file, segments.no_bureau_record, segments.contract_type):
        assert comparison.unavailable_reason is None
        assert sum(row.count for row in comparison.rows) == len(holdout)
        assert sum(row.defaults for row in comparison.rows) == written["holdout_tp"] + written["holdout_fn"]
    rows = {row.segment: row for row in segments.thin_file.rows}
    assert rows["thin_file"].count == 60 and rows["thin_file"].share == pytest.approx(60 / len(holdout))
    assert [row.segment for row in segments.contract_type.rows] == ["Cash loans", "Revolving loans"]
    # weighted by their clients, the segments' costs and approval rates are the holdout's
    cost = sum(row.cost_per_client * row.count for row in segments.thin_file.rows) / len(holdout)
    assert cost == pytest.approx(written["business_cost_per_client"])
    granted = sum(row.approval_rate * row.count for row in segments.contract_type.rows)
    assert granted == written["holdout_tn"] + written["holdout_fn"]
    logged = run["modelling_metrics"]
    assert logged["segment.thin_file.thin_file.count"]["value"] == 60
    assert logged["segment.contract_type.Revolving_loans.approval_rate"]["value"] == pytest.approx(
        segments.contract_type.rows[1].approval_rate
    )


def test_first_release_is_promoted_and_published_scores_are_the_champions(
    first_run: dict, scoring_input_table: pd.DataFrame
) -> None:
    release = first_run["releases"][-1]
    assert isinstance(release, ModelRelease)
    assert release.decision.promote and release.decision.reason.startswith("no champion yet")
    assert release.model.threshold == first_run["model_metrics"]["threshold"]
    assert list(release.input_example.columns) == release.model.features
    # the input example is synthetic: no row of it is a real client's row
    real = first_run["modelling_training_table"][release.model.features].round(6)
    assert release.input_example.merge(real, how="inner").empty
    # the tables a scoring host needs go with the release (published before any alias names it)
    assert set(release.serving_data) == set(SERVING_TABLES)
    assert release.serving_data["client_features"].num_rows == len(scoring_input_table)
    assert release.serving_data["training_clients"].column_names == list(TRAINING_COLUMNS)
    predictions = first_run["scoring_predictions"]
    assert predictions["SK_ID_CURR"].tolist() == scoring_input_table["SK_ID_CURR"].tolist()
    assert set(predictions["model_version"]) == {"1"}
    expected = first_run["served"].model.predict(None, scoring_input_table)
    np.testing.assert_array_equal(predictions["probability"], expected["probability"])
    logged = first_run["modelling_metrics"]
    assert (
        logged["business_cost_per_client"]["value"] == first_run["model_metrics"]["business_cost_per_client"]
    )
    assert "candidate.dummy.cv_auc" in logged
    refined = first_run["model_comparison"]["model_name"].iloc[-1]
    assert set(first_run["tuning_trials"]["study"]) == {"logreg_tuned", "lgbm_tuned", refined}


def test_same_data_and_parameters_give_the_same_metrics(
    first_run: dict, modelling_params: dict, model_input_table, scoring_input_table
) -> None:
    second = run_in_memory(modelling_params, model_input_table, scoring_input_table)
    first_metrics = {k: v for k, v in first_run["model_metrics"].items() if k not in TIMINGS}
    assert {k: v for k, v in second["model_metrics"].items() if k not in TIMINGS} == first_metrics
    columns = [c for c in first_run["model_comparison"].columns if c not in TIMINGS and "time" not in c]
    pd.testing.assert_frame_equal(first_run["model_comparison"][columns], second["model_comparison"][columns])


# --- the promotion gate and the published scores, against various champions ----------------------------


class RaisingModel(CreditScoringModel):
    """A champion that loads but fails to score (a library upgrade changed its internals)."""

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raise AttributeError("'LGBMClassifier' object has no attribute '_n_classes'")


def gate_run(first_run: dict, params: dict, scoring: pd.DataFrame, champion: RegisteredModel | None, **given):
    """The release part of the pipeline, from the first run's trained model, against ``champion``."""
    pipeline = create_pipeline().from_nodes("evaluate_champion_node")
    inputs = {
        name: first_run[name]
        for name in (
            "modelling_holdout_table",
            "model_metrics",
            "model_bundle",
            "modelling_training_table",
            "serving_data",
        )
    }
    return run_in_memory(
        params, first_run["modelling_training_table"], scoring, champion, pipeline, **{**inputs, **given}
    )


def same_rule(first_run: dict) -> dict[str, str]:
    return {"evaluation_rule": json.dumps(first_run["model_metrics"]["evaluation_rule"])}


def test_an_equal_challenger_keeps_the_champion_whose_scores_are_published(
    first_run: dict, modelling_params: dict, scoring_input_table: pd.DataFrame
) -> None:
    champion = RegisteredModel("7", None, first_run["model_bundle"], same_rule(first_run))
    run = gate_run(first_run, modelling_params, scoring_input_table, champion)
    decision = run["promotion_decision"]
    assert not decision["promote"] and "champion v7 kept" in decision["reason"]
    assert decision["evidence"]["versus_champion"]["mean"] == 0.0
    predictions = run["scoring_predictions"]
    assert set(predictions["model_version"]) == {"7"}
    expected = champion.model.predict(None, scoring_input_table)
    np.testing.assert_array_equal(predictions["probability"], expected["probability"])


def test_a_clearly_worse_champion_is_replaced(
    first_run: dict, modelling_params: dict, scoring_input_table
) -> None:
    model: CreditScoringModel = first_run["model_bundle"]
    refuse_all = CreditScoringModel(
        model.estimator, model.feature_spec, threshold=0.0, model_name="refuse_all"
    )
    run = gate_run(
        first_run,
        modelling_params,
        scoring_input_table,
        RegisteredModel("7", None, refuse_all, same_rule(first_run)),
    )
    decision = run["promotion_decision"]
    assert decision["promote"] and "saves money against champion v7" in decision["reason"]
    assert decision["evidence"]["versus_champion"]["high"] < 0
    assert set(run["scoring_predictions"]["model_version"]) == {"8"}


@pytest.mark.parametrize("failure", ["unloadable", "fails_scoring"])
def test_a_broken_champion_is_reported_and_replaced_by_a_challenger_passing_the_floor(
    first_run: dict, modelling_params: dict, scoring_input_table, failure: str
) -> None:
    model: CreditScoringModel = first_run["model_bundle"]
    if failure == "unloadable":
        champion = RegisteredModel("4", None, None, {}, "ModuleNotFoundError: No module named 'old_package'")
    else:
        broken = RaisingModel(model.estimator, model.feature_spec, model.threshold, "broken")
        champion = RegisteredModel("4", None, broken, same_rule(first_run))
    run = gate_run(first_run, modelling_params, scoring_input_table, champion)  # the run does not abort
    decision = run["promotion_decision"]
    assert decision["champion_status"] == failure and decision["champion_version"] == "4"
    assert decision["champion_error"] and decision["passes_floor"] and decision["promote"]
    assert "replaced by a challenger passing the floor" in decision["reason"]
    assert set(run["scoring_predictions"]["model_version"]) == {"5"}


def test_a_broken_champion_is_not_replaced_by_a_challenger_below_the_floor(
    first_run: dict, modelling_params: dict, scoring_input_table
) -> None:
    champion = RegisteredModel("4", None, None, {}, "TypeError: cannot unpickle")
    strict = {**modelling_params, "registry": {**modelling_params["registry"], "min_auc": 0.99}}
    run = gate_run(first_run, strict, scoring_input_table, champion)
    decision = run["promotion_decision"]
    assert not decision["promote"] and not decision["passes_floor"]
    assert "fails the floor" in decision["reason"] and "needs attention" in decision["reason"]
    assert run["scoring_predictions"].empty  # nothing serves: no scores are published


def test_with_no_champion_a_dummy_challenger_is_not_promoted(
    modelling_params: dict, model_input_table, scoring_input_table
) -> None:
    params = {
        **modelling_params,
        "candidates": {"dummy": modelling_params["candidates"]["dummy"]},
        "tuning": {name: {**study, "n_trials": 1} for name, study in modelling_params["tuning"].items()},
        "selection": {"standard_errors": 1000.0},  # every candidate is "within the noise": the simplest wins
    }
    run = run_in_memory(params, model_input_table, scoring_input_table)
    decision = run["promotion_decision"]
    assert run["model_metrics"]["model_name"] == "dummy"
    assert (
        not decision["promote"] and not decision["passes_floor"] and "fails the floor" in decision["reason"]
    )
    assert run["releases"][0].decision.promote is False and run["served"] is None
    assert run["scoring_predictions"].empty


def test_a_champion_trained_on_part_of_the_holdout_is_judged_on_rows_it_never_saw(
    first_run: dict, modelling_params: dict, model_input_table: pd.DataFrame, scoring_input_table
) -> None:
    """The champion was trained under another hash rule, so it saw about 80 % of today's holdout: compared
    on the whole holdout it would win by memory. The gate compares on the clients neither model saw."""
    old_rule = EvaluationRule("SK_ID_CURR", "an-older-salt", 0.2)
    old_training, _ = split_holdout(model_input_table, old_rule)
    X, y = old_training.drop(columns=["SK_ID_CURR", "TARGET"]), old_training["TARGET"]
    spec = FeatureSpec.from_frame(X)
    memoriser = CandidateSpec(
        family="lgbm", params={"n_estimators": 300, "num_leaves": 64, "min_child_samples": 2}
    )
    champion_model = CreditScoringModel(build_estimator(memoriser, spec, 0).fit(X, y), spec, 0.1, "memoriser")
    tags = {"evaluation_rule": json.dumps(old_rule.to_dict())}
    champion = RegisteredModel("2", None, champion_model, tags)
    too_few = gate_run(first_run, modelling_params, scoring_input_table, champion)["promotion_decision"]
    assert not too_few["promote"] and "too few clients that neither model was trained on" in too_few["reason"]
    params = {**modelling_params, "registry": {**modelling_params["registry"], "min_evaluation_rows": 50}}
    run = gate_run(first_run, params, scoring_input_table, champion)
    decision = run["promotion_decision"]
    holdout = first_run["modelling_holdout_table"]
    unseen = old_rule.held_out(holdout["SK_ID_CURR"].to_numpy())
    assert decision["evaluation"]["n_compared_with_champion"] == int(unseen.sum()) < len(holdout)
    assert "evaluation rows changed" in decision["note"]
    weights = CostWeights()
    memorised = cost_per_client(holdout["TARGET"], champion_model.predict_proba(holdout), 0.1, weights)
    assert decision["champion_cost"] > memorised  # judged on unseen rows, the memory does not help it


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
    files = {
        "staged_application_test": "data/02_intermediate/staged_application_test.parquet",
        "staged_application_train": "data/02_intermediate/staged_application_train.parquet",
        "client_history_features": "data/04_feature/client_history_features.parquet",
    }
    for name, dataset in serving_inputs(model_input_table, scoring_input_table).items():
        dataset.load().to_parquet(tmp_path / files[name])
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
    figures = ("roc_curve", "precision_recall", "cost_threshold", "confusion_matrix", "calibration")
    for figure in (*figures, "cost_sensitivity"):
        assert (reporting / f"{figure}.png").stat().st_size > 1000

    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("credit-scoring")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(run for run in runs if "mlflow.parentRunId" not in run.data.tags)
    trials = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    studies = [*modelling_params["tuning"].values(), modelling_params["refine"]]  # the finer search, too
    assert len(trials) == sum(study["n_trials"] for study in studies)
    assert parent.data.metrics["business_cost_per_client"] == pytest.approx(
        metrics["business_cost_per_client"]
    )
    assert parent.data.metrics["gini"] == pytest.approx(metrics["gini"])
    assert (
        parent.data.metrics["cost_ratio_5.approval_rate"] == metrics["cost_sensitivity"][0]["approval_rate"]
    )
    assert parent.data.params["modelling.cost.false_negative"] == "10"
    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "reports")}
    assert {"reports/model_comparison.csv", "reports/model_metrics.json"} <= artifacts
    assert "reports/scorecard_points.json" in artifacts
    points = json.loads((reporting / "scorecard_points.json").read_text())
    assert points["model_name"] == "scorecard_woe" and points["bins"]
    assert str(client.get_model_version_by_alias("credit-scoring", "champion").version) == "1"
    # the version's run holds what a scoring host needs besides the model, with its manifest
    published = {item.path for item in client.list_artifacts(parent.info.run_id, "serving_data")}
    assert published == {
        "serving_data/manifest.json",
        *(f"serving_data/{name}.parquet" for name in SERVING_TABLES),
    }

    # same data and parameters again: the same model, so the champion stays
    kedro_run(project, modelling_params)
    decision = json.loads((reporting / "promotion_decision.json").read_text())
    assert decision["promote"] is False and decision["champion_version"] == "1"
    assert decision["evidence"]["versus_champion"]["mean"] == 0.0 and decision["note"] == ""
    assert str(client.get_model_version_by_alias("credit-scoring", "challenger").version) == "2"
    assert str(client.get_model_version_by_alias("credit-scoring", "champion").version) == "1"
    assert_published_scores_are_the_champions(project, "1")

    # 100 more clients: the holdout grows but keeps every earlier holdout client; the gate says so
    table = pd.read_parquet(project / "data/05_model_input/model_input_table.parquet")
    more = synthetic_model_input(
        n_rows=100, n_numeric=6, n_categorical=2, default_rate=0.12, seed=5, first_id=9_000_000
    )
    pd.concat([table, more], ignore_index=True).to_parquet(
        project / "data/05_model_input/model_input_table.parquet"
    )
    kedro_run(project, modelling_params)
    decision = json.loads((reporting / "promotion_decision.json").read_text())
    assert "evaluation rows changed" in decision["note"] and decision["champion_version"] == "1"
    champion = str(client.get_model_version_by_alias("credit-scoring", "champion").version)
    assert champion == ("3" if decision["promote"] else "1")
    assert_published_scores_are_the_champions(project, champion)


def assert_published_scores_are_the_champions(project: Path, version: str) -> None:
    served = mlflow.pyfunc.load_model("models:/credit-scoring@champion")
    scoring = pd.read_parquet(project / "data/05_model_input/scoring_input_table.parquet")
    batch = pd.read_parquet(project / "data/07_model_output/scoring_predictions.parquet")
    np.testing.assert_allclose(
        served.predict(scoring)["probability"].to_numpy(), batch["probability"].to_numpy()
    )
    assert set(batch["model_version"]) == {version}


def test_the_finer_search_stays_inside_its_narrowed_ranges(first_run: dict, tiny_params: dict) -> None:
    trials = first_run["tuning_trials"]
    refined = first_run["model_comparison"]["model_name"].iloc[-1]
    study = refined.removesuffix("_refined")
    rows = trials.loc[trials["study"] == refined]
    assert len(rows) == tiny_params["refine"]["n_trials"]
    best = first_run["candidate_results"][study]
    spec = next(raw for raw in tiny_params["tuning"].values() if raw["name"] == study)
    narrowed = refined_study(
        TuningSpec.model_validate(spec),
        CandidateSpec.model_validate(best.spec),
        RefineParams.model_validate(tiny_params["refine"]),
        n_rows=len(first_run["modelling_training_table"]),
    )
    for name, dimension in narrowed.search_space.items():
        values = rows[f"param_{name}"]
        assert values.between(dimension.low, dimension.high).all(), name
