"""Reason families: every model feature has exactly one, and family contributions keep additivity."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_scoring.features.definitions import categorical_columns, feature_columns
from credit_scoring.features.families import (
    EXCEPTIONS,
    FAMILIES,
    FAMILY_BY_CODE,
    OTHER,
    REASON_POLICY,
    RULES,
    ReasonPolicy,
    family_code,
    family_contributions,
    family_of,
    family_table,
)
from credit_scoring.pipelines.modelling.candidates import linear_encoder
from credit_scoring.project_config import read_config
from credit_scoring.raw.schema import BUILDING_COLUMNS
from credit_scoring.raw.wording import LEVELS
from credit_scoring.serving.explain import column_feature_matrix
from credit_scoring.serving.model import FeatureSpec


def test_every_model_feature_has_a_known_family():
    table = family_table(feature_columns())
    assert set(table) == set(feature_columns())
    assert set(table.values()) <= set(FAMILY_BY_CODE)


def test_every_family_is_used_and_every_rule_and_exception_matters():
    features = feature_columns()
    used = set(family_table(features).values())
    expected = set(FAMILY_BY_CODE) - {OTHER.code}  # the fallback of a feature no rule covers
    assert used == expected, f"families without a feature: {expected - used}"
    assert set(EXCEPTIONS) <= set(features), "an exception names a feature the model does not have"
    for code, patterns in RULES:
        for pattern in patterns:
            assert any(fnmatchcase(f, pattern) for f in features), f"rule {code}: {pattern!r} matches nothing"


def test_encoded_model_columns_come_from_features_with_a_family():
    """The columns the linear models actually see (one-hot levels, missing-value indicators) map back to a
    model feature, hence to a family, through the explainer's own column mapping."""
    features, categorical = feature_columns(), categorical_columns()
    rng = np.random.default_rng(0)
    rows = 40
    frame = pd.DataFrame(
        {
            name: (
                rng.choice([*LEVELS.get(name, {"a": 0, "b": 0})], size=rows).astype(object)
                if name in categorical
                else np.where(rng.random(rows) < 0.2, np.nan, rng.random(rows))
            )
            for name in features
        }
    )
    encoder = linear_encoder(FeatureSpec(tuple(features), tuple(categorical))).fit(frame)
    columns = [str(name) for name in encoder.get_feature_names_out()]
    assert any("CODE_GENDER_" in column for column in columns)
    mapping = column_feature_matrix(columns, features)
    assert (mapping.sum(axis=1) == 1).all()
    sources = {features[j] for j in mapping.argmax(axis=1)}
    assert family_table(sources)


def test_external_score_variants_are_one_family():
    names = ["EXT_SOURCE_MEAN", "EXT_SOURCE_WEIGHTED_MEAN", "EXT_SOURCE_3", "EXT_SOURCE_MIN", "EXT_SOURCE_1"]
    assert {family_of(name).code for name in names} == {"external_scores"}


def test_every_building_statistic_is_housing():
    building = [*BUILDING_COLUMNS, "FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE"]
    assert "FLOORSMAX_MODE" in building and "APARTMENTS_AVG" in building
    assert {family_of(name).code for name in building} == {"housing"}
    assert family_of("NAME_HOUSING_TYPE").code == "housing"
    assert family_of("FLAG_OWN_REALTY").code == "housing"


def test_gender_is_protected_and_never_a_refusal_reason():
    for name in ("CODE_GENDER", "CODE_GENDER_XNA"):
        family = family_of(name)
        assert family.protected
        assert not family.may_be_refusal_reason_default


def test_indicators_take_their_column_family():
    assert family_of("DAYS_EMPLOYED_SENTINEL").code == "employment_income"
    assert family_of("ORGANIZATION_TYPE_XNA").code == "employment_income"


