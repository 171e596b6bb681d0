"""Model importance mapped back to the model's input features, for LightGBM, logistic regression and dummy."""

from __future__ import annotations

import pandas as pd
import pytest

from credit_scoring.monitoring.importance import model_feature_importance
from credit_scoring.pipelines.modelling.candidates import build_estimator
from credit_scoring.pipelines.modelling.evaluation import features_and_target
from credit_scoring.pipelines.modelling.params import CandidateSpec
from credit_scoring.serving.model import CreditScoringModel, FeatureSpec


def fitted(model_input_table: pd.DataFrame, spec: CandidateSpec) -> CreditScoringModel:
    X, y = features_and_target(model_input_table, "SK_ID_CURR", "TARGET")
    features = FeatureSpec.from_frame(X)
    estimator = build_estimator(spec, features, random_state=0, n_jobs=1).fit(X, y)
    return CreditScoringModel(estimator, features, threshold=0.5, model_name=spec.family)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        (CandidateSpec(family="lgbm", params={"n_estimators": 30, "num_leaves": 7}), "lightgbm_gain"),
        (CandidateSpec(family="logreg", imbalance="class_weight", params={"C": 1.0}), "contribution_std"),
    ],
)
def test_signal_features_rank_first(model_input_table: pd.DataFrame, spec: CandidateSpec, kind: str) -> None:
    table = model_feature_importance(fitted(model_input_table, spec), model_input_table)
    assert table["kind"].eq(kind).all()
    assert sorted(table["feature"]) == sorted(
        c for c in model_input_table if c not in ("SK_ID_CURR", "TARGET")
    )
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    # the synthetic default depends on FEATURE_000 and FEATURE_001 most
    assert {"FEATURE_000", "FEATURE_001"} <= set(table["feature"].head(3))


def test_without_rows_a_linear_model_falls_back_to_coefficients(model_input_table: pd.DataFrame) -> None:
    model = fitted(model_input_table, CandidateSpec(family="logreg", params={"C": 1.0}))
    table = model_feature_importance(model)
    assert table["kind"].eq("abs_coefficient").all() and table["share"].sum() == pytest.approx(1.0)
    assert table["importance"].gt(0).all()  # every feature, one-hot levels and indicators included, mapped


def test_a_model_without_importance_weighs_features_equally(model_input_table: pd.DataFrame) -> None:
    table = model_feature_importance(fitted(model_input_table, CandidateSpec(family="dummy")))
    assert table["kind"].eq("uniform").all()
    assert table["share"].nunique() == 1
