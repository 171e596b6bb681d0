"""The search's budget scales with the rows: the tuning sample, the plan logged before the first fit, and the
progress of the long loops (trials, folds, refits)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import pytest

from credit_scoring.pipelines.modelling import preparation, search
from credit_scoring.pipelines.modelling.budget import modelling_plan
from credit_scoring.pipelines.modelling.evaluation import assign_folds, fold_indices
from credit_scoring.pipelines.modelling.params import BudgetParams, modelling_settings
from credit_scoring.pipelines.modelling.tuning import tuning_sample

SEED = 7


def _folds(n_rows: int, default_rate: float = 0.1, n_folds: int = 3) -> tuple[list, np.ndarray]:
    rng = np.random.default_rng(SEED)
    y = (rng.random(n_rows) < default_rate).astype(np.int64)
    table = pd.DataFrame({"SK_ID_CURR": np.arange(n_rows), "TARGET": y})
    folds = assign_folds(table, "SK_ID_CURR", "TARGET", n_folds, SEED)
    return fold_indices(folds, table, "SK_ID_CURR"), y


def test_a_sample_keeps_each_fold_and_class_share_within_the_original_folds() -> None:
    folds, y = _folds(20_000)
    positions, sample_folds = tuning_sample(folds, y, 5_000, SEED)

    assert abs(len(positions) - 5_000) <= 6  # rounded per fold and class
    assert len(np.unique(positions)) == len(positions)
    assert abs(y[positions].mean() - y.mean()) < 0.002
    for (train, validation), (sample_train, sample_validation) in zip(folds, sample_folds, strict=True):
        assert set(positions[sample_validation]) <= set(validation)
        assert set(positions[sample_train]) <= set(train)
        assert len(sample_train) + len(sample_validation) == len(positions)
        share = len(sample_validation) / len(positions)
        assert share == pytest.approx(len(validation) / len(y), abs=0.002)
    again, _ = tuning_sample(folds, y, 5_000, SEED)
    np.testing.assert_array_equal(positions, again)


def test_no_sample_when_the_rows_fit_the_budget() -> None:
    folds, y = _folds(3_000)
    positions, sample_folds = tuning_sample(folds, y, 3_000, SEED)
    np.testing.assert_array_equal(positions, np.arange(3_000))
    assert sample_folds is folds
    assert BudgetParams(tuning_rows=None).sample_rows(10**6) == 10**6
    assert BudgetParams(tuning_rows=80_000).sample_rows(30_000) == 30_000


def test_the_budget_block_is_checked() -> None:
    with pytest.raises(ValueError, match=r"modelling\.budget"):
        modelling_settings({"budget": {"tuning_rows": 10}}, 0)
    with pytest.raises(ValueError, match=r"modelling\.budget"):
        modelling_settings({"budget": {"seconds_per_100k_rows": {"xgboost": 1.0}}}, 0)


def test_the_plan_bounds_the_trials_by_the_sample_and_the_time_caps(tiny_params: dict[str, Any]) -> None:
    settings = modelling_settings({**tiny_params, "budget": {"tuning_rows": 80_000}}, 0)
    small, medium, full = (modelling_plan(settings, rows, 330) for rows in (24_000, 80_000, 246_000))

    assert (small.folds, full.folds) == (3, settings.split.n_folds_large)
    assert small.tuning_rows == 24_000 and full.tuning_rows == 80_000
    assert full.expected_seconds > medium.expected_seconds > small.expected_seconds
    # on every row the configured candidates cost in proportion to the rows; the studies' trials do not
    candidates = full.stages["configured candidates"] / medium.stages["configured candidates"]
    assert candidates == pytest.approx(246 / 80 * (2 / 3) / (2 / 3), rel=0.01)
    assert "sample of 80,000 rows" in full.describe() and "every row" in small.describe()
    capped = modelling_settings(
        {**tiny_params, "tuning": {"lgbm": {**tiny_params["tuning"]["lgbm"], "n_trials": 1000}}}, 0
    )
    study = modelling_plan(capped, 24_000, 330).stages["lgbm_tuned"]
    assert study == pytest.approx(capped.tuning["lgbm"].timeout_s)


def test_a_study_on_a_sample_is_cross_validated_on_every_row(
    model_input_table: pd.DataFrame, modelling_params: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    modelling_params["budget"] = {"tuning_rows": 1_000}
    settings = modelling_settings(modelling_params, SEED)
    training, _ = preparation.split_model_input(model_input_table=model_input_table, settings=settings)
    with caplog.at_level(logging.INFO):
        folds = preparation.make_cv_folds(training_table=training, settings=settings)
        result, trials = search.tune_candidate(
            training_table=training, cv_folds=folds, settings=settings, study="logreg"
        )

    assert result.extra["tuning_rows"] == pytest.approx(1_000, abs=6)
    assert len(result.cv.oof_proba) == len(training)
    assert not np.isnan(result.cv.oof_proba).any()
    assert len(trials) == settings.tuning["logreg"].n_trials
    messages = caplog.text
    assert "Modelling plan: 2," in messages and "sample of 1,000 rows" in messages
    assert "logreg_tuned: trial 1 of 2 done (cost" in messages
    assert "logreg_tuned (best trial, every row): 3 of 3 folds" in messages


def test_the_refits_log_their_progress(
    model_input_table: pd.DataFrame, tiny_params: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    settings = modelling_settings(tiny_params, SEED)
    training, holdout = preparation.split_model_input(model_input_table=model_input_table, settings=settings)
    folds = preparation.make_cv_folds(training_table=training, settings=settings)
    with caplog.at_level(logging.INFO):
        baselines = search.cross_validate_candidates(
            training_table=training, cv_folds=folds, settings=settings
        )
        search.refit_candidates(
            candidates={"dummy": baselines["dummy"]},
            training_table=training,
            holdout_table=holdout,
            cv_folds=folds,
            settings=settings,
        )
    assert "dummy: 1 of 3 folds (last fit" in caplog.text
    assert "Refits on " in caplog.text and "1 of 1 candidates (dummy in" in caplog.text
