"""Application-level features, sentinel cleaning, and the assembly of one row per client."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pandas as pd
import pytest

from credit_scoring.features.application import application_feature_columns, application_features
from credit_scoring.features.cleaning import clean_sentinels
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS, categorical_columns, feature_columns
from credit_scoring.features.model_input import assemble_model_input, to_model_input_frame
from credit_scoring.raw.tables import DAYS_SENTINEL


@pytest.fixture
def applications(raw_tables, make_typed):
    base = raw_tables["application_train"].head(3).copy()
    base.loc[0, ["AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"]] = [
        100.0,
        400.0,
        20.0,
        300.0,
    ]
    base.loc[0, ["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]] = [0.2, np.nan, 0.6]
    base.loc[0, ["DAYS_BIRTH", "DAYS_EMPLOYED", "CNT_FAM_MEMBERS", "CNT_CHILDREN"]] = [-7305, -730, 2.0, 1]
    base.loc[0, ["CODE_GENDER", "ORGANIZATION_TYPE"]] = ["F", "School"]
    base.loc[1, ["AMT_INCOME_TOTAL", "DAYS_EMPLOYED", "CODE_GENDER", "ORGANIZATION_TYPE"]] = [
        0.0,
        DAYS_SENTINEL,
        "XNA",
        "XNA",
    ]
    base.loc[1, ["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]] = [np.nan, np.nan, np.nan]
    return make_typed("application_train", base)


def test_application_ratios_ages_and_scores(applications):
    frame = application_features(applications).to_pandas().set_index("SK_ID_CURR")
    first = frame.iloc[0]

    assert first["CREDIT_INCOME_RATIO"] == 4.0
    assert first["ANNUITY_INCOME_RATIO"] == 0.2
    assert first["ANNUITY_CREDIT_RATIO"] == 0.05
    assert first["GOODS_CREDIT_RATIO"] == 0.75
    assert first["CREDIT_GOODS_DIFFERENCE"] == 100.0
    assert first["INCOME_PER_FAMILY_MEMBER"] == 50.0
    assert first["CHILDREN_FAMILY_RATIO"] == 0.5
    assert first["AGE_YEARS"] == pytest.approx(20.0)
    assert first["EMPLOYMENT_YEARS"] == pytest.approx(730 / 365.25)
    assert first["EMPLOYMENT_AGE_RATIO"] == pytest.approx(730 / 7305)
    assert (first["EXT_SOURCE_MEAN"], first["EXT_SOURCE_MIN"], first["EXT_SOURCE_MAX"]) == pytest.approx(
        (0.4, 0.2, 0.6)
    )
    assert math.isnan(first["EXT_SOURCE_PRODUCT"]) and first["EXT_SOURCE_COUNT"] == 2
    assert first["EXT_SOURCE_WEIGHTED_MEAN"] == pytest.approx((2 * 0.2 + 3 * 0.6) / (2 + 3))
    assert math.isnan(frame.iloc[1]["EXT_SOURCE_WEIGHTED_MEAN"]), "no score at all"


def test_sentinels_become_null_with_indicators_and_ratios_never_divide_by_zero(applications):
    frame = application_features(applications).to_pandas().set_index("SK_ID_CURR")
    first, pensioner = frame.iloc[0], frame.iloc[1]

    assert math.isnan(pensioner["DAYS_EMPLOYED"]) and pensioner["DAYS_EMPLOYED_SENTINEL"] == 1.0
    assert math.isnan(pensioner["EMPLOYMENT_YEARS"])
    assert pd.isna(pensioner["CODE_GENDER"]) and pensioner["CODE_GENDER_XNA"] == 1.0
    assert pd.isna(pensioner["ORGANIZATION_TYPE"]) and pensioner["ORGANIZATION_TYPE_XNA"] == 1.0
    assert first["DAYS_EMPLOYED_SENTINEL"] == 0.0 and first["CODE_GENDER"] == "F"
    assert math.isnan(pensioner["CREDIT_INCOME_RATIO"]), "income 0: no ratio, not infinity"
    assert math.isnan(pensioner["EXT_SOURCE_MEAN"]) and math.isnan(pensioner["EXT_SOURCE_MIN"])
    assert pensioner["EXT_SOURCE_COUNT"] == 0
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numbers).any()


def test_feature_columns_keep_every_application_field_and_types(applications):
    features = application_features(applications)
    columns = application_feature_columns()

    assert features.columns == ("SK_ID_CURR", "TARGET", *columns)
    schema = features.schema()
    for column in columns:
        expected = "string" if column in categorical_columns() else "float64"
        assert str(schema[column]).startswith(expected), column


def test_clean_sentinels_handles_previous_application_codes(make_typed):
    previous = make_typed(
        "previous_application",
        [
            dict(
                SK_ID_PREV=1,
                SK_ID_CURR=1,
                DAYS_LAST_DUE=float(DAYS_SENTINEL),
                NAME_CASH_LOAN_PURPOSE="XAP",
                NAME_PORTFOLIO="POS",
            ),
            dict(
                SK_ID_PREV=2,
                SK_ID_CURR=1,
                DAYS_LAST_DUE=-5.0,
                NAME_CASH_LOAN_PURPOSE=None,
                NAME_PORTFOLIO="XNA",
            ),
        ],
    )
    cleaned = clean_sentinels(previous, "previous_application").to_pandas()

    assert cleaned["DAYS_LAST_DUE"].isna().tolist() == [True, False]
    assert cleaned["DAYS_LAST_DUE_SENTINEL"].tolist() == [1.0, 0.0]
    assert cleaned["NAME_CASH_LOAN_PURPOSE"].isna().all()
    assert cleaned["NAME_CASH_LOAN_PURPOSE_XNA"].tolist() == [1.0, 0.0], "a genuine NULL is not a code"
    assert cleaned["NAME_PORTFOLIO"].tolist()[0] == "POS" and cleaned["NAME_PORTFOLIO_XNA"].tolist() == [
        0.0,
        1.0,
    ]


def test_assembly_gives_clients_without_history_zero_counts_and_null_statistics(applications, make_typed):
    history = {
        feature_set.name: feature_set.build(
            *(make_typed(table, pd.DataFrame()) for table in feature_set.tables)
        )
        for feature_set in HISTORY_FEATURE_SETS
    }
    frame = to_model_input_frame(assemble_model_input(application_features(applications), history))

    assert list(frame.columns) == ["SK_ID_CURR", "TARGET", *feature_columns()]
    assert (frame["BUREAU_LOAN_COUNT"] == 0).all() and (frame["INSTAL_COUNT"] == 0).all()
    assert frame["BUREAU_DAYS_CREDIT_MEAN"].isna().all() and frame["PREV_APPROVED_SHARE"].isna().all()
    assert frame["SK_ID_CURR"].is_monotonic_increasing and frame["SK_ID_CURR"].is_unique
    assert frame["SK_ID_CURR"].dtype == "int64" and frame["TARGET"].dtype == "int64"


def test_assembly_refuses_missing_history_tables(applications):
    with pytest.raises(ValueError, match="History features missing for"):
        assemble_model_input(application_features(applications), {})


def test_model_input_frame_dtypes_follow_the_contract(raw_tables, make_typed):
    tables = {name: make_typed(name, frame) for name, frame in raw_tables.items()}
    history = {s.name: s.build(*(tables[t] for t in s.tables)) for s in HISTORY_FEATURE_SETS}
    frame = to_model_input_frame(
        assemble_model_input(application_features(tables["application_test"]), history)
    )

    categorical = set(categorical_columns())
    assert "TARGET" not in frame.columns
    for column in feature_columns():
        if column in categorical:
            assert pd.api.types.is_string_dtype(frame[column]) and frame[column].dtype != object, column
        else:
            assert frame[column].dtype == np.float64, column
    assert frame["CODE_GENDER"].isna().any(), "categorical NULLs stay missing values"
    assert len(frame) == len(raw_tables["application_test"])
    assert ibis.__version__.startswith("12")
