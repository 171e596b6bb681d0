"""Candidate estimators: encoding, robustness to production rows, resampling confined to training folds."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from imblearn.under_sampling import RandomUnderSampler

from credit_scoring.cost import CostWeights
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import (
    CalibrationSettings,
    CandidateResult,
    assign_folds,
    cross_validate,
    features_and_target,
    fold_indices,
    refit,
)
from credit_scoring.pipelines.modelling.params import CandidateSpec, parse_candidates
from credit_scoring.serving.model import FeatureSpec

WEIGHTS = CostWeights()
SMALL_LGBM = {"n_estimators": 15, "num_leaves": 7, "min_child_samples": 10}


class SpyUnderSampler(RandomUnderSampler):
    """Records the index labels of every frame it resamples."""

    seen: ClassVar[list[np.ndarray]] = []

    def fit_resample(self, X: Any, y: Any, **params: Any):
        SpyUnderSampler.seen.append(np.asarray(X.index))
        return super().fit_resample(X, y, **params)


class SpySMOTE(SMOTE):
    """Records how many rows it oversamples from."""

    seen: ClassVar[list[int]] = []

    def fit_resample(self, X: Any, y: Any, **params: Any):
        SpySMOTE.seen.append(len(y))
        return super().fit_resample(X, y, **params)


@pytest.fixture
def training(model_input_table: pd.DataFrame):
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    folds = fold_indices(
        assign_folds(model_input_table, "SK_ID_CURR", "TARGET", 3, 0), model_input_table, "SK_ID_CURR"
    )
    return X, y, folds, FeatureSpec.from_frame(X)


@pytest.mark.parametrize(
    "spec",
    [
        CandidateSpec(family="dummy"),
        CandidateSpec(family="logreg", imbalance="class_weight"),
        CandidateSpec(family="logreg", imbalance="smote", sampling_strategy=0.5),
        CandidateSpec(family="lgbm", imbalance="class_weight", params=SMALL_LGBM),
        CandidateSpec(family="lgbm", imbalance="undersample", params=SMALL_LGBM),
        CandidateSpec(family="scorecard", imbalance="class_weight"),
        CandidateSpec(family="lgbm", params=SMALL_LGBM, monotone={"increasing": ["FEATURE_00[02]"]}),
    ],
    ids=lambda spec: f"{spec.family}-{spec.imbalance}{'-monotone' if spec.monotone else ''}",
)
def test_every_candidate_scores_production_like_rows(training, spec: CandidateSpec) -> None:
    X, y, _, features = training
    model = build_estimator(spec, features, random_state=0, n_jobs=1).fit(X, y)
    rows = X.head(4).copy()
    rows.loc[rows.index[0], "CATEGORY_00"] = "NeverSeenLevel"  # unseen level
    rows.loc[rows.index[1], :] = np.nan  # a client with nothing known
    rows = rows.drop(columns=["FEATURE_001"])  # a feature the caller does not send
    rows["UNRELATED"] = "x"
    proba = model.predict_proba(rows)[:, 1]
    assert proba.shape == (4,)
    assert np.all((proba >= 0) & (proba <= 1))


def test_signal_is_learnt(training) -> None:
    X, y, folds, features = training
    spec = CandidateSpec(family="lgbm", imbalance="class_weight", params=SMALL_LGBM)
    cv = cross_validate(build_estimator(spec, features, 0, 1), X, y, folds, WEIGHTS)
    assert cv.auc > 0.6
    assert not np.isnan(cv.oof_proba).any()
    assert len(cv.fold_auc) == len(cv.fold_train_auc) == 3


def test_undersampling_only_sees_training_fold_rows(training) -> None:
    X, y, folds, features = training
    spec = CandidateSpec(family="lgbm", imbalance="undersample", params=SMALL_LGBM)
    estimator = build_estimator(spec, features, 0, 1)
    estimator.set_params(resample=SpyUnderSampler(sampling_strategy=1.0, random_state=0))
    SpyUnderSampler.seen.clear()
    cv = cross_validate(estimator, X, y, folds, WEIGHTS, train_auc=False)
    assert len(SpyUnderSampler.seen) == len(folds)
    for seen, (train_rows, validation_rows) in zip(SpyUnderSampler.seen, folds, strict=True):
        assert set(seen) == set(train_rows)
        assert not set(seen) & set(validation_rows)
    # every validation row is predicted as it is: nothing dropped or duplicated
    assert not np.isnan(cv.oof_proba).any()


def test_smote_is_fitted_on_training_folds_and_skipped_at_prediction(training) -> None:
    X, y, folds, features = training
    spec = CandidateSpec(family="logreg", imbalance="smote", sampling_strategy=0.5)
    estimator = build_estimator(spec, features, 0, 1)
    estimator.set_params(resample=SpySMOTE(sampling_strategy=0.5, random_state=0))
    SpySMOTE.seen.clear()
    cv = cross_validate(estimator, X, y, folds, WEIGHTS, train_auc=False)
    assert SpySMOTE.seen == [len(train_rows) for train_rows, _ in folds]
    result = CandidateResult(name="smote", spec=spec.model_dump(), cv=cv)
    SpySMOTE.seen.clear()
    fold = np.zeros(len(y), dtype=int)
    for number, (_, rows) in enumerate(folds):
        fold[rows] = number
    refit(result, estimator, X, y, X.head(100), calibration=CalibrationSettings("sigmoid", fold, WEIGHTS))
    assert SpySMOTE.seen == [
        len(X)
    ]  # fitted once on the training rows; the 100 predicted rows never resampled
    assert result.holdout_proba.shape == (100,)


def test_unknown_imbalance_for_a_family_is_rejected() -> None:
    with pytest.raises(ValueError, match="not supported for family 'lgbm'"):
        parse_candidates({"bad": {"family": "lgbm", "imbalance": "smote"}})
    with pytest.raises(ValueError, match=r"modelling.candidates.typo"):
        parse_candidates({"typo": {"family": "logreg", "imbalanse": "smote"}})
    with pytest.raises(ValueError, match="empty"):
        parse_candidates({})
