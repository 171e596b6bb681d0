"""A tiny project for the API tests: the sample raw tables through the batch path (staged Parquet tables and
both model-input tables, as data_processing writes them), a small LightGBM registered as
``credit-scoring@champion`` in a throw-away SQLite MLflow registry, and the batch predictions of the modelling
pipeline's own node.

A module with a unique name (not conftest) so that benchmarks and tests can import it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import ibis
import mlflow
import pandas as pd

from credit_scoring import registry
from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.model_input import assemble_model_input, to_model_input_frame
from credit_scoring.pipelines.data_processing.nodes import build_client_history_features
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.params import CandidateSpec
from credit_scoring.pipelines.modelling.release import score_applications
from credit_scoring.raw.tables import RAW_FILES
from credit_scoring.raw.validation import stage_raw_table, validate_staged_table
from credit_scoring.serving import description
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from tests.fixtures.raw_tables import make_raw_tables
from tests.fixtures.settings import settings_of

MODEL_NAME = "credit-scoring"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
API_KEY = "test-key-0123456789"
THRESHOLD = 0.3
#: The protected attributes no model learns from (as the modelling pipeline's split drops them).
EXCLUDED_FEATURES = settings_of().excluded_features


def write_batch_outputs(raw_tables: dict[str, pd.DataFrame], root: Path) -> dict[str, pd.DataFrame]:
    """The raw CSVs in data/01_raw, the staged tables in data/02_intermediate, the history features and the
    client history store in data/04_feature, the model-input tables in data/05_model_input; returns the two
    model-input frames.

    The batch path runs once per session for the same raw CSVs (compared byte for byte): a later call with
    the same tables gets a copy of the files it wrote, and frames of its own.
    """
    raw_dir = root / "data" / "01_raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for table, file in RAW_FILES.items():
        raw_tables[table].to_csv(raw_dir / file, index=False)
        digest.update(file.encode() + b"\0" + (raw_dir / file).read_bytes() + b"\0")
    key = digest.hexdigest()
    if key not in _BATCH_OUTPUTS:
        built = Path(_built_dir().name) / key
        _BATCH_OUTPUTS[key] = (built, _run_batch_path(raw_dir, built))
    built, frames = _BATCH_OUTPUTS[key]
    shutil.copytree(built, root / "data", dirs_exist_ok=True)
    return {name: frame.copy() for name, frame in frames.items()}


#: Raw CSVs' digest -> (the folder of what the batch path wrote from them, its model-input frames).
_BATCH_OUTPUTS: dict[str, tuple[Path, dict[str, pd.DataFrame]]] = {}


@functools.cache
def _built_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="batch_outputs_")


def _run_batch_path(raw_dir: Path, data_dir: Path) -> dict[str, pd.DataFrame]:
    """data_processing's steps on the raw CSVs of ``raw_dir``, written under ``data_dir`` as its catalog
    writes them (history features persisted, then read back, as the pipeline's datasets do)."""
    staged_dir, feature_dir, input_dir = (
        data_dir / layer for layer in ("02_intermediate", "04_feature", "05_model_input")
    )
    for directory in (staged_dir, feature_dir, input_dir):
        directory.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(threads=1)
    typed = {}
    for table, file in RAW_FILES.items():
        raw = con.read_csv(str(raw_dir / file), table_name=f"raw_{table}", all_varchar=True)
        path = staged_dir / f"staged_{table.lower()}.parquet"
        con.to_parquet(stage_raw_table(raw, table), path)
        typed[table] = validate_staged_table(con.read_parquet(path), table, raw=raw).typed
    history = {}
    for feature_set in HISTORY_FEATURE_SETS:
        path = feature_dir / f"{feature_set.name}_features.parquet"
        con.to_parquet(feature_set.build(*(typed[t] for t in feature_set.tables)), path)
        history[feature_set.name] = con.read_parquet(path, table_name=f"{feature_set.name}_features")
    applications = {
        table: application_features(typed[table]) for table in ("application_train", "application_test")
    }
    frames = {
        name: to_model_input_frame(assemble_model_input(applications[table], history))
        for name, table in (
            ("model_input_table", "application_train"),
            ("scoring_input_table", "application_test"),
        )
    }
    for name, frame in frames.items():
        frame.to_parquet(input_dir / f"{name}.parquet", index=False)
    store = build_client_history_features(
        application_train_features=applications["application_train"],
        application_test_features=applications["application_test"],
        bureau_features=history["bureau"],
        previous_application_features=history["previous_application"],
        pos_cash_features=history["pos_cash"],
        installments_features=history["installments"],
        credit_card_features=history["credit_card"],
    )
    con.to_parquet(store, feature_dir / "client_history_features.parquet")
    con.disconnect()
    return frames


def train_model(model_input: pd.DataFrame) -> CreditScoringModel:
    """A small LightGBM on the features the modelling pipeline keeps (no excluded protected attribute)."""
    features = model_input.drop(columns=["SK_ID_CURR", "TARGET", *EXCLUDED_FEATURES])
    spec = FeatureSpec.from_frame(features)
    candidate = CandidateSpec(
        family="lgbm",
        imbalance="class_weight",
        params={"n_estimators": 30, "num_leaves": 4, "min_child_samples": 3, "min_data_in_bin": 1},
    )
    estimator = build_estimator(candidate, spec, random_state=0).fit(features, model_input["TARGET"])
    return CreditScoringModel(estimator, spec, threshold=THRESHOLD, model_name="lgbm_class_weight")


def _band(name: str, bounds: tuple[float, float], count: int, defaults: int, predicted: float) -> dict:
    rate = defaults / count
    return {"band": name, "lower": bounds[0], "upper": bounds[1], "count": count, "defaults": defaults,
            "default_rate": rate, "mean_predicted": predicted, "rank_order_ok": True}  # fmt: skip


def _segment(name: str, count: int, defaults: int, auc: float | None, decision: tuple[float, float]) -> dict:
    cost, granted = decision
    return {"segment": name, "count": count, "share": count / 100, "defaults": defaults,
            "default_rate": defaults / count, "mean_predicted": defaults / count, "auc": auc,
            "cost_per_client": cost, "approval_rate": granted}  # fmt: skip


METRICS = {
    "model_name": "lgbm_test",
    "threshold": 0.3,
    "holdout_auc": 0.7,
    "gini": 0.4,
    "ks": 0.31,
    "business_cost_per_client": 0.4,
    "score_bands": {  # what modelling's risk report writes (credit_scoring.records.ScoreBands)
        "band_multiples": [0.5, 1.0, 2.0],
        "deciles": [],
        "risk_bands": [
            _band("low", (0.0, 0.15), 50, 2, 0.05),
            _band("moderate", (0.15, 0.3), 25, 3, 0.2),
            _band("high", (0.3, 0.6), 15, 4, 0.4),
            _band("very_high", (0.6, 1.0), 10, 6, 0.7),
        ],
        "rank_ordering_ok": True,
        "production_risk_bands": [],
    },
    "cost_sensitivity": [
        {"cost_ratio": ratio, "threshold": limit, "cost_per_client": cost, "approval_rate": granted,
         "approve_all_cost": 0.1 * ratio, "decision_ratio": ratio == 10}
        for ratio, limit, cost, granted in ((5, 0.45, 0.3, 0.8), (10, 0.3, 0.4, 0.6), (20, 0.15, 0.55, 0.45))
    ],
    "segments": {  # credit_scoring.records.Segments
        "thin_file": {"definition": "no bureau record and no previous application",
                      "rows": [_segment("thin_file", 4, 1, 0.67, (0.75, 0.5)),
                               _segment("others", 96, 14, 0.7, (0.39, 0.6))]},
        "no_bureau_record": {"definition": "no bureau record",
                             "rows": [_segment("no_bureau_record", 14, 3, 0.66, (0.5, 0.57)),
                                      _segment("others", 86, 12, 0.71, (0.38, 0.6))]},
        "contract_type": {"definition": "NAME_CONTRACT_TYPE",
                          "rows": [_segment("Cash loans", 90, 14, 0.7, (0.41, 0.58)),
                                   _segment("Revolving loans", 10, 0, None, (0.2, 0.8))]},
    },
}  # fmt: skip
COST_CURVE = pd.DataFrame(
    {
        "threshold": [0.1, 0.3, 0.5],
        "tn": [10, 60, 80],
        "fp": [80, 30, 10],
        "fn": [1, 1, 5],
        "tp": [9, 9, 5],
        "cost": [90.0, 40.0, 60.0],
        "cost_per_client": [0.9, 0.4, 0.6],
        "sample": "holdout",
    }
)


def register(  # noqa: PLR0917
    model: CreditScoringModel,
    example: pd.DataFrame,
    tracking_uri: str,
    artifacts: Path,
    promote: bool = True,
    metrics: dict | None = None,
) -> str:
    """Register the model (as champion when ``promote``) in the registry at ``tracking_uri``, with the
    reports a modelling run logs beside it (``metrics``, default `METRICS`; the cost curve); returns the
    version."""
    previous, previous_env = mlflow.get_tracking_uri(), os.environ.get(TRACKING_URI_ENV)
    mlflow.set_tracking_uri(tracking_uri)
    try:
        existing = mlflow.get_experiment_by_name("api-tests")
        experiment = (
            existing.experiment_id
            if existing
            else mlflow.create_experiment("api-tests", artifact_location=artifacts.as_uri())
        )
        mlflow.set_experiment(experiment_id=experiment)
        decision = registry.PromotionDecision(promote, "tests", 0.5)
        release = registry.ModelRelease(model, registry.model_signature(model), example, {}, decision)
        with mlflow.start_run(run_name="register-model"):
            mlflow.log_dict(metrics or METRICS, description.METRICS_ARTIFACT)
            mlflow.log_text(COST_CURVE.to_csv(index=False), description.COST_CURVE_ARTIFACT)
            return registry.publish(release, name=MODEL_NAME, client=registry.client_for(tracking_uri))[
                "version"
            ]
    finally:
        mlflow.set_tracking_uri(previous)
        # mlflow.set_tracking_uri also sets $MLFLOW_TRACKING_URI: put it back as it was, so that nothing
        # later in the session (the API's settings read it) follows this registry or the default one
        if previous_env is None:
            os.environ.pop(TRACKING_URI_ENV, None)
        else:
            os.environ[TRACKING_URI_ENV] = previous_env


def build_project(root: Path) -> dict[str, object]:
    """The whole tiny project under ``root``; returns what the tests need to know about it."""
    raw_tables = make_raw_tables()
    frames = write_batch_outputs(raw_tables, root)
    model = train_model(frames["model_input_table"])
    tracking_uri = f"sqlite:///{root / 'mlflow.db'}"
    example = frames["scoring_input_table"].drop(columns=["SK_ID_CURR"]).head(2)
    version = register(model, example, tracking_uri, root / "mlartifacts")
    outputs = root / "data" / "07_model_output"
    outputs.mkdir(parents=True, exist_ok=True)
    served = registry.RegisteredModel(version=version, run_id=None, model=model)
    predictions = score_applications(
        served_model=served, scoring_input_table=frames["scoring_input_table"], settings=settings_of()
    )
    predictions.to_parquet(outputs / "scoring_predictions.parquet", index=False)
    (root / "data" / "08_reporting").mkdir(parents=True, exist_ok=True)
    return {
        "root": root,
        "tracking_uri": tracking_uri,
        "version": version,
        "raw_tables": raw_tables,
        "model": model,
        "predictions": predictions,
        **frames,
    }


def api_config(project: dict[str, object], log_path: Path, **overrides: object) -> dict[str, object]:
    """create_app's config for the tiny project, a private decision log and the test key."""
    config: dict[str, object] = {
        "root": str(project["root"]),
        "model": {"tracking_uri": project["tracking_uri"]},
        "auth": {"api_keys": [API_KEY]},
        "decision_log": {"url": f"sqlite:///{log_path}"},
    }
    config.update(overrides)
    return config
