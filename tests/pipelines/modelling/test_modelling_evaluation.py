"""Holdout and folds, input validation, guards (leakage, AUC, calibration) and the Optuna search."""

from __future__ import annotations

import logging

import lightgbm
import numpy as np
import optuna
import pandas as pd
import pytest

from credit_scoring.cost import CostWeights
from credit_scoring.pipelines.modelling import preparation, search
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    FOLD_COLUMN,
    CalibrationSettings,
    CandidateResult,
    assign_folds,
    cross_validate,
    features_and_target,
    fold_indices,
    refit,
)
from credit_scoring.pipelines.modelling.guards import warn_on_high_auc, warn_on_overfitting
from credit_scoring.pipelines.modelling.params import CandidateSpec, SearchDimension, TuningSpec, parse
from credit_scoring.pipelines.modelling.tuning import suggest, tune
from credit_scoring.serving.model import FeatureSpec
from tests.fixtures.model_input import synthetic_model_input
from tests.fixtures.settings import settings_of

WEIGHTS = CostWeights()


def split(table: pd.DataFrame, params: dict, **split_changes: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The split node with ``params`` (no excluded feature: these tests are about the rows)."""
    changed = {**params, "split": {**params["split"], **split_changes}, "excluded_features": []}
    return preparation.split_model_input(model_input_table=table, settings=settings_of(changed))


def test_holdout_is_drawn_by_id_hash_and_stable_when_clients_are_added(
    model_input_table, modelling_params
) -> None:
    train, holdout = split(model_input_table, modelling_params)
    again, _ = split(model_input_table, modelling_params)
    assert len(train) + len(holdout) == len(model_input_table)
    assert not set(train["SK_ID_CURR"]) & set(holdout["SK_ID_CURR"])
    assert len(holdout) == pytest.approx(0.2 * len(model_input_table), rel=0.15)
    pd.testing.assert_frame_equal(train, again)
    assert list(train.columns) == list(model_input_table.columns)
    # 100 more clients, and the rows shuffled: every earlier client stays on its side
    more = synthetic_model_input(n_rows=100, n_numeric=6, n_categorical=2, seed=99, first_id=5_000_000)
    grown = pd.concat([model_input_table, more]).sample(frac=1.0, random_state=1)
    grown_train, grown_holdout = split(grown, modelling_params)
    assert set(holdout["SK_ID_CURR"]) <= set(grown_holdout["SK_ID_CURR"])
    assert set(train["SK_ID_CURR"]) <= set(grown_train["SK_ID_CURR"])
    # a different salt draws another holdout
    _, other_holdout = split(model_input_table, modelling_params, holdout_salt="another")
    assert set(other_holdout["SK_ID_CURR"]) != set(holdout["SK_ID_CURR"])


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
        split(mutate(model_input_table.copy()), modelling_params)


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
    report = preparation.check_feature_leakage(
        training_table=table, cv_folds=folds, settings=settings_of(modelling_params)
    )
    assert set(report.loc[report["suspect_leakage"], "feature"]) == {"LEAKED", "LEAKED_CATEGORY"}
    # a column with one level per client does not look predictive: its levels are encoded out of fold
    assert report.set_index("feature").loc["CLIENT_CODE", "auc"] < 0.6
    strict = {**modelling_params, "guards": {**modelling_params["guards"], "fail_on_leakage": True}}
    with pytest.raises(ValueError, match="LEAKED"):
        preparation.check_feature_leakage(training_table=table, cv_folds=folds, settings=settings_of(strict))


def test_auc_above_the_kaggle_best_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert warn_on_high_auc("lgbm", 0.85, 0.82, "Holdout")
        assert not warn_on_high_auc("lgbm", 0.80, 0.82, "Holdout")
    assert len(caplog.records) == 1 and "suspect leakage" in caplog.text


def test_overfitting_gap_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert warn_on_overfitting("lgbm", 0.2, 0.1)
        assert not warn_on_overfitting("lgbm", 0.05, 0.1)
    assert len(caplog.records) == 1 and "memorises" in caplog.text


def test_selection_prefers_the_simpler_model_within_the_fold_noise() -> None:
    comparison = pd.DataFrame(
        {"model_name": ["simple", "complex", "lucky"], "cv_business_cost_per_client": [0.50, 0.49, 0.40]}
    )
    # "complex" is 0.01 cheaper than "simple" but the paired fold differences swing around zero
    fold_costs = {"simple": [0.50, 0.52, 0.48], "complex": [0.47, 0.53, 0.47], "lucky": [0.52, 0.53, 0.51]}
    comparison.loc[2, "cv_business_cost_per_client"] = 0.52
    assert search.select_candidate(comparison, fold_costs, standard_errors=1.0) == "simple"
    # a lead larger than the noise on every fold wins
    fold_costs["complex"] = [0.40, 0.42, 0.38]
    comparison.loc[1, "cv_business_cost_per_client"] = 0.40
    assert search.select_candidate(comparison, fold_costs, standard_errors=1.0) == "complex"
    # with no tolerance, the cheapest wins
    fold_costs["complex"] = [0.47, 0.53, 0.47]
    comparison.loc[1, "cv_business_cost_per_client"] = 0.49
    assert search.select_candidate(comparison, fold_costs, standard_errors=0.0) == "complex"


def test_early_stopping_reads_validation_folds_only(model_input_table, monkeypatch) -> None:
    """The number of trees is chosen on each validation fold; the refit stops nowhere, so no holdout row
    (and no other fold's row) is ever read by early stopping."""

    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    folds = fold_indices(
        assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0), model_input_table, "SK_ID_CURR"
    )
    seen: list[tuple[set, set | None]] = []
    original_fit = lightgbm.LGBMClassifier.fit

    def spy_fit(self, X_fit, y_fit, **kwargs):
        eval_rows = set(kwargs["eval_X"].index) if kwargs.get("eval_X") is not None else None
        seen.append((set(X_fit.index), eval_rows))
        return original_fit(self, X_fit, y_fit, **kwargs)

    monkeypatch.setattr(lightgbm.LGBMClassifier, "fit", spy_fit)
    spec = CandidateSpec(
        family="lgbm", early_stopping_rounds=5, params={"n_estimators": 300, "num_leaves": 4}
    )
    estimator = build_estimator(spec, FeatureSpec.from_frame(X), 0)
    cv = cross_validate(estimator, X, y, folds, WEIGHTS, early_stopping_rounds=5)
    for (fit_rows, eval_rows), (train_rows, validation_rows) in zip(seen, folds, strict=True):
        assert fit_rows == set(train_rows) and eval_rows == set(validation_rows)
    assert len(cv.fold_best_iteration) == 3 and max(cv.fold_best_iteration) < 300
    holdout = X.head(50)
    result = CandidateResult(name="lgbm", spec=spec.model_dump(), cv=cv)
    seen.clear()
    fold = np.zeros(len(y), dtype=int)
    for number, (_, rows) in enumerate(folds):
        fold[rows] = number
    refit(
        result,
        build_estimator(spec, FeatureSpec.from_frame(X), 0),
        X,
        y,
        holdout,
        calibration=CalibrationSettings("isotonic", fold, WEIGHTS),
    )
    assert seen == [(set(X.index), None)]  # one plain fit on the training rows
    assert result.estimator.steps[-1][1].n_estimators == round(np.mean(cv.fold_best_iteration))


def test_refitted_model_is_calibrated_and_its_threshold_chosen_on_that_scale(model_input_table) -> None:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    assignment = assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0)
    folds = fold_indices(assignment, model_input_table, "SK_ID_CURR")
    spec = CandidateSpec(
        family="lgbm", imbalance="class_weight", params={"n_estimators": 40, "num_leaves": 4}
    )
    estimator = build_estimator(spec, FeatureSpec.from_frame(X), 0)
    result = CandidateResult(
        name="weighted", spec=spec.model_dump(), cv=cross_validate(estimator, X, y, folds, WEIGHTS)
    )
    settings = CalibrationSettings("isotonic", assignment[FOLD_COLUMN].to_numpy(), WEIGHTS)
    refit(result, estimator, X, y, X, calibration=settings)
    # class weights inflate the raw scores; the served (calibrated) ones average near the default rate
    assert result.cv.oof_proba.mean() > 2 * y.mean()
    assert result.holdout_proba.mean() == pytest.approx(y.mean(), abs=0.03)
    # the threshold lives on the calibrated scale: near the Bayes value 1/11, far below the raw one
    assert result.served_threshold.threshold < result.cv.threshold.threshold
    assert abs(result.served_threshold.threshold - WEIGHTS.bayes_threshold) < 0.08


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


def test_a_share_of_the_rows_bounds_min_child_samples() -> None:
    """One search space for 5,000 and 300,000 clients: the upper bound grows with the training rows."""
    dimension = SearchDimension(type="int", low=10, high_share=0.02, log=True)
    for n_rows, high in ((5_000, 100), (300_000, 6_000), (100, 10)):
        trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
        value = suggest(trial, "min_child_samples", dimension, n_rows)
        assert trial.distributions["min_child_samples"].high == high and 10 <= value <= high
    with pytest.raises(ValueError, match="high_share"):
        SearchDimension(type="float", low=0.1, high_share=0.5)
