"""Which model the explainability and drift outputs describe: the champion (the model that serves, after this
run's promotion gate) by default, or this run's selected model (``described_model: run`` in parameters.yml).

One node, shared by both pipelines (Kedro merges the identical node when they run together). Its second output
says which model and which registered version, and is stamped on what the pipelines write, so that the API can
tell a version's own SHAP importance from another's.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from kedro.pipeline import Node

from credit_scoring.registry import RegisteredModel
from credit_scoring.serving.model import CreditScoringModel

logger = logging.getLogger(__name__)
Choice = Literal["champion", "run"]


def select_described_model(
    champion: RegisteredModel | None, run_model: CreditScoringModel, choice: Choice
) -> tuple[CreditScoringModel, dict[str, Any]]:
    """The model to describe and ``{"source", "version", "model_name", "note"}``."""
    if choice not in ("champion", "run"):
        raise ValueError(f"described_model must be 'champion' or 'run', got {choice!r} (parameters.yml)")
    if choice == "champion" and champion is not None and champion.model is not None:
        model, source, version, note = (
            champion.model,
            "champion",
            str(champion.version),
            "the model that serves",
        )
    else:
        if choice == "run":
            note = "this run's selected model (described_model: run)"
        elif champion is None:
            note = "no champion in the registry: this run's selected model"
        else:
            note = f"the champion (version {champion.version}) cannot be loaded: this run's selected model"
        model, source, version = run_model, "run", None
    if note != "the model that serves":
        logger.warning("Explainability and drift describe %s", note)
    return model, {"source": source, "version": version, "model_name": model.model_name, "note": note}


def described_model_node() -> Node:
    return Node(
        select_described_model,
        inputs=["registered_model", "model_bundle", "params:described_model"],
        outputs=["described_model", "described_model_version"],
        name="select_described_model_node",
    )
