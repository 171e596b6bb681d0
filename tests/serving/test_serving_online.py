"""The online row of an application equals, exactly, the batch pipeline's row for the same client."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest

from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.model_input import assemble_model_input, to_model_input_frame
from credit_scoring.raw import RawDataValidationError
from credit_scoring.raw.tables import HISTORY_TABLES, RAW_FILES
from credit_scoring.raw.validation import stage_raw_table, validate_staged_table
from credit_scoring.serving import ApplicationFieldError, ClientHistoryStore
from credit_scoring.serving.online import build_model_input_row
from tests.fixtures.raw_tables import client_history


@pytest.fixture(scope="module")
def batch(raw_csv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The batch path on the sample CSV files: staged Parquet tables, as the pipeline writes them, and both
    model-input frames."""
    con = ibis.duckdb.connect(threads=1)
    store_dir = tmp_path_factory.mktemp("staged")
    typed = {}
    for table, file in RAW_FILES.items():
        raw = con.read_csv(str(raw_csv_dir / file), table_name=f"raw_{table}", all_varchar=True)
        path = store_dir / f"staged_{table.lower()}.parquet"
        con.to_parquet(stage_raw_table(raw, table), path)
        typed[table] = validate_staged_table(con.read_parquet(path), table, raw=raw).typed
    history = {s.name: s.build(*(typed[t] for t in s.tables)) for s in HISTORY_FEATURE_SETS}
    frames = {
        name: to_model_input_frame(assemble_model_input(application_features(typed[table]), history))
        for name, table in (("train", "application_train"), ("test", "application_test"))
    }
    return {"store_dir": store_dir, **frames}


def _batch_row(frame: pd.DataFrame, client: int) -> pd.DataFrame:
    return (
        frame[frame["SK_ID_CURR"] == client].drop(columns=["TARGET"], errors="ignore").reset_index(drop=True)
    )


def _application(raw_tables: dict[str, pd.DataFrame], table: str, client: int) -> dict:
    frame = raw_tables[table]
    return frame[frame["SK_ID_CURR"] == client].drop(columns=["TARGET"], errors="ignore").iloc[0].to_dict()


def _clients(raw_tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    test_ids = raw_tables["application_test"]["SK_ID_CURR"]
    counts = {t: raw_tables[t]["SK_ID_CURR"].value_counts() for t in HISTORY_TABLES if t != "bureau_balance"}
    with_all = [c for c in test_ids if all(c in counts[t].index for t in counts)]
    with_none = [c for c in test_ids if not any(c in counts[t].index for t in counts)]
    with_some = [c for c in test_ids if c not in with_all and c not in with_none]
    return {"all tables": with_all[0], "no history": with_none[0], "some tables": with_some[0]}


@pytest.mark.parametrize("kind", ["all tables", "no history", "some tables"])
def test_online_row_equals_batch_row_for_production_clients(raw_tables, batch, kind):
    client = _clients(raw_tables)[kind]

    online = build_model_input_row(
        _application(raw_tables, "application_test", client), client_history(raw_tables, client)
    )

    pd.testing.assert_frame_equal(online, _batch_row(batch["test"], client), check_exact=True)


def test_online_row_equals_batch_row_for_training_clients(raw_tables, batch):
    for client in raw_tables["application_train"]["SK_ID_CURR"].iloc[[1, 2, 4]]:
        online = build_model_input_row(
            _application(raw_tables, "application_train", client), client_history(raw_tables, client)
        )
        pd.testing.assert_frame_equal(online, _batch_row(batch["train"], client), check_exact=True)


def test_history_store_serves_a_known_clients_rows(raw_tables, batch):
    store = ClientHistoryStore.from_directory(batch["store_dir"])
    client = _clients(raw_tables)["all tables"]

    history = store.history(client)
    online = build_model_input_row(_application(raw_tables, "application_test", client), history)

    assert set(history) == set(HISTORY_TABLES)
    assert len(history["bureau_balance"]) == len(client_history(raw_tables, client)["bureau_balance"]) > 0
    pd.testing.assert_frame_equal(online, _batch_row(batch["test"], client), check_exact=True)
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
    client = _clients(raw_tables)["all tables"]
    application = _application(raw_tables, "application_test", client)

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
