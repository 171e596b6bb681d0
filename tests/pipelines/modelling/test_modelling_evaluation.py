"""Holdout and folds, input validation, guards (leakage, AUC, calibration) and the Optuna search."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from credit_scoring.cost import CostWeights
from credit_scoring.pipelines.modelling import nodes
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    assign_folds,
    features_and_target,
    fold_indices,
)
from credit_scoring.pipelines.modelling.guards import calibration_study, warn_on_high_auc
from credit_scoring.pipelines.modelling.params import TuningSpec, parse
from credit_scoring.pipelines.modelling.tuning import tune
from credit_scoring.serving.model import FeatureSpec

WEIGHTS = CostWeights()


def test_holdout_is_stratified_disjoint_and_reproducible(model_input_table, modelling_params) -> None:
    train, holdout = nodes.split_model_input(model_input_table, modelling_params["split"], 42)
    again, _ = nodes.split_model_input(model_input_table, modelling_params["split"], 42)
    assert len(train) + len(holdout) == len(model_input_table)
    assert not set(train["SK_ID_CURR"]) & set(holdout["SK_ID_CURR"])
    assert abs(train["TARGET"].mean() - holdout["TARGET"].mean()) < 0.01
    assert len(holdout) == pytest.approx(0.2 * len(model_input_table), abs=1)
    pd.testing.assert_frame_equal(train, again)
    assert list(train.columns) == list(model_input_table.columns)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.drop(columns=["TARGET"]), r"lacks required columns \['TARGET'\]"),
        (
            lambda t: t.assign(TARGET=t["TARGET"].replace({1: 2})),
            r"TARGET must be 0 or 1; offending values: \[2\]",
        ),
        (lambda t: pd.concat([t, t.head(2)]), "duplicated SK_ID_CURR"),
        (
            lambda t: t.assign(TARGET=np.r_[np.ones(3, dtype=int), np.zeros(len(t) - 3, dtype=int)]),
            "smallest class",
        ),
        (lambda t: t[["SK_ID_CURR", "TARGET"]], "no feature column"),
    ],
)
def test_unusable_model_input_is_rejected(model_input_table, modelling_params, mutate, message) -> None:
    with pytest.raises(ValueError, match=message):
        nodes.split_model_input(mutate(model_input_table.copy()), modelling_params["split"], 42)


def test_folds_are_stratified_and_checked_against_the_table(model_input_table) -> None:
    folds = assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0)
    rates = model_input_table["TARGET"].groupby(folds[FOLD_COLUMN].to_numpy()).mean()
    assert rates.max() - rates.min() < 0.01
    pairs = fold_indices(folds, model_input_table, "SK_ID_CURR")
    assert sorted(np.concatenate([validation for _, validation in pairs]).tolist()) == list(range(len(folds)))
    with pytest.raises(ValueError, match="rebuild the folds"):
        fold_indices(folds.iloc[::-1].reset_index(drop=True), model_input_table, "SK_ID_CURR")


def test_leakage_check_flags_a_feature_that_copies_the_target(model_input_table, modelling_params) -> None:
    table = model_input_table.assign(
        LEAKED=model_input_table["TARGET"] + np.random.default_rng(0).normal(0, 0.1, len(model_input_table)),
        LEAKED_CATEGORY=pd.array(np.where(model_input_table["TARGET"] == 1, "bad", "good"), dtype="string"),
        CLIENT_CODE=pd.array([f"id{i}" for i in range(len(model_input_table))], dtype="string"),
    )
    folds = assign_folds(table, "SK_ID_CURR", "TARGET", 3, 0)
    report = nodes.check_feature_leakage(table, folds, modelling_params["split"], modelling_params["guards"])
    assert set(report.loc[report["suspect_leakage"], "feature"]) == {"LEAKED", "LEAKED_CATEGORY"}
    # a column with one level per client does not look predictive: its levels are encoded out of fold
    assert report.set_index("feature").loc["CLIENT_CODE", "auc"] < 0.6
    strict = {**modelling_params["guards"], "fail_on_leakage": True}
    with pytest.raises(ValueError, match="LEAKED"):
        nodes.check_feature_leakage(table, folds, modelling_params["split"], strict)


def test_auc_above_the_kaggle_best_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert warn_on_high_auc("lgbm", 0.85, 0.82, "Holdout")
        assert not warn_on_high_auc("lgbm", 0.80, 0.82, "Holdout")
    assert len(caplog.records) == 1 and "suspect leakage" in caplog.text


def test_calibration_study_reports_brier_threshold_and_cost() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random(4000) * 0.3
    y = (rng.random(4000) < truth).astype(int)
    inflated = np.clip(truth * 2.5, 0, 1)  # scores that over-state the risk, as class weighting does
    fold = np.arange(3000) % 3
    summary, curves = calibration_study(
        y[:3000],
        inflated[:3000],
        fold,
        y[3000:],
        inflated[3000:],
        weights=WEIGHTS,
        method="isotonic",
        n_bins=5,
    )
    assert summary["brier_score_calibrated"] < summary["brier_score"]
    # calibrated probabilities put the threshold near the Bayes value 1/11, far below the inflated one
    assert abs(summary["threshold_calibrated"] - WEIGHTS.bayes_threshold) < 0.05
    assert summary["calibration_changes_threshold"]
    assert set(curves["version"]) == {"raw", "calibrated"}


def test_tuning_is_reproducible_and_logs_every_trial(model_input_table, modelling_params) -> None:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    folds = fold_indices(
        assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0), model_input_table, "SK_ID_CURR"
    )
    study = parse(TuningSpec, modelling_params["tuning"]["lgbm"], "tuning")
    first = tune(study, X, y, folds, FeatureSpec.from_frame(X), weights=WEIGHTS, random_state=5, n_jobs=1)
    second = tune(study, X, y, folds, FeatureSpec.from_frame(X), weights=WEIGHTS, random_state=5, n_jobs=1)
    assert len(first.trials) == study.n_trials
    assert first.spec == second.spec
    columns = [
        "trial",
        "state",
        "cv_business_cost_per_client",
        "cv_auc",
        "param_num_leaves",
        "param_imbalance",
    ]
    pd.testing.assert_frame_equal(first.trials[columns], second.trials[columns])
    completed = first.trials[first.trials["state"] == "COMPLETE"]
    assert first.cv.threshold.cost_per_client == pytest.approx(completed["cv_business_cost_per_client"].min())


def test_tuning_prunes_trials_that_lag_after_a_fold(model_input_table, modelling_params) -> None:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    folds = fold_indices(
        assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0), model_input_table, "SK_ID_CURR"
    )
    raw = {
        **modelling_params["tuning"]["logreg"],
        "n_trials": 8,
        "pruner_startup_trials": 1,
        "pruner_warmup_folds": 0,
        "search_space": {"C": {"type": "float", "low": 1e-6, "high": 10.0, "log": True}},
    }
    study = parse(TuningSpec, raw, "tuning")
    outcome = tune(study, X, y, folds, FeatureSpec.from_frame(X), weights=WEIGHTS, random_state=0, n_jobs=1)
    states = outcome.trials["state"].tolist()
    assert "PRUNED" in states and "COMPLETE" in states
    pruned = outcome.trials[outcome.trials["state"] == "PRUNED"]
    assert (pruned["folds_evaluated"] < len(folds)).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"search_space": {"C": {"type": "float", "low": 2.0, "high": 1.0}}}, "low <= high"),
        ({"search_space": {"imbalance": {"type": "categorical", "choices": ["oversample"]}}}, "imbalance"),
        ({"n_trials": 0}, "n_trials"),
        ({"unknown_key": 1}, "unknown_key"),
    ],
)
def test_invalid_tuning_parameters_name_the_problem(modelling_params, change, message) -> None:
    with pytest.raises(ValueError, match=message):
        parse(TuningSpec, {**modelling_params["tuning"]["logreg"], **change}, "modelling.tuning.logreg")
