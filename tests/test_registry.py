"""Registry: the promotion gate, publishing with aliases, promotion and rollback, CLI, Kedro datasets."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from kedro.io import DatasetError
from mlflow.tracking import MlflowClient

from credit_scoring import registry
from credit_scoring.datasets.mlflow_registry import MlflowAliasModelDataset, MlflowRegisteredModelDataset
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.params import CandidateSpec
from credit_scoring.registry import ModelRelease, decide_promotion
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from tests.fixtures.model_input import synthetic_model_input

NAME = "credit-scoring"


# --- the promotion gate (pure) --------------------------------------------------------------------------


def test_first_model_is_promoted() -> None:
    decision = decide_promotion(challenger_cost=0.5, champion_cost=None)
    assert decision.promote and decision.reason == "no champion yet"


@pytest.mark.parametrize(
    ("challenger", "champion", "min_improvement", "promote"),
    [
        (0.40, 0.45, 0.0, True),  # cheaper: promoted
        (0.45, 0.45, 0.0, False),  # a tie keeps the champion
        (0.50, 0.45, 0.0, False),  # dearer: kept
        (0.44, 0.45, 0.02, False),  # cheaper, but not by the required margin
        (0.42, 0.45, 0.02, True),
    ],
)
def test_gate_compares_business_cost(
    challenger: float, champion: float, min_improvement: float, promote: bool
) -> None:
    decision = decide_promotion(challenger, champion, champion_version="3", min_improvement=min_improvement)
    assert decision.promote is promote
    assert "v3" in decision.reason
    assert decision.to_dict()["champion_cost"] == champion


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
    assert registry.describe(client, NAME)["champion_history"] == ["1", "2", "1", "2"]
    with pytest.raises(Exception, match="99"):
        registry.promote(client, NAME, version="99")


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
    assert registered.load().version == "1"
    with pytest.raises(DatasetError, match="read-only"):
        champion.save({"any": "thing"})
    with pytest.raises(DatasetError, match="Expected a ModelRelease"):
        registered.save({"not": "a release"})
