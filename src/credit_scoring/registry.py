"""The MLflow model registry of ``credit-scoring``: publish, promotion gate, promote, rollback.

Every registered version gets the alias ``challenger``. The alias ``champion`` (what the API serves) moves
to it only when the promotion gate (:func:`decide_promotion`) says so. Promotion and rollback are alias moves,
recorded in the registered model's ``champion_history`` tag, a stack that rollback walks back.

Command line (run from the project root; the tracking URI defaults to $MLFLOW_TRACKING_URI, else
``sqlite:///mlflow.db``)::

    python -m credit_scoring.registry show
    python -m credit_scoring.registry promote               # champion := the current challenger
    python -m credit_scoring.registry promote --version 3   # champion := version 3
    python -m credit_scoring.registry rollback              # champion := the previous one (walks back)
    python -m credit_scoring.registry rollback --version 2  # champion := version 2
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pyarrow as pa
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types.schema import ColSpec, Schema

from credit_scoring.cost import CostDifference
from credit_scoring.serving.loading import ModelNotAvailableError, alias_version, load_scoring_model
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec
from credit_scoring.serving.serving_data import publish_serving_data

logger = logging.getLogger(__name__)

REGISTERED_MODEL_NAME = "credit-scoring"
CHALLENGER, CHAMPION = "challenger", "champion"
HISTORY_TAG = "champion_history"
#: Metrics copied into the version's tags; ``evaluation_rule`` and ``training_ids_sha256`` say which clients
#: the version was trained on, so a later gate can compare it only on clients it never saw.
VERSION_TAG_METRICS = (
    "business_cost_per_client",
    "holdout_auc",
    "cv_auc",
    "n_train",
    "evaluation_rule",
    "training_ids_sha256",
    "holdout_fingerprint",
)
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
#: Packages a served model needs besides those, by the module of one of its fitted pipeline's steps.
STEP_PACKAGES = {"credit_scoring.serving.scorecard": "optbinning"}  # a scorecard's bins


#: What the gate found about the current champion.
CHAMPION_NONE, CHAMPION_OK = "none", "ok"
CHAMPION_UNLOADABLE, CHAMPION_FAILS_SCORING = "unloadable", "fails_scoring"
CHAMPION_STATUSES = (CHAMPION_NONE, CHAMPION_OK, CHAMPION_UNLOADABLE, CHAMPION_FAILS_SCORING)


@dataclass(frozen=True)
class GateEvidence:
    """Everything the promotion gate weighs, measured on clients none of the compared models was trained on.

    ``floor`` is the paired difference challenger minus approve-all; ``versus_champion`` the paired difference
    challenger minus champion on the rows neither saw (None when there is no usable champion or too few such
    rows).
    """

    challenger_cost: float
    challenger_auc: float
    approve_all_cost: float
    floor: CostDifference
    min_auc: float
    champion_status: str = CHAMPION_NONE
    champion_version: str | None = None
    champion_error: str | None = None
    champion_cost: float | None = None
    versus_champion: CostDifference | None = None
    evaluation_note: str = ""

    def __post_init__(self) -> None:
        if self.champion_status not in CHAMPION_STATUSES:
            raise ValueError(
                f"champion_status must be one of {CHAMPION_STATUSES}, got {self.champion_status!r}"
            )


@dataclass(frozen=True)
class PromotionDecision:
    """Whether the newly registered version becomes champion, and why (saved as promotion_decision.json)."""

    promote: bool
    reason: str
    challenger_cost: float
    champion_cost: float | None = None
    champion_version: str | None = None
    champion_status: str = CHAMPION_NONE
    champion_error: str | None = None
    passes_floor: bool = True
    note: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _interval(difference: CostDifference) -> str:
    bounds = f"[{difference.low:+.4f}, {difference.high:+.4f}]"
    return f"{difference.mean:+.4f} {bounds} on {difference.n_clients} clients"


def decide_promotion(evidence: GateEvidence, force: bool = False) -> PromotionDecision:
    """The promotion gate. It fails closed:

    1. the challenger must pass an absolute floor: AUC >= ``min_auc`` and a cost below approving everybody,
       with the whole paired interval below zero; otherwise it is never promoted (a dummy, a broken fit);
    2. with no champion, or a champion that cannot be loaded or raises while scoring, a challenger that passes
       the floor replaces it (the broken champion is reported);
    3. otherwise the challenger must be cheaper than the champion on the same clients, the whole paired
       interval of the cost difference below zero; ``force`` promotes a challenger that passes the floor
       without that comparison.
    """
    floor_ok = evidence.challenger_auc >= evidence.min_auc and evidence.floor.a_is_cheaper
    common = {
        "challenger_cost": evidence.challenger_cost,
        "champion_cost": evidence.champion_cost,
        "champion_version": evidence.champion_version,
        "champion_status": evidence.champion_status,
        "champion_error": evidence.champion_error,
        "passes_floor": floor_ok,
        "note": evidence.evaluation_note,
        "evidence": asdict(evidence),
    }
    promote, reason = _verdict(evidence, floor_ok, force)
    return PromotionDecision(promote, reason, **common)


def _verdict(evidence: GateEvidence, floor_ok: bool, force: bool) -> tuple[bool, str]:  # noqa: PLR0911
    champion = f"champion v{evidence.champion_version}"
    broken = evidence.champion_status in (CHAMPION_UNLOADABLE, CHAMPION_FAILS_SCORING)
    state = evidence.champion_status.replace("_", " ")
    if not floor_ok:
        reason = (
            f"challenger fails the floor (AUC {evidence.challenger_auc:.4f}, minimum {evidence.min_auc}; "
            f"cost minus approve-all {_interval(evidence.floor)}): not promoted"
        )
        return False, reason + (f"; {champion} is {state} and needs attention" if broken else "")
    if evidence.champion_status == CHAMPION_NONE:
        return True, "no champion yet; the challenger passes the floor"
    if broken:
        return (
            True,
            f"{champion} is {state} ({evidence.champion_error}); replaced by a challenger passing the floor",
        )
    if force:
        return True, f"forced: promoted over {champion} without comparison"
    versus = evidence.versus_champion
    if versus is None:
        return False, f"{champion} kept: too few clients that neither model was trained on to compare them"
    if versus.a_is_cheaper:
        return True, f"challenger saves money against {champion}: cost difference {_interval(versus)}"
    return False, (
        f"{champion} kept: challenger minus champion cost {_interval(versus)} "
        f"(promotion needs the whole {versus.confidence:.0%} interval below zero)"
    )


@dataclass
class ModelRelease:
    """What the pipeline hands to the registry: the model, its contract, its metrics, the gate's decision."""

    model: CreditScoringModel
    signature: ModelSignature
    input_example: pd.DataFrame
    metrics: dict[str, Any]
    decision: PromotionDecision
    serving_data: Mapping[str, pa.Table] | None = None
    """The tables the version serves with (`credit_scoring.serving.serving_data`), or None: the hosts then
    read the project's data folder."""


