"""The reference online builder (raw history, DuckDB per request) equals the batch pipeline's row, exactly."""

from __future__ import annotations

import pandas as pd
import pytest
from serving_batch import application_fields, batch_row, clients_by_history

from credit_scoring.raw import RawDataValidationError
from credit_scoring.raw.tables import HISTORY_TABLES
from credit_scoring.serving import ApplicationFieldError, ClientHistoryStore
from credit_scoring.serving.online import build_model_input_row
from tests.fixtures.raw_tables import client_history


@pytest.mark.parametrize("kind", ["all tables", "no history", "some tables"])
def test_online_row_equals_batch_row_for_production_clients(raw_tables, batch, kind):
    client = clients_by_history(raw_tables)[kind]

    online = build_model_input_row(
        application_fields(raw_tables, "application_test", client), client_history(raw_tables, client)
    )

    pd.testing.assert_frame_equal(online, batch_row(batch["test"], client), check_exact=True)


def test_online_row_equals_batch_row_for_training_clients(raw_tables, batch):
    for client in raw_tables["application_train"]["SK_ID_CURR"].iloc[[1, 2, 4]]:
        online = build_model_input_row(
            application_fields(raw_tables, "application_train", client), client_history(raw_tables, client)
        )
        pd.testing.assert_frame_equal(online, batch_row(batch["train"], client), check_exact=True)


def test_history_store_serves_a_known_clients_rows(raw_tables, batch):
    store = ClientHistoryStore.from_directory(batch["store_dir"])
    client = clients_by_history(raw_tables)["all tables"]

    history = store.history(client)
    online = build_model_input_row(application_fields(raw_tables, "application_test", client), history)

    assert set(history) == set(HISTORY_TABLES)
    assert len(history["bureau_balance"]) == len(client_history(raw_tables, client)["bureau_balance"]) > 0
    pd.testing.assert_frame_equal(online, batch_row(batch["test"], client), check_exact=True)
    assert all(frame.empty for frame in store.history(123).values()), "an unknown client has no history"


def test_history_store_needs_the_validated_tables(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"staged_bureau\.parquet"):
        ClientHistoryStore.from_directory(tmp_path)


def test_missing_optional_fields_are_null_and_unknown_fields_are_refused(raw_tables):
    minimal = {"SK_ID_CURR": 1, "AMT_INCOME_TOTAL": 100_000, "AMT_CREDIT": 250_000.0, "CODE_GENDER": "M"}
    row = build_model_input_row(minimal)

    assert row.loc[0, "CREDIT_INCOME_RATIO"] == 2.5 and pd.isna(row.loc[0, "EXT_SOURCE_1"])
    assert row.loc[0, "BUREAU_LOAN_COUNT"] == 0 and row.loc[0, "CODE_GENDER"] == "M"
    with pytest.raises(ApplicationFieldError, match=r"unknown field\(s\) \['AMT_CREDITT', 'TARGET'\]"):
        build_model_input_row({**minimal, "AMT_CREDITT": 1.0, "TARGET": 1})
    with pytest.raises(ApplicationFieldError, match="SK_ID_CURR is required"):
        build_model_input_row({"AMT_CREDIT": 1.0})
    with pytest.raises(
        ApplicationFieldError, match="field CNT_CHILDREN: expected a number or text, got the boolean"
    ):
        build_model_input_row({**minimal, "CNT_CHILDREN": True})


def test_invalid_values_are_named_like_in_batch(raw_tables):
    client = clients_by_history(raw_tables)["all tables"]
    application = application_fields(raw_tables, "application_test", client)

    with pytest.raises(
        RawDataValidationError, match=r"application, column AMT_CREDIT: 1 row\(s\) not a number"
    ):
        build_model_input_row({**application, "AMT_CREDIT": "a lot"})
    with pytest.raises(
        RawDataValidationError, match=r"application, column NAME_CONTRACT_TYPE: .*unknown category"
    ):
        build_model_input_row({**application, "NAME_CONTRACT_TYPE": "Mortgage"})

    history = client_history(raw_tables, client)
    history["bureau"] = history["bureau"].assign(CREDIT_ACTIVE="Paused")
    with pytest.raises(RawDataValidationError, match="history table bureau, column CREDIT_ACTIVE"):
        build_model_input_row(application, history)
    with pytest.raises(ApplicationFieldError, match="unknown history table"):
        build_model_input_row(application, {"bureau_balances": history["bureau_balance"]})
    with pytest.raises(
        ApplicationFieldError, match=r"history table bureau: missing column\(s\) \['SK_ID_BUREAU'\]"
    ):
        build_model_input_row(application, {"bureau": history["bureau"].drop(columns=["SK_ID_BUREAU"])})
