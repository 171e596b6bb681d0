"""ModelInputRowBuilder: the batch row, exactly, from the stored history and the application alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from serving_batch import application_fields, batch_row, clients_by_history

from credit_scoring.raw import RawDataValidationError
from credit_scoring.serving import (
    NEW_APPLICANT_ID,
    ApplicationFieldError,
    HistoryFeatureStore,
    ModelInputRowBuilder,
    build_model_input_row,
)
from credit_scoring.serving.history import history_feature_columns
from tests.fixtures.raw_tables import client_history


@pytest.fixture(scope="module")
def builder(batch) -> ModelInputRowBuilder:
    return ModelInputRowBuilder.from_store(batch["store_path"])


@pytest.mark.parametrize(("table", "frame"), [("application_test", "test"), ("application_train", "train")])
def test_every_known_clients_row_equals_the_batch_row(raw_tables, batch, builder, table, frame):
    clients = raw_tables[table]["SK_ID_CURR"].tolist()[::-1]  # not in the batch order
    applications = [application_fields(raw_tables, table, client) for client in clients]

    rows = builder.build_many(applications)

    expected = batch[frame].drop(columns=["TARGET"], errors="ignore").set_index("SK_ID_CURR").loc[clients]
    pd.testing.assert_frame_equal(rows, expected.reset_index(), check_exact=True)
    assert all(builder.is_known(client) for client in clients)
    pd.testing.assert_frame_equal(
        builder.build(applications[3]), batch_row(batch[frame], clients[3]), check_exact=True
    )


def test_a_new_applicant_gets_the_batch_row_of_a_client_without_history(raw_tables, batch, builder):
    client = clients_by_history(raw_tables)["no history"]
    fields = application_fields(raw_tables, "application_test", client)
    del fields["SK_ID_CURR"]

    row = builder.build(fields)

    expected = batch_row(batch["test"], client).assign(SK_ID_CURR=np.int64(NEW_APPLICANT_ID))
    pd.testing.assert_frame_equal(row, expected, check_exact=True)
    assert row.loc[0, "BUREAU_LOAN_COUNT"] == 0


def test_an_unknown_identifier_is_a_new_applicant_and_matches_the_reference_builder(raw_tables, builder):
    fields = {
        **application_fields(raw_tables, "application_test", clients_by_history(raw_tables)["all tables"])
    }
    fields["SK_ID_CURR"] = 999_999

    assert not builder.is_known(999_999)
    pd.testing.assert_frame_equal(builder.build(fields), build_model_input_row(fields), check_exact=True)


def test_a_known_clients_new_application_meets_its_stored_history(raw_tables, builder):
    client = clients_by_history(raw_tables)["all tables"]
    fields = application_fields(raw_tables, "application_test", client)
    what_if = {**fields, "AMT_ANNUITY": 31_500.0, "AMT_INCOME_TOTAL": "99000", "EXT_SOURCE_2": None}

    expected = build_model_input_row(what_if, client_history(raw_tables, client))  # reference: raw history
    row = builder.build(what_if)

    pd.testing.assert_frame_equal(row, expected, check_exact=True)
    assert not pd.isna(row.loc[0, "TOTAL_ANNUITY_INCOME_RATIO"])


def test_build_many_keeps_the_order_and_the_repeated_clients(raw_tables, builder):
    known = clients_by_history(raw_tables)["some tables"]
    fields = application_fields(raw_tables, "application_test", known)
    new = {k: v for k, v in fields.items() if k != "SK_ID_CURR"}
    applications = [fields, new, {**fields, "AMT_CREDIT": 1_000.0}, new]

    rows = builder.build_many(applications)

    assert rows["SK_ID_CURR"].tolist() == [known, NEW_APPLICANT_ID, known, NEW_APPLICANT_ID]
    for i, one in enumerate(applications):
        pd.testing.assert_frame_equal(
            rows.iloc[[i]].reset_index(drop=True), builder.build(one), check_exact=True
        )
    assert builder.build_many([]).columns.tolist() == builder.columns


def test_invalid_values_get_the_batch_validation_messages(raw_tables, builder):
    fields = application_fields(raw_tables, "application_test", clients_by_history(raw_tables)["all tables"])
    invalid = [  # each check costs a full batch validation in both builders: few, problem-packed requests
        {**fields, "AMT_CREDIT": "a lot", "NAME_CONTRACT_TYPE": "Mortgage", "DAYS_BIRTH": 10},
        {**fields, "SK_ID_CURR": "client 7", "CNT_CHILDREN": 1.5, "EXT_SOURCE_1": math.inf},
    ]
    for application in invalid:
        with pytest.raises(RawDataValidationError) as reference:
            build_model_input_row(application)
        with pytest.raises(RawDataValidationError) as error:
            builder.build(application)
        assert str(error.value) == str(reference.value)
        assert str(error.value).count("application, column ") >= 3  # + SK_ID_CURR missing when unparsable


def test_field_errors_name_the_fields(builder):
    with pytest.raises(ApplicationFieldError, match=r"unknown field\(s\) \['AMT_CREDITT', 'TARGET'\]"):
        builder.build({"AMT_CREDITT": 1.0, "TARGET": 1})
    with pytest.raises(
        ApplicationFieldError, match="field CNT_CHILDREN: expected a number or text, got the boolean"
    ):
        builder.build({"CNT_CHILDREN": True})
    with pytest.raises(ApplicationFieldError, match="application 1: expected a mapping of fields, got list"):
        builder.build_many([{}, ["AMT_CREDIT", 1.0]])
    with pytest.raises(
        RawDataValidationError, match=r"application 2, column AMT_CREDIT: 1 row\(s\) not a number"
    ):
        builder.build_many([{}, {}, {"AMT_CREDIT": "a lot"}])


def test_unknown_categories_pass_with_a_warning_when_the_settings_say_so(raw_tables, batch, caplog):
    fields = {"AMT_INCOME_TOTAL": 100_000, "NAME_CONTRACT_TYPE": "Mortgage"}
    lenient = ModelInputRowBuilder.from_store(batch["store_path"], {"unknown_categories": "warn"})

    row = lenient.build(fields)

    assert row.loc[0, "NAME_CONTRACT_TYPE"] == "Mortgage"
    assert "unknown category" in caplog.text
    with pytest.raises(RawDataValidationError, match="unknown category"):
        ModelInputRowBuilder(lenient.history).build(fields)


def _store_table(ids: list[int], first: list[float | None]) -> pa.Table:
    columns = history_feature_columns()
    data = {"SK_ID_CURR": pa.array(ids, pa.int64())}
    data[columns[0]] = pa.array(first, pa.float64())
    for column in columns[1:]:
        data[column] = pa.array([1.0] * len(ids), pa.float64())
    return pa.table(data)


def test_the_store_keeps_null_apart_from_nan_and_sorts_its_keys():
    store = HistoryFeatureStore(_store_table([30, 10, 20], [None, math.nan, 2.5]))

    assert len(store) == 3 and 10 in store and 15 not in store and True not in store
    assert store.row(30)[:2] == (30, None)
    assert math.isnan(store.row(10)[1])
    assert store.row(20)[:3] == (20, 2.5, 1.0)
    assert store.row(15) is None


def test_a_store_that_does_not_match_the_feature_definitions_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"duplicated SK_ID_CURR \[10\]"):
        HistoryFeatureStore(_store_table([10, 10], [1.0, 2.0]))
    with pytest.raises(ValueError, match="rerun kedro run --pipelines data_processing"):
        HistoryFeatureStore(_store_table([10], [1.0]).drop_columns([history_feature_columns()[-1]]))
    with pytest.raises(FileNotFoundError, match=r"client_history_features\.parquet"):
        ModelInputRowBuilder.from_store(tmp_path / "client_history_features.parquet")