@dataclass
class RegisteredModel:
    """A version loaded from the registry."""

    version: str
    run_id: str | None
    model: CreditScoringModel | None
    tags: dict[str, str] = field(default_factory=dict)
    load_error: str | None = None  # why ``model`` is None: the version exists but cannot be loaded


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


#: A level is shown in the synthetic input example only if at least this many training clients share it.
MIN_LEVEL_COUNT = 20


def synthetic_input_example(table: pd.DataFrame, spec: FeatureSpec, n_rows: int) -> pd.DataFrame:
    """An input example built from the schema and column-wise statistics, holding no real client's row.

    Row k takes, in every numeric column independently, the quantile (k + 1) / (n_rows + 1) of that column
    (so no row is any client's combination of values), and in every categorical column one of the common
    levels (shared by at least MIN_LEVEL_COUNT clients), most frequent first.
    """
    rows: dict[str, list[Any]] = {}
    quantiles = [(k + 1) / (n_rows + 1) for k in range(n_rows)]
    for name in spec.features:
        column = table[name] if name in table.columns else pd.Series(dtype=object)
        if name in spec.categorical:
            counts = column.dropna().astype(str).value_counts()
            levels = counts[counts >= MIN_LEVEL_COUNT].index.tolist() or [None]
            rows[name] = [levels[k % len(levels)] for k in range(n_rows)]
        else:
            values = pd.to_numeric(column, errors="coerce").dropna().astype(np.float64)
            rows[name] = values.quantile(quantiles).round(6).tolist() if len(values) else [np.nan] * n_rows
    return pd.DataFrame(rows, columns=list(spec.features))


