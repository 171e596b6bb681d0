"""The MLflow model registry of ``credit-scoring``: publish, promotion gate, promote, rollback.

Every registered version gets the alias ``challenger``. The alias ``champion`` (what the API serves) moves
to it when there is no champion yet or when the new version has a lower business cost than the champion on
the same holdout. Promotion and rollback are alias moves, recorded in the registered model's
``champion_history`` tag.

Command line (run from the project root; the tracking URI defaults to $MLFLOW_TRACKING_URI, else
``sqlite:///mlflow.db``)::

    python -m credit_scoring.registry show
    python -m credit_scoring.registry promote               # champion := the current challenger
    python -m credit_scoring.registry promote --version 3   # champion := version 3
    python -m credit_scoring.registry rollback              # champion := the previous champion
    python -m credit_scoring.registry rollback --version 2  # champion := version 2
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.protos.databricks_pb2 import RESOURCE_DOES_NOT_EXIST, ErrorCode
from mlflow.tracking import MlflowClient
from mlflow.types.schema import ColSpec, Schema

from credit_scoring.serving.model import CreditScoringModel

logger = logging.getLogger(__name__)

REGISTERED_MODEL_NAME = "credit-scoring"
CHALLENGER, CHAMPION = "challenger", "champion"
HISTORY_TAG = "champion_history"
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
#: Packages the served model imports; their installed versions are pinned in the model's requirements.
RUNTIME_PACKAGES = (
    "mlflow",
    "scikit-learn",
    "imbalanced-learn",
    "lightgbm",
    "pandas",
    "numpy",
    "scipy",
    "cloudpickle",
)


@dataclass(frozen=True)
class PromotionDecision:
    """Whether the newly registered version becomes champion, and why."""

    promote: bool
    reason: str
    challenger_cost: float
    champion_cost: float | None = None
    champion_version: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide_promotion(
    challenger_cost: float,
    champion_cost: float | None,
    champion_version: str | None = None,
    min_improvement: float = 0.0,
) -> PromotionDecision:
    """The promotion gate: promote when there is no champion, or when the challenger's business cost per
    client on the same holdout is lower than the champion's by more than ``min_improvement``. Ties keep the
    champion."""
    if champion_cost is None:
        return PromotionDecision(True, "no champion yet", challenger_cost)
    saving = champion_cost - challenger_cost
    if saving > min_improvement:
        reason = f"challenger saves {saving:.5f} per client on the holdout (champion v{champion_version})"
        return PromotionDecision(True, reason, challenger_cost, champion_cost, champion_version)
    reason = (
        f"champion v{champion_version} kept: challenger cost {challenger_cost:.5f} vs champion "
        f"{champion_cost:.5f} per client (needs a saving above {min_improvement})"
    )
    return PromotionDecision(False, reason, challenger_cost, champion_cost, champion_version)


@dataclass
class ModelRelease:
    """What the pipeline hands to the registry: the model, its contract, its metrics, the gate's decision."""

    model: CreditScoringModel
    signature: ModelSignature
    input_example: pd.DataFrame
    metrics: dict[str, Any]
    decision: PromotionDecision


@dataclass
class RegisteredModel:
    """A version loaded from the registry."""

    version: str
    run_id: str | None
    model: CreditScoringModel
    tags: dict[str, str] = field(default_factory=dict)


def model_signature(model: CreditScoringModel) -> ModelSignature:
    """Inputs: every feature, optional (missing ones are treated as missing values); outputs: the decision."""
    categorical = set(model.feature_spec.categorical)
    inputs = Schema(
        [
            ColSpec("string" if name in categorical else "double", name, required=False)
            for name in model.features
        ]
    )
    outputs = Schema(
        [ColSpec("double", "probability"), ColSpec("long", "prediction"), ColSpec("string", "decision")]
    )
    return ModelSignature(inputs=inputs, outputs=outputs)


def pip_requirements() -> list[str]:
    """Pinned requirements of the served model, from the installed versions."""
    return [f"{name}=={importlib_metadata.version(name)}" for name in RUNTIME_PACKAGES]


def package_code_path() -> str:
    """The ``credit_scoring`` package directory, logged with the model so it loads without the project."""
    return str(Path(__file__).resolve().parent)


def client_for(tracking_uri: str | None = None) -> MlflowClient:
    return MlflowClient(tracking_uri=tracking_uri or mlflow.get_tracking_uri())


