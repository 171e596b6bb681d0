"""Online explanations: SHAP additivity per classifier family, top reasons, missing values, languages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.serving.explain import (
    Reason,
    ScoreExplainer,
    column_feature_matrix,
    top_indices_per_direction,
    top_reason_indices,
)
from credit_scoring.serving.model import CreditScoringModel
from tests.fixtures.explain_models import dictionary_model_input, fitted_bundle, synthetic_bundle
from tests.fixtures.model_input import synthetic_model_input

FAMILIES = [
    ("lgbm", "class_weight", "lightgbm"),
    ("lgbm", "undersample", "lightgbm"),
    ("logreg", "class_weight", "linear"),
    ("logreg", "smote", "linear"),
    ("dummy", "none", "constant"),
]


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return synthetic_model_input(40, n_numeric=6, n_categorical=2, seed=9, with_target=False)


@pytest.fixture(scope="module")
def lgbm_explainer() -> ScoreExplainer:
    return ScoreExplainer(synthetic_bundle("lgbm"))


@pytest.fixture(scope="module")
def real_features_explainer() -> tuple[ScoreExplainer, pd.DataFrame]:
    table = dictionary_model_input(400, seed=1)
    return ScoreExplainer(fitted_bundle(table, "lgbm")), table.drop(columns=["SK_ID_CURR", "TARGET"])


@pytest.mark.parametrize(("family", "imbalance", "method"), FAMILIES)
def test_base_value_plus_contributions_is_the_raw_output(
    family: str, imbalance: str, method: str, rows: pd.DataFrame
) -> None:
    model = synthetic_bundle(family, imbalance)
    explainer = ScoreExplainer(model)
    shap_values, base = explainer.contributions(rows)
    assert explainer.method == method
    assert shap_values.shape == (len(rows), len(model.features))
    raw = explainer.raw_output(rows)
    np.testing.assert_allclose(base + shap_values.sum(axis=1), raw, atol=1e-9)
    # the raw output is the model's own score: its sigmoid is the classifier's probability
    proba = model.classifier.predict_proba(model.model_matrix(rows))[:, 1]
    np.testing.assert_allclose(1 / (1 + np.exp(-raw)), proba, atol=1e-9)


def test_linear_contributions_are_summed_back_to_model_features(rows: pd.DataFrame) -> None:
    model = synthetic_bundle("logreg")
    shap_values, _ = ScoreExplainer(model).contributions(rows)
    category = model.features.index("CATEGORY_00")
    # a one-hot feature contributes the coefficient of the client's level: not zero for a known level
    known = rows["CATEGORY_00"].notna().to_numpy()
    assert np.all(shap_values[known, category] != 0)


def test_constant_model_gives_no_reasons(rows: pd.DataFrame) -> None:
    explainer = ScoreExplainer(synthetic_bundle("dummy", "none"))
    assert explainer.explain(rows.head(3)) == [[], [], []]


def test_explain_returns_top_reasons_in_both_directions(
    lgbm_explainer: ScoreExplainer, rows: pd.DataFrame
) -> None:
    explanations = lgbm_explainer.explain(rows, top_k=3)
    shap_values, _ = lgbm_explainer.contributions(rows)
    assert len(explanations) == len(rows)
    for reasons, row_shap in zip(explanations, shap_values, strict=True):
        assert 1 <= len(reasons) <= 3
        assert all(isinstance(reason, Reason) for reason in reasons)
        magnitudes = [abs(reason.contribution) for reason in reasons]
        assert magnitudes == sorted(magnitudes, reverse=True) or len({r.direction for r in reasons}) == 2
        for reason in reasons:
            assert reason.contribution == pytest.approx(
                row_shap[lgbm_explainer.features.index(reason.feature)]
            )
            assert reason.direction == ("raises" if reason.contribution > 0 else "lowers")
        if (row_shap > 0).any() and (row_shap < 0).any():
            assert {reason.direction for reason in reasons} == {"raises", "lowers"}


def test_top_reason_selection_keeps_one_opposite_reason() -> None:
    contributions = np.array([0.9, 0.0, 0.5, 0.4, -0.1, 0.3])
    assert top_reason_indices(contributions, 3) == [0, 2, 4]
    assert top_reason_indices(contributions, 1) == [0]
    assert top_reason_indices(np.array([0.2, 0.1, 0.0]), 5) == [0, 1]
    assert top_reason_indices(np.array([-0.2, 0.5, -0.4]), 2) == [1, 2]
    assert top_indices_per_direction(contributions, 2) == [0, 2, 4]


def test_reason_serialises_to_plain_json_types(lgbm_explainer: ScoreExplainer, rows: pd.DataFrame) -> None:
    reason = lgbm_explainer.explain(rows.head(1), top_k=1)[0][0]
    as_dict = reason.to_dict()
    assert set(as_dict) == {
        "feature",
        "label",
        "value",
        "display_value",
        "contribution",
        "direction",
        "sentence",
    }
    assert isinstance(as_dict["contribution"], float)
    assert as_dict["value"] is None or isinstance(as_dict["value"], float | str)


def test_unknown_language_is_refused_with_the_supported_ones(
    lgbm_explainer: ScoreExplainer, rows: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match=r"'de'.*en, fr"):
        lgbm_explainer.explain(rows.head(1), language="de")
    with pytest.raises(ValueError, match="top_k"):
        lgbm_explainer.explain(rows.head(1), top_k=0)


def test_client_with_many_missing_values_is_explained(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    client = table.head(1).copy()
    client.loc[:, :] = np.nan  # every field missing but two
    client["EXT_SOURCE_2"] = 0.05
    client["NAME_INCOME_TYPE"] = "Working"
    shap_values, base = explainer.contributions(client)
    np.testing.assert_allclose(base + shap_values.sum(axis=1), explainer.raw_output(client), atol=1e-9)
    for language, missing in (("en", "not provided"), ("fr", "non renseigné")):
        reasons = explainer.explain(client, top_k=5, language=language)[0]
        assert reasons, "a client with missing values still gets reasons"
        by_feature = {reason.feature: reason for reason in reasons}
        for reason in reasons:
            if reason.feature not in {"EXT_SOURCE_2", "NAME_INCOME_TYPE"}:
                assert reason.value is None and reason.display_value == missing
                assert missing in reason.sentence
        if "EXT_SOURCE_2" in by_feature:
            assert by_feature["EXT_SOURCE_2"].value == pytest.approx(0.05)


def test_a_client_without_any_known_field_is_refused(lgbm_explainer: ScoreExplainer) -> None:
    with pytest.raises(ValueError, match="None of the model's"):
        lgbm_explainer.explain(pd.DataFrame({"UNRELATED": [1.0]}))


def test_sentences_name_no_raw_feature(real_features_explainer: tuple[ScoreExplainer, pd.DataFrame]) -> None:
    explainer, table = real_features_explainer
    for language in ("en", "fr"):
        for reasons in explainer.explain(table.head(20), top_k=6, language=language):
            for reason in reasons:
                assert reason.feature not in reason.sentence and reason.feature not in reason.label
                assert reason.display_value in reason.sentence


def test_encoded_columns_map_to_their_feature() -> None:
    features = ["AMT", "AMT_CREDIT", "NAME_TYPE"]
    columns = [
        "numeric__AMT",
        "numeric__AMT_CREDIT",
        "numeric__missingindicator_AMT_CREDIT",
        "categorical__NAME_TYPE_Working",
        "categorical__NAME_TYPE_infrequent_sklearn",
    ]
    mapping = column_feature_matrix(columns, features)
    assert mapping.argmax(axis=1).tolist() == [0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="'numeric__OTHER'"):
        column_feature_matrix(["numeric__OTHER"], features)


def test_unsupported_classifier_is_named() -> None:
    class Opaque:
        pass

    model = synthetic_bundle("dummy", "none")
    odd = CreditScoringModel(model.estimator, model.feature_spec, 0.5, "odd")
    odd.estimator = type(model.estimator)([*model.estimator.steps[:-1], ("model", Opaque())])
    with pytest.raises(TypeError, match="Cannot explain a Opaque"):
        ScoreExplainer(odd)