def pip_requirements(model: Any = None) -> list[str]:
    """Pinned requirements of the served model, from the installed versions (with ``model``: also those of
    its pipeline's steps, e.g. optbinning for a scorecard)."""
    steps = getattr(getattr(model, "estimator", None), "steps", [])
    extra = sorted(
        {STEP_PACKAGES[type(step).__module__] for _, step in steps if type(step).__module__ in STEP_PACKAGES}
    )
    return [f"{name}=={importlib_metadata.version(name)}" for name in (*RUNTIME_PACKAGES, *extra)]


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
        if release.serving_data is not None:  # before registration: no alias can name a version without them
            publish_serving_data(client, run.info.run_id, release.serving_data)
        info = mlflow.pyfunc.log_model(
            name=artifact_path,
            python_model=release.model,
            signature=release.signature,
            input_example=release.input_example,
            pip_requirements=pip_requirements(release.model),
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
        "promotion_reason": release.decision.reason[:4000],
        "probability_scale": release.model.probability_scale,
        **{key: release.metrics[key] for key in VERSION_TAG_METRICS if key in release.metrics},
    }
    for key, value in tags.items():
        client.set_model_version_tag(
            name, version, key, value if isinstance(value, str) else json.dumps(value)
        )
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


def _set_history(client: MlflowClient, name: str, history: list[str]) -> None:
    client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history))


def set_champion(client: MlflowClient, name: str, version: str) -> str:
    """Point ``champion`` at an existing version and push it on the champion history (a stack)."""
    version = str(version)
    client.get_model_version(name, version)  # raises a clear MlflowException when the version does not exist
    client.set_registered_model_alias(name, CHAMPION, version)
    history = _history(client, name)
    if not history or history[-1] != version:
        _set_history(client, name, [*history, version])
    return version


def promote(client: MlflowClient, name: str = REGISTERED_MODEL_NAME, version: str | None = None) -> str:
    """Make ``version`` (default: the current challenger) the champion."""
    target = version or alias_version(client, name, CHALLENGER)
    if target is None:
        raise ValueError(f"{name} has no '{CHALLENGER}' version to promote; give --version")
    return set_champion(client, name, target)


def rollback(client: MlflowClient, name: str = REGISTERED_MODEL_NAME, version: str | None = None) -> str:
    """Make the previous champion the champion again, walking back through the history.

    The history is a stack: after champions 1, 2, 3 a rollback gives 2, a second one 1, a third one fails.
    ``version`` rolls back to an explicit version instead (pushed like a promotion).
    """
    if version is not None:
        return set_champion(client, name, version)
    history = _history(client, name)
    current = alias_version(client, name, CHAMPION)
    if history and history[-1] == current:
        history = history[:-1]
    if not history:
        raise ValueError(f"{name} has no earlier champion to roll back to; give --version")
    target = history[-1]
    client.get_model_version(name, target)
    client.set_registered_model_alias(name, CHAMPION, target)
    _set_history(client, name, history)
    return target


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
    try:
        model = load_scoring_model(client, name, version)
    except ModelNotAvailableError as error:  # a renamed class or a library upgrade must not stop a run
        logger.warning("%s version %s (%s) cannot be loaded: %s", name, version, alias, error)
        return RegisteredModel(version, details.run_id, None, dict(details.tags), str(error))
    return RegisteredModel(version=version, run_id=details.run_id, model=model, tags=dict(details.tags))


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