def test_codes_unique_and_labels_present_and_distinct():
    codes = [family.code for family in FAMILIES]
    assert len(codes) == len(set(codes))
    for labels in ([family.label_en for family in FAMILIES], [family.label_fr for family in FAMILIES]):
        assert all(label.strip() for label in labels)
        assert len(labels) == len(set(labels))
    for family in FAMILIES:
        assert family.label_en != family.label_fr
        assert not (family.protected and family.may_be_refusal_reason_default)


def test_a_feature_without_family_is_an_error():
    with pytest.raises(ValueError, match="NEW_UNKNOWN_FEATURE"):
        family_of("NEW_UNKNOWN_FEATURE")
    with pytest.raises(ValueError, match="NOT_A_COLUMN_XNA"):
        family_table(["EXT_SOURCE_1", "NOT_A_COLUMN_XNA"])


def test_family_contributions_add_up_to_the_feature_contributions():
    features = feature_columns()
    rng = np.random.default_rng(26)
    contributions = rng.normal(size=(50, len(features)))
    by_family, codes = family_contributions(contributions, features)
    assert by_family.shape == (50, len(codes))
    np.testing.assert_allclose(by_family.sum(axis=1), contributions.sum(axis=1), rtol=0, atol=1e-9)
    ext = [i for i, name in enumerate(features) if name.startswith("EXT_SOURCE_")]
    np.testing.assert_allclose(
        by_family[:, codes.index("external_scores")], contributions[:, ext].sum(axis=1), atol=1e-9
    )


def test_families_without_a_present_feature_are_left_out():
    features = ["EXT_SOURCE_3", "AMT_CREDIT", "EXT_SOURCE_MEAN"]
    contributions = np.array([[0.1, -0.2, 0.3], [1.0, 2.0, 3.0]])
    by_family, codes = family_contributions(contributions, features)
    assert codes == ["external_scores", "credit_amount"]
    np.testing.assert_allclose(by_family, [[0.4, -0.2], [4.0, 2.0]])


def test_family_contributions_reject_a_mismatched_shape():
    with pytest.raises(ValueError, match="3 features"):
        family_contributions(np.zeros((2, 2)), ["EXT_SOURCE_3", "AMT_CREDIT", "EXT_SOURCE_MEAN"])
    with pytest.raises(ValueError, match="3 features"):
        family_contributions(np.zeros(3), ["EXT_SOURCE_3", "AMT_CREDIT", "EXT_SOURCE_MEAN"])


def test_a_feature_no_rule_covers_is_other_information_and_logged(caplog):
    with pytest.raises(ValueError, match="'BRAND_NEW_FEATURE' belongs to no reason family"):
        family_of("BRAND_NEW_FEATURE")
    with caplog.at_level("WARNING", logger="credit_scoring.features.families"):
        assert family_code("BRAND_NEW_FEATURE") == OTHER.code
    assert "BRAND_NEW_FEATURE" in caplog.text
    assert not OTHER.may_be_refusal_reason_default


def test_the_reason_policy_defaults_to_the_families_own_defaults_and_refuses_what_it_cannot_tell():
    default = ReasonPolicy()
    assert ReasonPolicy(refusal_reason_families=None) == default
    assert set(default.refusal_reason_families) == {
        family.code for family in FAMILIES if family.may_be_refusal_reason_default
    }
    assert not default.allows("age_family") and default.allows("external_scores")
    twice = ReasonPolicy(refusal_reason_families=["housing", "housing"])
    assert twice.refusal_reason_families == ("housing",)
    with pytest.raises(ValueError, match=r"unknown reason families \['building'\]"):
        ReasonPolicy(refusal_reason_families=["building"])
    with pytest.raises(ValueError, match=r"protected .*\['protected_attributes'\]"):
        ReasonPolicy(refusal_reason_families=["external_scores", "protected_attributes"])
    with pytest.raises(ValueError, match="refusal_reasons"):
        ReasonPolicy(refusal_reasons=0)


def test_the_configured_policy_is_valid():
    parameters = read_config(Path(__file__).resolve().parents[2], "parameters", env="base")
    policy = ReasonPolicy.model_validate(parameters[REASON_POLICY])
    assert policy.refusal_reasons >= 1