def publish(
    release: ModelRelease,
    name: str = REGISTERED_MODEL_NAME,
    artifact_path: str = "model",
    client: MlflowClient | None = None,
) -> dict[str, Any]:
    """Log the model in the active run (or a new one), register a version, alias it ``challenger`` and, if the
    gate said so, ``champion``. Returns the version, run id and aliases set."""
    client = client or client_for()
    own_run = mlflow.active_run() is None
    run = mlflow.start_run(run_name="register-model") if own_run else mlflow.active_run()
    try:
        info = mlflow.pyfunc.log_model(
            name=artifact_path,
            python_model=release.model,
            signature=release.signature,
            input_example=release.input_example,
            pip_requirements=pip_requirements(),
            code_paths=[package_code_path()],
            metadata={
                "threshold": release.model.threshold,
                "features": release.model.features,
                "categorical_features": list(release.model.feature_spec.categorical),
                "model_name": release.model.model_name,
                "cost_weights": release.model.cost_weights,
            },
            registered_model_name=name,
        )
    finally:
        if own_run:
            mlflow.end_run()
    version = str(info.registered_model_version)
    tags = {
        "model_name": release.model.model_name,
        "threshold": release.model.threshold,
        "promotion_reason": release.decision.reason,
        **{
            key: release.metrics[key]
            for key in ("business_cost_per_client", "holdout_auc", "holdout_fingerprint")
            if key in release.metrics
        },
    }
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, str(value))
    client.set_registered_model_alias(name, CHALLENGER, version)
    aliases = [CHALLENGER]
    if release.decision.promote:
        set_champion(client, name, version)
        aliases.append(CHAMPION)
    logger.info(
        "Registered %s version %s with aliases %s: %s", name, version, aliases, release.decision.reason
    )
    return {"name": name, "version": version, "run_id": run.info.run_id, "aliases": aliases}


def _history(client: MlflowClient, name: str) -> list[str]:
    raw = client.get_registered_model(name).tags.get(HISTORY_TAG)
    return [str(version) for version in json.loads(raw)] if raw else []


def set_champion(client: MlflowClient, name: str, version: str) -> str:
    """Point ``champion`` at an existing version and append it to the champion history."""
    version = str(version)
    client.get_model_version(name, version)  # raises a clear MlflowException when the version does not exist
    client.set_registered_model_alias(name, CHAMPION, version)
    history = [*_history(client, name), version]
    client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history))
    return version


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points to, or None when the model or the alias does not exist."""
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as error:
        if error.error_code in {ErrorCode.Name(RESOURCE_DOES_NOT_EXIST), "INVALID_PARAMETER_VALUE"}:
            return None
        raise


def promote(client: MlflowClient, name: str = REGISTERED_MODEL_NAME, version: str | None = None) -> str:
    """Make ``version`` (default: the current challenger) the champion."""
    target = version or alias_version(client, name, CHALLENGER)
    if target is None:
        raise ValueError(f"{name} has no '{CHALLENGER}' version to promote; give --version")
    return set_champion(client, name, target)


def rollback(client: MlflowClient, name: str = REGISTERED_MODEL_NAME, version: str | None = None) -> str:
    """Make ``version`` (default: the champion before the current one) the champion again."""
    if version is None:
        current = alias_version(client, name, CHAMPION)
        earlier = [v for v in _history(client, name) if v != current]
        if not earlier:
            raise ValueError(f"{name} has no earlier champion to roll back to; give --version")
        version = earlier[-1]
    return set_champion(client, name, version)


def describe(client: MlflowClient, name: str = REGISTERED_MODEL_NAME) -> dict[str, Any]:
    """Aliases, champion history and every version with its tags."""
    model = client.get_registered_model(name)
    versions = client.search_model_versions(f"name='{name}'")
    return {
        "name": name,
        "aliases": {alias: str(version) for alias, version in sorted(model.aliases.items())},
        "champion_history": _history(client, name),
        "versions": [
            {"version": str(v.version), "run_id": v.run_id, "tags": dict(sorted(v.tags.items()))}
            for v in sorted(versions, key=lambda v: int(v.version))
        ],
    }


def load_alias(name: str, alias: str, client: MlflowClient | None = None) -> RegisteredModel | None:
    """The model behind an alias, or None when the registered model or the alias does not exist."""
    client = client or client_for()
    version = alias_version(client, name, alias)
    if version is None:
        return None
    details = client.get_model_version(name, version)
    loaded = mlflow.pyfunc.load_model(f"models:/{name}/{version}")
    return RegisteredModel(
        version=version, run_id=details.run_id, model=loaded.unwrap_python_model(), tags=dict(details.tags)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m credit_scoring.registry", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=("show", "promote", "rollback"))
    parser.add_argument("--version", help="model version (promote: default challenger; rollback: previous)")
    parser.add_argument("--name", default=REGISTERED_MODEL_NAME, help="registered model name")
    parser.add_argument(
        "--tracking-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_TRACKING_URI),
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlflow.db)",
    )
    args = parser.parse_args(argv)
    client = client_for(args.tracking_uri)
    try:
        if args.command == "promote":
            print(json.dumps({"champion": promote(client, args.name, args.version)}))
        elif args.command == "rollback":
            print(json.dumps({"champion": rollback(client, args.name, args.version)}))
        else:
            print(json.dumps(describe(client, args.name), indent=2))
    except (ValueError, MlflowException) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
