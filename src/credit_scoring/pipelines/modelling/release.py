"""Nodes of the release: the model bundle, the champion's evaluation on this run's holdout, the promotion
gate's decision, the registry's package, and the batch scores of the model that serves after the gate."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from credit_scoring.cost import client_costs, paired_cost_difference, validate_probabilities
from credit_scoring.pipelines.modelling.assessment import holdout_fingerprint
from credit_scoring.pipelines.modelling.evaluation import CandidateResult, EvaluationRule, features_and_target
from credit_scoring.pipelines.modelling.params import ModellingSettings, SplitParams, parse
from credit_scoring.pipelines.modelling.preparation import evaluation_rule
from credit_scoring.registry import (
    CHAMPION_FAILS_SCORING,
    CHAMPION_NONE,
    CHAMPION_OK,
    CHAMPION_UNLOADABLE,
    GateEvidence,
    ModelRelease,
    PromotionDecision,
    RegisteredModel,
    model_signature,
    synthetic_input_example,
)
from credit_scoring.registry import decide_promotion as promotion_gate
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec

logger = logging.getLogger(__name__)


def build_model_bundle(
    *,
    candidate_results: dict[str, CandidateResult],
    model_metrics: dict[str, Any],
    training_table: pd.DataFrame,
    settings: ModellingSettings,
) -> CreditScoringModel:
    """The selected fitted pipeline with its calibrator, feature list and threshold (calibrated scale)."""
    X, _ = features_and_target(training_table, settings.split.id_column, settings.split.target)
    name = model_metrics["model_name"]
    result = candidate_results[name]
    return CreditScoringModel(
        estimator=result.estimator,
        feature_spec=FeatureSpec.from_frame(X),
        threshold=model_metrics["threshold"],
        model_name=name,
        cost_weights=settings.cost.model_dump(),
        calibrator=result.calibrator,
    )


def champion_evaluation(
    *, champion_model: RegisteredModel | None, holdout_table: pd.DataFrame, settings: ModellingSettings
) -> dict[str, Any]:
    """The node form of `evaluate_champion`."""
    return evaluate_champion(champion_model, holdout_table, settings.split)


def evaluate_champion(
    champion_model: RegisteredModel | None, holdout_table: pd.DataFrame, split: SplitParams | dict[str, Any]
) -> dict[str, Any]:
    """The current champion's state, its probabilities on this run's holdout, and which holdout clients it
    was not trained on (from the evaluation rule recorded in its tags). Never raises: a champion that cannot
    be loaded or cannot score is reported, and the gate decides what happens to it."""
    settings = parse(SplitParams, split, "modelling.split")
    evaluation: dict[str, Any] = {
        "status": CHAMPION_NONE,
        "version": None,
        "error": None,
        "note": "",
        "proba": None,
        "unseen": None,
    }
    if champion_model is None:
        return evaluation
    evaluation["version"] = champion_model.version
    if champion_model.model is None:
        evaluation.update(status=CHAMPION_UNLOADABLE, error=champion_model.load_error)
        logger.warning("Champion v%s cannot be loaded: %s", champion_model.version, champion_model.load_error)
        return evaluation
    X, _ = features_and_target(holdout_table, settings.id_column, settings.target)
    try:
        proba = np.asarray(champion_model.model.predict_proba(X), dtype=np.float64)
        validate_probabilities(proba, len(X))
    except Exception as error:  # any failure of the champion is reported, never fatal to the run
        message = f"{type(error).__name__}: {error}"
        logger.warning("Champion v%s cannot score the holdout: %s", champion_model.version, message)
        evaluation.update(status=CHAMPION_FAILS_SCORING, error=message)
        return evaluation
    unseen, note = _rows_unseen_by(champion_model, holdout_table, settings)
    evaluation.update(
        status=CHAMPION_OK, proba=proba, unseen=unseen, note=note, threshold=champion_model.model.threshold
    )
    if note:
        logger.warning("Champion v%s: %s", champion_model.version, note)
    return evaluation


def _rows_unseen_by(
    champion: RegisteredModel, holdout_table: pd.DataFrame, settings: SplitParams
) -> tuple[np.ndarray, str]:
    """Which holdout rows the champion was not trained on, and a note when the evaluation set changed."""
    current = evaluation_rule(settings)
    ids = holdout_table[settings.id_column].to_numpy()
    try:
        rule = EvaluationRule.from_dict(json.loads(champion.tags["evaluation_rule"]))
    except (KeyError, TypeError, ValueError):
        note = (
            "the champion's training clients are not recorded (no readable evaluation_rule tag): it may have "
            "been trained on some of these holdout clients, so its cost here may be optimistic"
        )
        return np.ones(len(ids), dtype=bool), note
    if rule != current:
        unseen = rule.held_out(ids)
        note = (
            f"the evaluation rows changed (champion rule {rule.to_dict()}, now {current.to_dict()}): both "
            f"models are compared on the {int(unseen.sum())} of {len(ids)} holdout clients neither was "
            "trained on"
        )
        return unseen, note
    fingerprint = holdout_fingerprint(holdout_table, settings.id_column, settings.target)
    if champion.tags.get("holdout_fingerprint", fingerprint) != fingerprint:
        note = (
            "the evaluation rows changed since the champion was trained (clients added or removed); by the "
            "same hash rule none of the current holdout clients was in its training set"
        )
        return np.ones(len(ids), dtype=bool), note
    return np.ones(len(ids), dtype=bool), ""


def decide_promotion(
    *,
    model_bundle: CreditScoringModel,
    model_metrics: dict[str, Any],
    champion_evaluation: dict[str, Any],
    holdout_table: pd.DataFrame,
    settings: ModellingSettings,
) -> dict[str, Any]:
    """The promotion gate's decision for the newly trained model, as a JSON-ready dictionary.

    Paired bootstrap intervals of per-client cost differences, on the same clients: challenger against
    approving everybody (the floor), and challenger against the champion on the clients neither saw.
    """
    split, weights, gate = settings.split, settings.weights, settings.registry
    random_state = settings.random_state
    X, y = features_and_target(holdout_table, split.id_column, split.target)
    challenger = client_costs(y, model_bundle.predict_proba(X), model_bundle.threshold, weights)
    approve_all = weights.false_negative * y.astype(np.float64)

    def paired(a: np.ndarray, b: np.ndarray):
        return paired_cost_difference(
            a, b, n_resamples=gate.n_resamples, confidence=gate.confidence, seed=random_state
        )

    versus, champion_cost, n_compared = None, None, 0
    if champion_evaluation["status"] == CHAMPION_OK:
        unseen = champion_evaluation["unseen"]
        champion_proba = champion_evaluation["proba"]
        champion_threshold = float(champion_evaluation["threshold"])
        champion = client_costs(y[unseen], champion_proba[unseen], champion_threshold, weights)
        n_compared = int(unseen.sum())
        if n_compared >= gate.min_evaluation_rows and np.unique(y[unseen]).size == 2:
            versus = paired(challenger[unseen], champion)
            champion_cost = float(champion.mean())
    evidence = GateEvidence(
        challenger_cost=float(challenger.mean()),
        challenger_auc=float(model_metrics["holdout_auc"]),
        approve_all_cost=float(approve_all.mean()),
        floor=paired(challenger, approve_all),
        min_auc=gate.min_auc,
        champion_status=champion_evaluation["status"],
        champion_version=champion_evaluation["version"],
        champion_error=champion_evaluation["error"],
        champion_cost=champion_cost,
        versus_champion=versus,
        evaluation_note=champion_evaluation["note"],
    )
    decision = promotion_gate(evidence, force=gate.force).to_dict()
    decision["evaluation"] = {
        "rule": model_metrics["evaluation_rule"],
        "n_holdout": len(y),
        "n_compared_with_champion": n_compared,
        "holdout_fingerprint": model_metrics["holdout_fingerprint"],
    }
    logger.info(
        "Promotion gate: %s (%s)", "promote" if decision["promote"] else "no promotion", decision["reason"]
    )
    return decision


def package_model_release(
    *,
    model_bundle: CreditScoringModel,
    model_metrics: dict[str, Any],
    promotion_decision: dict[str, Any],
    training_table: pd.DataFrame,
    serving_data: dict[str, pa.Table],
    settings: ModellingSettings,
) -> ModelRelease:
    """What the registry needs: model, signature, a synthetic input example, metrics, the decision, and the
    tables the version serves with (published before any alias can name it)."""
    decision = {key: value for key, value in promotion_decision.items() if key != "evaluation"}
    return ModelRelease(
        model=model_bundle,
        signature=model_signature(model_bundle),
        input_example=synthetic_input_example(
            training_table, model_bundle.feature_spec, settings.registry.input_example_rows
        ),
        metrics=model_metrics,
        decision=PromotionDecision(**decision),
        serving_data=serving_data,
    )


#: Columns of ``scoring_predictions`` besides the id.
PREDICTION_COLUMNS = ("probability", "prediction", "decision", "threshold", "model_name", "model_version")


def score_applications(
    *, served_model: RegisteredModel | None, scoring_input_table: pd.DataFrame, settings: ModellingSettings
) -> pd.DataFrame:
    """Batch predictions for the production clients by the model that serves after the gate (the champion),
    naming its version. With no usable champion the table is empty (and a warning says why): scores from a
    model nothing serves must not be published."""
    id_column = settings.split.id_column
    if id_column not in scoring_input_table.columns:
        raise ValueError(f"scoring_input_table lacks the id column {id_column!r}")
    empty = pd.DataFrame(columns=[id_column, *PREDICTION_COLUMNS])
    if served_model is None or served_model.model is None:
        why = "no champion" if served_model is None else f"champion v{served_model.version} cannot be loaded"
        logger.warning("No batch scores published: %s", why)
        return empty
    model = served_model.model
    try:
        predictions = model.predict(None, scoring_input_table)
    except Exception as error:  # a broken champion is reported, not fatal to the modelling run
        logger.warning("No batch scores published: champion v%s fails: %s", served_model.version, error)
        return empty
    predictions.insert(0, id_column, scoring_input_table[id_column].to_numpy())
    predictions["threshold"] = model.threshold
    predictions["model_name"] = model.model_name
    predictions["model_version"] = str(served_model.version)
    return predictions.reset_index(drop=True)
