"""Online explanations: SHAP additivity per classifier family, reasons by family (distinct, additive, their
main values, the lender's policy for refusals), missing values, languages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.features.families import ReasonPolicy, family_code
from credit_scoring.serving.explain import ScoreExplainer, column_feature_matrix, linear_reference
from credit_scoring.serving.family_reasons import Reason, top_indices_per_direction, top_reason_indices
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
    values_once, base_once, raw_once = explainer.decompose(rows)
    np.testing.assert_array_equal(values_once, shap_values)
    assert base_once == base and np.array_equal(raw_once, raw)
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
    explanations = ScoreExplainer(synthetic_bundle("dummy", "none")).explain(rows.head(3))
    assert [(e.reasons, e.refusal_reasons) for e in explanations] == [([], [])] * 3


def _family_totals(explainer: ScoreExplainer, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Feature contributions and, by hand, each family's sum (columns in ``explainer.families.codes``)."""
    shap_values, _ = explainer.contributions(table)
    owners = np.array([family_code(feature) for feature in explainer.features])
    codes = explainer.families.codes
    totals = np.column_stack([shap_values[:, owners == code].sum(axis=1) for code in codes])
    return shap_values, totals


def test_family_contributions_add_up_to_the_score(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    _, base, raw = explainer.decompose(table)
    families = explainer.families.family_matrix(explainer.contributions(table)[0])
    assert families.shape[1] > 5
    np.testing.assert_allclose(base + families.sum(axis=1), raw, rtol=0, atol=1e-9)


def test_reasons_are_distinct_families_ranked_by_their_total_in_both_directions(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    rows = table.head(40)
    _, totals = _family_totals(explainer, rows)
    codes = explainer.families.codes
    for explanation, row in zip(explainer.explain(rows, top_k=4), totals, strict=True):
        reasons = explanation.reasons
        assert 1 <= len(reasons) <= 4 and all(isinstance(reason, Reason) for reason in reasons)
        assert len({reason.family for reason in reasons}) == len(reasons)
        for reason in reasons:
            assert reason.contribution == pytest.approx(row[codes.index(reason.family)], abs=1e-12)
            assert reason.direction == ("raises" if reason.contribution > 0 else "lowers")
        assert [reason.family for reason in reasons] == [codes[j] for j in top_reason_indices(row, 4)]
        if (row > 0).any() and (row < 0).any():
            assert {reason.direction for reason in reasons} == {"raises", "lowers"}


def test_a_reason_shows_the_values_that_carry_most_of_its_family(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    rows = table.head(30)
    shap_values, _ = _family_totals(explainer, rows)
    policy = explainer.families.policy
    for explanation, row in zip(explainer.explain(rows, top_k=6), shap_values, strict=True):
        for reason in explanation.reasons:
            members = [i for i, f in enumerate(explainer.features) if family_code(f) == reason.family]
            sign = np.sign(reason.contribution)
            strongest = max(members, key=lambda i: row[i] * sign)
            assert reason.values[0].feature == explainer.features[strongest] == reason.feature
            assert 1 <= len(reason.values) <= policy.values_per_reason
            for value in reason.values:
                assert value.contribution == row[explainer.features.index(value.feature)]
                assert np.sign(value.contribution) == sign
            for value in reason.values[1:]:
                assert abs(value.contribution) >= policy.min_value_share * abs(reason.contribution)
                assert value.display_value in reason.display_value


def test_refusal_reasons_are_the_strongest_raising_families_the_policy_allows(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    rows = table.head(40)
    _, totals = _family_totals(explainer, rows)
    codes = explainer.families.codes
    strongest = totals.argmax(axis=1)
    withheld = codes[int(np.bincount(strongest).argmax())]  # the family that most often leads
    policy = ReasonPolicy(
        refusal_reason_families=[code for code in ReasonPolicy().refusal_reason_families if code != withheld]
    )
    restricted = ScoreExplainer(explainer.model, policy=policy)
    for full, told, row in zip(
        explainer.explain(rows, top_k=3), restricted.explain(rows, top_k=3), totals, strict=True
    ):
        assert [r.family for r in full.reasons] == [r.family for r in told.reasons]  # all kept in full
        allowed_raising = sorted(
            (code for code, total in zip(codes, row, strict=True) if total > 0 and policy.allows(code)),
            key=lambda code: -row[codes.index(code)],
        )
        assert [r.family for r in told.refusal_reasons] == allowed_raising[: policy.refusal_reasons]
        assert all(r.refusal_reason_allowed and r.direction == "raises" for r in told.refusal_reasons)
        assert withheld not in {r.family for r in told.refusal_reasons}
    assert any(withheld in {r.family for r in e.reasons} for e in restricted.explain(rows, top_k=3))


def test_top_reason_selection_keeps_one_opposite_reason() -> None:
    contributions = np.array([0.9, 0.0, 0.5, 0.4, -0.1, 0.3])
    assert top_reason_indices(contributions, 3) == [0, 2, 4]
    assert top_reason_indices(contributions, 1) == [0]
    assert top_reason_indices(np.array([0.2, 0.1, 0.0]), 5) == [0, 1]
    assert top_reason_indices(np.array([-0.2, 0.5, -0.4]), 2) == [1, 2]
    assert top_indices_per_direction(contributions, 2) == [0, 2, 4]


def test_reason_serialises_to_plain_json_types(
    real_features_explainer: tuple[ScoreExplainer, pd.DataFrame],
) -> None:
    explainer, table = real_features_explainer
    reason = explainer.explain(table.head(1), top_k=1)[0].reasons[0]
    as_dict = reason.to_dict()
    assert set(as_dict) == {
        "family",
        "label",
        "contribution",
        "direction",
        "values",
        "display_value",
        "sentence",
        "refusal_reason_allowed",
        "feature",
        "value",
    }
    assert isinstance(as_dict["contribution"], float) and isinstance(as_dict["values"][0], dict)
    assert as_dict["value"] is None or isinstance(as_dict["value"], float | str)


def test_unknown_language_is_refused_with_the_supported_ones(
    lgbm_explainer: ScoreExplainer, rows: pd.DataFrame
) -> None:
    with pytest.raises(ValueError, match=r"'de'.*en, fr"):
        lgbm_explainer.explain(rows.head(1), language="de")
    with pytest.raises(ValueError, match="top_k"):
        lgbm_explainer.explain(rows.head(1), top_k=0)


def test_features_without_a_family_are_told_as_other_information(
    lgbm_explainer: ScoreExplainer, rows: pd.DataFrame
) -> None:
    explanation = lgbm_explainer.explain(rows.head(1), top_k=3)[0]
    assert {reason.family for reason in explanation.reasons} == {"other"}
    assert explanation.refusal_reasons == []  # never a reason for refusal


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
        reasons = explainer.explain(client, top_k=5, language=language)[0].reasons
        assert reasons, "a client with missing values still gets reasons"
        values = {value.feature: value for reason in reasons for value in reason.values}
        for value in values.values():
            if value.feature not in {"EXT_SOURCE_2", "NAME_INCOME_TYPE"}:
                assert value.value is None and value.display_value == missing
        assert any(missing in reason.sentence for reason in reasons)
        if "EXT_SOURCE_2" in values:
            assert values["EXT_SOURCE_2"].value == pytest.approx(0.05)


def test_a_client_without_any_known_field_is_refused(lgbm_explainer: ScoreExplainer) -> None:
    with pytest.raises(ValueError, match="None of the model's"):
        lgbm_explainer.explain(pd.DataFrame({"UNRELATED": [1.0]}))


def test_sentences_name_no_raw_feature(real_features_explainer: tuple[ScoreExplainer, pd.DataFrame]) -> None:
    explainer, table = real_features_explainer
    unlabelled = [feature for feature in explainer.features if not explainer.writer.knows(feature)]
    assert not unlabelled, f"model features without a dictionary entry: {unlabelled}"
    for language in ("en", "fr"):
        for explanation in explainer.explain(table.head(20), top_k=6, language=language):
            for reason in [*explanation.reasons, *explanation.refusal_reasons]:
                assert reason.sentence.startswith(reason.label)
                assert reason.display_value in reason.sentence
                for value in reason.values:
                    assert value.feature not in reason.sentence and value.display_value in reason.sentence


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


def test_linear_reference_is_the_training_mean_and_an_average_level() -> None:
    features = ["AMOUNT", "KIND"]
    columns = [
        "numeric__AMOUNT",
        "numeric__missingindicator_AMOUNT",
        "categorical__KIND_a",
        "categorical__KIND_b",
    ]
    np.testing.assert_allclose(linear_reference(columns, features), [0.0, 0.0, 0.5, 0.5])
    assert linear_reference(features, features).tolist() == [0.0, 0.0]
