"""Registry: the promotion gate, publishing with aliases, promotion and rollback, CLI, Kedro datasets."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError
from mlflow.tracking import MlflowClient

from credit_scoring import registry
from credit_scoring.cost import CostDifference, CostWeights, client_costs, paired_cost_difference
from credit_scoring.datasets.mlflow_registry import (
    MlflowAliasModelDataset,
    MlflowRegisteredModelDataset,
    MlflowVersionArtifactDataset,
)
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.params import CandidateSpec
from credit_scoring.registry import GateEvidence, ModelRelease, decide_promotion
from credit_scoring.serving.description import IMPORTANCE_ARTIFACT, load_description
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from tests.fixtures.model_input import synthetic_model_input

NAME = "credit-scoring"


# --- the promotion gate (pure) --------------------------------------------------------------------------

WEIGHTS = CostWeights()


def evidence(**overrides) -> GateEvidence:
    """A challenger comfortably above the floor, and no champion, unless overridden."""
    fields = {
        "challenger_cost": 0.45,
        "challenger_auc": 0.75,
        "approve_all_cost": 0.8,
        "floor": CostDifference(-0.35, -0.40, -0.30, 0.95, 5000, 2000),
        "min_auc": 0.6,
    }
    return GateEvidence(**{**fields, **overrides})


def test_with_no_champion_a_challenger_passing_the_floor_is_promoted() -> None:
    decision = decide_promotion(evidence())
    assert decision.promote and decision.reason.startswith("no champion yet") and decision.passes_floor


@pytest.mark.parametrize(
    "overrides",
    [
        {"challenger_auc": 0.5},  # a dummy: no ranking power
        {
            "floor": CostDifference(-0.01, -0.05, 0.03, 0.95, 5000, 2000)
        },  # not surely cheaper than approve-all
    ],
)
def test_a_challenger_below_the_floor_is_never_promoted(overrides: dict) -> None:
    for champion in ({}, {"champion_status": "unloadable", "champion_version": "2", "champion_error": "x"}):
        decision = decide_promotion(evidence(**overrides, **champion), force=True)
        assert not decision.promote and not decision.passes_floor and "fails the floor" in decision.reason


@pytest.mark.parametrize(
    ("status", "error"), [("unloadable", "No module named 'x'"), ("fails_scoring", "boom")]
)
def test_a_broken_champion_is_replaced_and_reported(status: str, error: str) -> None:
    decision = decide_promotion(evidence(champion_status=status, champion_version="2", champion_error=error))
    assert decision.promote and decision.champion_status == status and error in decision.reason
    assert decision.to_dict()["champion_error"] == error


def champion_evidence(versus: CostDifference | None) -> GateEvidence:
    return evidence(champion_status="ok", champion_version="3", champion_cost=0.46, versus_champion=versus)


def test_the_champion_is_replaced_only_when_the_whole_interval_is_below_zero() -> None:
    better = decide_promotion(champion_evidence(CostDifference(-0.03, -0.05, -0.01, 0.95, 5000, 2000)))
    assert better.promote and "saves money against champion v3" in better.reason
    noisy = decide_promotion(champion_evidence(CostDifference(-0.01, -0.03, 0.01, 0.95, 5000, 2000)))
    assert not noisy.promote and "champion v3 kept" in noisy.reason
    assert decide_promotion(
        champion_evidence(CostDifference(-0.01, -0.03, 0.01, 0.95, 5000, 2000)), force=True
    ).promote
    unknown = decide_promotion(champion_evidence(None))
    assert not unknown.promote and "too few clients" in unknown.reason


def test_a_challenger_only_noise_better_is_not_promoted() -> None:
    """The two models disagree on 200 of 5,000 clients; the challenger is right on 103 of them and the
    champion on 97: cheaper on this sample, but within the noise."""
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.08).astype(int)
    champion_proba = np.where(y == 1, 0.8, 0.02)  # start from a perfect model...
    challenger_proba = champion_proba.copy()
    bad, good = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    # ...each model misses 10 defaulters the other catches, and wrongly refuses good clients the other grants
    challenger_proba[bad[:10]] = 0.02
    champion_proba[bad[10:20]] = 0.02
    challenger_proba[good[:77]] = 0.9
    champion_proba[good[77:180]] = 0.9
    challenger = client_costs(y, challenger_proba, 0.5, WEIGHTS)
    champion = client_costs(y, champion_proba, 0.5, WEIGHTS)
    assert challenger.mean() < champion.mean()  # the challenger looks better on this holdout
    versus = paired_cost_difference(challenger, champion, n_resamples=2000, seed=1)
    assert versus.low < 0 < versus.high
    assert not decide_promotion(champion_evidence(versus)).promote


# --- MLflow registry on a temporary store ---------------------------------------------------------------


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A throw-away SQLite tracking store and artifact root; the project's mlflow.db is never touched."""
    while mlflow.active_run():  # a run left open by an earlier test belongs to another store
        mlflow.end_run()
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.create_experiment("test", artifact_location=(tmp_path / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield uri
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(previous)


@pytest.fixture(scope="module")
def trained() -> tuple[CreditScoringModel, pd.DataFrame]:
    table = synthetic_model_input(n_rows=600, n_numeric=4, n_categorical=1, seed=3)
    X, y = table.drop(columns=["SK_ID_CURR", "TARGET"]), table["TARGET"]
    spec = FeatureSpec.from_frame(X)
    estimator = build_estimator(CandidateSpec(family="logreg", imbalance="class_weight"), spec, 0).fit(X, y)
    model = CreditScoringModel(estimator, spec, threshold=0.4, model_name="logreg_balanced", cost_weights={})
    return model, X.head(3)


def release(trained, promote: bool, cost: float = 0.5) -> ModelRelease:
    model, example = trained
    decision = registry.PromotionDecision(promote, "test", cost)
    return ModelRelease(
        model, registry.model_signature(model), example, {"business_cost_per_client": cost}, decision
    )


def test_publish_registers_versions_and_moves_aliases(tracking_uri: str, trained) -> None:
    client = MlflowClient(tracking_uri)
    first = registry.publish(release(trained, promote=True))
    assert first["version"] == "1" and first["aliases"] == ["challenger", "champion"]
    second = registry.publish(release(trained, promote=False, cost=0.6))
    assert second["aliases"] == ["challenger"]
    assert registry.alias_version(client, NAME, "champion") == "1"
    assert registry.alias_version(client, NAME, "challenger") == "2"
    tags = client.get_model_version(NAME, "2").tags
    assert tags["business_cost_per_client"] == "0.6" and tags["threshold"] == "0.4"

    assert registry.promote(client, NAME) == "2"  # default: the challenger
    assert registry.alias_version(client, NAME, "champion") == "2"
    assert registry.rollback(client, NAME) == "1"  # default: the previous champion
    assert registry.rollback(client, NAME, version="2") == "2"
    assert registry.describe(client, NAME)["champion_history"] == ["1", "2"]
    with pytest.raises(Exception, match="99"):
        registry.promote(client, NAME, version="99")


def test_rollbacks_in_a_row_walk_back_through_the_champion_history(tracking_uri: str, trained) -> None:
    client = MlflowClient(tracking_uri)
    for _ in range(3):
        registry.publish(release(trained, promote=True))  # champions 1, 2, 3
    assert registry.describe(client, NAME)["champion_history"] == ["1", "2", "3"]
    assert registry.rollback(client, NAME) == "2"
    assert registry.rollback(client, NAME) == "1"  # two in a row: further back, not back to 3
    assert registry.alias_version(client, NAME, "champion") == "1"
    with pytest.raises(ValueError, match="no earlier champion"):
        registry.rollback(client, NAME)  # a third: nothing left
    assert registry.promote(client, NAME, version="3") == "3"
    assert registry.rollback(client, NAME) == "1"


def test_three_rollbacks_in_a_row(tracking_uri: str, trained) -> None:
    client = MlflowClient(tracking_uri)
    for _ in range(4):
        registry.publish(release(trained, promote=True))
    assert [registry.rollback(client, NAME) for _ in range(3)] == ["3", "2", "1"]


def test_registered_model_carries_its_contract_and_serves(tracking_uri: str, trained) -> None:
    model, example = trained
    registry.publish(release(trained, promote=True))
    loaded = mlflow.pyfunc.load_model(f"models:/{NAME}@champion")
    assert loaded.metadata.metadata["threshold"] == 0.4
    assert loaded.metadata.metadata["features"] == model.features
    inputs = loaded.metadata.get_input_schema().inputs
    assert [spec.name for spec in inputs] == model.features and not any(spec.required for spec in inputs)
    pd.testing.assert_frame_equal(loaded.predict(example), model.predict(None, example))
    # a production row missing a feature and carrying an unknown level is still scored
    partial = example.drop(columns=["FEATURE_000"]).assign(CATEGORY_00="NeverSeen")
    assert loaded.predict(partial)["decision"].isin(["granted", "refused"]).all()
    requirements = Path(mlflow.artifacts.download_artifacts(f"models:/{NAME}@champion")) / "requirements.txt"
    assert any(line.startswith("lightgbm==") for line in requirements.read_text().splitlines())


def test_cli_shows_promotes_and_rolls_back(tracking_uri: str, trained, capsys: pytest.CaptureFixture) -> None:
    registry.publish(release(trained, promote=True))
    registry.publish(release(trained, promote=False))
    capsys.readouterr()  # drop what publishing logged: the commands' output must be JSON alone
    assert registry.main(["promote", "--tracking-uri", tracking_uri]) == 0
    assert json.loads(capsys.readouterr().out) == {"champion": "2"}
    assert registry.main(["rollback", "--version", "1", "--tracking-uri", tracking_uri]) == 0
    assert json.loads(capsys.readouterr().out) == {"champion": "1"}
    assert registry.main(["show"]) == 0  # tracking URI from $MLFLOW_TRACKING_URI
    shown = json.loads(capsys.readouterr().out)
    assert shown["aliases"] == {"challenger": "2", "champion": "1"}
    assert shown["champion_history"] == ["1", "2", "1"]
    assert [version["version"] for version in shown["versions"]] == ["1", "2"]
    assert registry.main(["rollback", "--version", "7", "--tracking-uri", tracking_uri]) == 1
    assert "error" in capsys.readouterr().err


def test_rollback_without_history_is_refused(tracking_uri: str, trained) -> None:
    registry.publish(release(trained, promote=True))
    with pytest.raises(ValueError, match="no earlier champion"):
        registry.rollback(MlflowClient(tracking_uri), NAME)


def test_kedro_datasets_load_none_then_register(tracking_uri: str, trained) -> None:
    champion = MlflowAliasModelDataset(registered_model_name=NAME, alias="champion")
    assert champion.load() is None  # no registered model yet
    registered = MlflowRegisteredModelDataset(registered_model_name=NAME)
    with mlflow.start_run():
        registered.save(release(trained, promote=True))
    assert registered.last_publication["version"] == "1"
    loaded = champion.load()
    assert loaded.version == "1" and loaded.model.threshold == 0.4
    with mlflow.start_run():
        registered.save(release(trained, promote=False))
    assert registered.last_publication["version"] == "2"
    assert registered.load().version == "1"  # the serving version, not the newest
    with pytest.raises(DatasetError, match="read-only"):
        champion.save({"any": "thing"})
    with pytest.raises(DatasetError, match="Expected a ModelRelease"):
        registered.save({"not": "a release"})


def test_a_champion_that_cannot_be_loaded_is_returned_with_its_error(
    tracking_uri: str, trained, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.publish(release(trained, promote=True))

    def broken_load(uri: str):
        raise ModuleNotFoundError("No module named 'credit_scoring_v0'")

    monkeypatch.setattr(mlflow.pyfunc, "load_model", broken_load)
    loaded = MlflowAliasModelDataset(registered_model_name=NAME, alias="champion").load()
    assert loaded.version == "1" and loaded.model is None and "credit_scoring_v0" in loaded.load_error


def test_version_tags_record_the_training_clients_and_the_input_example_is_synthetic(
    tracking_uri: str, trained
) -> None:
    model, _ = trained
    table = synthetic_model_input(n_rows=600, n_numeric=4, n_categorical=1, seed=3)
    example = registry.synthetic_input_example(table, model.feature_spec, 5)
    assert list(example.columns) == model.features and len(example) == 5
    real = table[model.features].round(6)
    assert example.merge(real, how="inner").empty  # no real client's row
    assert example["FEATURE_000"].is_monotonic_increasing  # column-wise quantiles
    metrics = {
        "business_cost_per_client": 0.5,
        "evaluation_rule": {"id_column": "SK_ID_CURR", "salt": "s", "fraction": 0.2},
        "training_ids_sha256": "ab" * 32,
    }
    decision = registry.PromotionDecision(True, "test", 0.5)
    published = registry.publish(
        ModelRelease(model, registry.model_signature(model), example, metrics, decision)
    )
    tags = MlflowClient(tracking_uri).get_model_version(NAME, published["version"]).tags
    assert json.loads(tags["evaluation_rule"])["salt"] == "s"
    assert tags["training_ids_sha256"] == "ab" * 32 and tags["probability_scale"] == "raw"


def test_a_table_is_stored_with_the_version_and_read_back_as_its_own(tracking_uri: str, trained) -> None:
    """What explainability stores with a version lands in that version's run, where the API reads it, even
    when another (later, finished) run explained it."""
    first = registry.publish(release(trained, promote=True))["version"]
    registry.publish(release(trained, promote=False))
    table = pd.DataFrame({"feature": ["FEATURE_000"], "mean_abs_shap": [0.2], "model_version": [first]})
    stored = MlflowVersionArtifactDataset(artifact_path=IMPORTANCE_ARTIFACT, registered_model_name=NAME)
    with mlflow.start_run():  # a later explainability run
        stored.save({"version": first, "table": table})
    stored.save({"version": None, "table": table})  # an unregistered model: nothing stored
    client = MlflowClient(tracking_uri)
    described = {
        version: load_description(client, client.get_model_version(NAME, version).run_id, version)
        for version in (first, "2")
    }
    assert described[first].importance["feature"].tolist() == ["FEATURE_000"]
    assert described["2"].importance is None and "importance" in described["2"].missing
    with pytest.raises(DatasetError, match="read by the scoring API"):
        stored.load()
