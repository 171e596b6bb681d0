"""Raw-data validation: accepts real-world quirks, rejects broken files with a precise message."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

from credit_scoring.raw.schema import UNKNOWN_CATEGORY
from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES
from credit_scoring.raw.validation import (
    RawDataValidationError,
    ValidationSettings,
    stage_raw_table,
    typed_columns,
    validate_raw_table,
    validation_counts,
)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_sample_tables_are_valid_and_typed(raw_tables, read_text, table):
    result = validate_raw_table(read_text(raw_tables[table], table), table)

    typed = result.typed.to_pandas()
    assert list(typed.columns) == list(RAW_TABLES[table])
    assert len(typed) == len(raw_tables[table]) == result.summary["rows"]
    for column, kind in RAW_TABLES[table].items():
        expected = {"int64": "int64", "float64": "float64"}.get(kind)
        if expected:
            assert typed[column].dtype == expected, column
    pd.testing.assert_series_equal(
        typed.iloc[:, 0].sort_values(ignore_index=True),
        raw_tables[table].iloc[:, 0].sort_values(ignore_index=True),
    )


def test_summary_counts_sentinels_and_codes(raw_tables, read_text):
    app = raw_tables["application_train"]
    summary = validate_raw_table(read_text(app, "app"), "application_train").summary

    assert summary["sentinels_to_null"]["DAYS_EMPLOYED"] == int((app.DAYS_EMPLOYED == DAYS_SENTINEL).sum())
    assert summary["sentinels_to_null"]["CODE_GENDER=XNA"] == int((app.CODE_GENDER == "XNA").sum()) > 0
    assert summary["null_counts"]["EXT_SOURCE_1"] == int(app.EXT_SOURCE_1.isna().sum())


def test_header_only_history_table_is_valid(raw_tables, read_text):
    empty = raw_tables["bureau_balance"].iloc[0:0]
    result = validate_raw_table(read_text(empty, "bb"), "bureau_balance")

    assert result.summary["rows"] == 0
    assert result.typed.count().to_pyarrow().as_py() == 0
    schema = {name: str(dtype) for name, dtype in result.typed.schema().items()}
    assert schema == {"SK_ID_BUREAU": "int64", "MONTHS_BALANCE": "int64", "STATUS": "string"}


def test_integer_valued_floats_are_accepted_in_integer_columns(raw_tables, read_text):
    bureau = _as_text(raw_tables["bureau"].head(5))
    bureau["SK_ID_BUREAU"] = [f"{value}.0" for value in raw_tables["bureau"]["SK_ID_BUREAU"].head(5)]

    typed = validate_raw_table(read_text(bureau, "bureau"), "bureau").typed.to_pandas()

    assert typed["SK_ID_BUREAU"].dtype == "int64"
    assert typed["SK_ID_BUREAU"].tolist() == raw_tables["bureau"]["SK_ID_BUREAU"].head(5).tolist()


def test_extra_columns_are_reported_and_ignored(raw_tables, read_text, caplog):
    bureau = raw_tables["bureau"].head(5).assign(COMMENT="free text")

    with caplog.at_level(logging.WARNING):
        result = validate_raw_table(read_text(bureau, "bureau"), "bureau")

    assert result.summary["extra_columns_ignored"] == ["COMMENT"]
    assert "COMMENT" not in result.typed.columns
    assert "bureau.csv" in caplog.text and "COMMENT" in caplog.text


def test_missing_column_is_named_with_a_hint_for_a_near_miss(raw_tables, read_text):
    instalments = raw_tables["installments_payments"].head(3).rename(columns={"SK_ID_PREV": "sk_id_prev"})
    instalments = instalments.drop(columns=["AMT_PAYMENT"])

    with pytest.raises(RawDataValidationError) as raised:
        validate_raw_table(read_text(instalments, "inst"), "installments_payments")

    message = str(raised.value)
    assert "installments_payments.csv, column AMT_PAYMENT: required column is missing" in message
    assert "column SK_ID_PREV: required column is missing (found 'sk_id_prev'" in message


def test_unparsable_number_names_file_column_value_and_row(raw_tables, read_text):
    bureau = _as_text(raw_tables["bureau"].head(6))
    bureau.loc[2, "AMT_CREDIT_SUM"] = "12 000,50"
    loan = raw_tables["bureau"]["SK_ID_BUREAU"].iloc[2]

    with pytest.raises(RawDataValidationError) as raised:
        validate_raw_table(read_text(bureau, "bureau"), "bureau")

    problem = raised.value.problems[0]
    assert (problem.file, problem.column, problem.count) == ("bureau.csv", "AMT_CREDIT_SUM", 1)
    assert "not a number" in problem.issue
    assert problem.examples == (
        f"'12 000,50' (SK_ID_BUREAU={loan}, SK_ID_CURR={bureau.loc[2, 'SK_ID_CURR']})",
    )


BROKEN_VALUES = [  # (column, value, issue): one per row, all reported by one validation
    ("CNT_CHILDREN", "1.5", "not an integer"),
    ("EXT_SOURCE_2", "1.7", "outside the plausible range [0, 1]"),
    ("DAYS_EMPLOYED", "400000", "outside the plausible range [-36525, 0]"),
    ("AMT_CREDIT", "-100", "outside the plausible range [0, +inf]"),
    ("AMT_INCOME_TOTAL", "inf", "not a finite number"),
    ("AMT_ANNUITY", "NaN", "not a finite number"),
    ("SK_ID_CURR", "1e30", "not an integer"),
]


def test_value_rules_reject_implausible_values_all_at_once(raw_tables, read_text):
    app = _as_text(raw_tables["application_test"].head(len(BROKEN_VALUES) + 1))
    for row, (column, value, _) in enumerate(BROKEN_VALUES):
        app.loc[row, column] = value

    with pytest.raises(RawDataValidationError) as raised:
        validate_raw_table(read_text(app, "app"), "application_test")

    found = {(p.column, p.issue): p for p in raised.value.problems}
    assert len(raised.value.problems) == len(BROKEN_VALUES)
    for column, value, issue in BROKEN_VALUES:
        problem = found[(column, issue)]
        shown = float(problem.examples[0].split(" (")[0])
        assert problem.count == 1 and (shown == float(value) or math.isnan(float(value))), column
        assert f"application_test.csv, column {column}: 1 row(s) {issue}" in str(raised.value)


def test_days_sentinel_is_allowed_where_the_real_data_uses_it(raw_tables, read_text):
    app = raw_tables["application_test"].head(4).copy()
    app["DAYS_EMPLOYED"] = DAYS_SENTINEL
    validate_raw_table(read_text(app, "app"), "application_test")

    app["DAYS_BIRTH"] = DAYS_SENTINEL  # not a sentinel column: a broken value there
    with pytest.raises(RawDataValidationError, match="column DAYS_BIRTH"):
        validate_raw_table(read_text(app, "app"), "application_test")


def test_unknown_category_is_an_error_when_asked(raw_tables, read_text):
    bureau = raw_tables["bureau"].head(8).copy()
    bureau.loc[[0, 3], "CREDIT_ACTIVE"] = "Activ"

    with pytest.raises(RawDataValidationError) as raised:
        validate_raw_table(read_text(bureau, "bureau"), "bureau", {"unknown_categories": "error"})
    assert "bureau.csv, column CREDIT_ACTIVE: 2 row(s) unknown category; e.g. 'Activ' (2 rows)" in str(
        raised.value
    )
    with pytest.raises(RawDataValidationError):
        validate_raw_table(read_text(bureau, "bureau"), "bureau")  # strict without settings


def test_unknown_category_warns_maps_to_the_unknown_level_and_is_counted(raw_tables, read_text, caplog):
    bureau = raw_tables["bureau"].head(8).copy()
    bureau.loc[[0, 3], "CREDIT_ACTIVE"] = "Activ"
    bureau.loc[5, "CREDIT_TYPE"] = "Buy now, pay later"
    settings = ValidationSettings(unknown_categories="warn")

    with caplog.at_level(logging.WARNING):
        result = validate_raw_table(read_text(bureau, "bureau"), "bureau", settings)

    typed = result.typed.to_pandas()
    expected = bureau["CREDIT_ACTIVE"].mask(bureau.index.isin([0, 3]), UNKNOWN_CATEGORY)
    assert typed["CREDIT_ACTIVE"].fillna("-").tolist() == expected.fillna("-").tolist()
    assert typed.loc[5, "CREDIT_TYPE"] == UNKNOWN_CATEGORY
    assert result.summary["unknown_categories"] == {
        "CREDIT_ACTIVE": {"rows": 2, "values": ["'Activ' (2 rows)"]},
        "CREDIT_TYPE": {"rows": 1, "values": ["'Buy now, pay later' (1 rows)"]},
    }
    assert "'Activ'" in caplog.text and UNKNOWN_CATEGORY in result.summary["warnings"][0]


def test_online_queries_follow_the_unknown_category_setting(raw_tables, read_text):
    application = raw_tables["application_test"].head(3).copy()
    application.loc[1, "NAME_INCOME_TYPE"] = "Gig worker"
    staged = stage_raw_table(read_text(application, "app"), "application_test")

    def failing(settings: ValidationSettings) -> int:
        counts = validation_counts(staged, "application_test", settings, with_summary=False)
        return sum(counts.to_pyarrow().to_pylist()[0].values())

    assert failing(ValidationSettings(unknown_categories="error")) == 1
    assert failing(ValidationSettings(unknown_categories="warn")) == 0
    warned = typed_columns(staged, "application_test", ValidationSettings(unknown_categories="warn"))
    assert warned.to_pandas()["NAME_INCOME_TYPE"].tolist()[1] == UNKNOWN_CATEGORY
    kept = typed_columns(staged, "application_test", {"unknown_categories": "error"})
    assert kept.to_pandas()["NAME_INCOME_TYPE"].tolist()[1] == "Gig worker"


def test_duplicated_identifiers_and_missing_identifiers_are_errors(raw_tables, read_text):
    previous = _as_text(raw_tables["previous_application"].head(6))
    previous.loc[4, "SK_ID_PREV"] = previous.loc[1, "SK_ID_PREV"]
    previous.loc[5, "SK_ID_CURR"] = None

    with pytest.raises(RawDataValidationError) as raised:
        validate_raw_table(read_text(previous, "prev"), "previous_application")

    message = str(raised.value)
    assert "previous_application.csv, column SK_ID_CURR: 1 row(s) missing although required" in message
    duplicated = previous.loc[1, "SK_ID_PREV"]
    assert f"column SK_ID_PREV: duplicated identifier (1 extra row(s)); e.g. {duplicated} (2 rows)" in message
    assert len(raised.value.problems) == 2, "every problem is reported at once"


def test_target_must_be_zero_or_one(raw_tables, read_text):
    train = raw_tables["application_train"].head(5).copy()
    train["TARGET"] = np.array([0, 1, 2, 0, 1])

    with pytest.raises(
        RawDataValidationError, match=r"column TARGET: 1 row\(s\) outside the plausible range"
    ):
        validate_raw_table(read_text(train, "train"), "application_train")
