"""The data_processing pipeline end to end on DuckDB: contract of the outputs, failures, configuration."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from data_processing_runs import PROJECT_ROOT, read_raw_csvs, run_data_processing, write_raw_csvs
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog

from credit_scoring.features.definitions import categorical_columns, feature_columns
from credit_scoring.pipelines.data_processing import create_pipeline
from credit_scoring.pipelines.data_processing.nodes import ClientIdentifierError, _check_disjoint_clients
from credit_scoring.raw import RawDataValidationError
from credit_scoring.serving import ClientHistoryStore, build_model_input_row
from tests.fixtures.raw_tables import client_history

RAW_DATASETS = {
    "application_train",
    "application_test",
    "bureau",
    "bureau_balance",
    "previous_application",
    "pos_cash_balance",
    "installments_payments",
    "credit_card_balance",
}


@pytest.fixture
def outputs(kedro_run_outputs) -> dict:
    return kedro_run_outputs


def test_pipeline_wiring_follows_the_conventions():
    pipeline = create_pipeline()

    assert all(node.name.endswith("_node") for node in pipeline.nodes)
    assert pipeline.inputs() == RAW_DATASETS | {"params:data_processing.validation"}
    assert {
        "model_input_table",
        "scoring_input_table",
        "feature_dictionary",
        "raw_data_validation_report",
    } <= (pipeline.all_outputs())


def test_model_inputs_follow_the_contract(outputs, raw_tables):
    train, test = outputs["model_input_table"], outputs["scoring_input_table"]

    assert list(train.columns) == ["SK_ID_CURR", "TARGET", *feature_columns()]
    assert list(test.columns) == ["SK_ID_CURR", *feature_columns()]
    assert train["SK_ID_CURR"].tolist() == sorted(raw_tables["application_train"]["SK_ID_CURR"])
    assert test["SK_ID_CURR"].tolist() == sorted(raw_tables["application_test"]["SK_ID_CURR"])
    assert train["SK_ID_CURR"].dtype == train["TARGET"].dtype == test["SK_ID_CURR"].dtype == np.int64
    assert set(train["TARGET"]) <= {0, 1}
    categorical = set(categorical_columns())
    for column in feature_columns():
        for frame in (train, test):
            if column in categorical:
                assert pd.api.types.is_string_dtype(frame[column]) and frame[column].dtype != object, column
            else:
                assert frame[column].dtype == np.float64, column
    assert 150 <= len(feature_columns()) <= 340


def test_feature_dictionary_describes_exactly_the_model_input(outputs):
    dictionary = outputs["feature_dictionary"]

    assert dictionary["feature"].tolist() == list(outputs["model_input_table"].columns[2:])


def test_validation_report_accounts_for_every_row(outputs, raw_tables):
    report = outputs["raw_data_validation_report"]

    assert {t: s["rows"] for t, s in report["tables"].items()} == {t: len(f) for t, f in raw_tables.items()}
    unattributed = report["unattributed_rows"]
    assert unattributed["bureau rows of clients in no application table"] == 2  # the sample's two orphans
    assert unattributed["bureau_balance rows of loans absent from bureau"] > 0
    previous = report["tables"]["previous_application"]["sentinels_to_null"]
    assert previous["NAME_CASH_LOAN_PURPOSE=XAP"] > 0 and previous["DAYS_TERMINATION"] > 0


def test_an_invalid_file_stops_the_run_with_its_name(raw_tables, tmp_path):
    broken = {name: frame.copy() for name, frame in raw_tables.items()}
    broken["credit_card_balance"].loc[3, "SK_DPD"] = -4
    write_raw_csvs(broken, tmp_path)

    with pytest.raises(
        RawDataValidationError, match=r"credit_card_balance.csv, column SK_DPD: 1 row\(s\) outside"
    ):
        run_data_processing(read_raw_csvs(tmp_path))


def test_a_client_in_both_train_and_test_is_refused():
    train = ibis.memtable({"SK_ID_CURR": [1, 2, 3, 4]})
    test = ibis.memtable({"SK_ID_CURR": [4, 5, 3]})

    with pytest.raises(ClientIdentifierError, match=r"share 2 SK_ID_CURR value\(s\), e.g. \[3, 4\]"):
        _check_disjoint_clients(train, test, max_examples=5)
    _check_disjoint_clients(train, ibis.memtable({"SK_ID_CURR": [7]}), max_examples=5)


def test_header_only_history_tables_give_clients_without_history(raw_tables, tmp_path):
    without_history = {
        name: frame.iloc[0:0] if not name.startswith("application") else frame
        for name, frame in raw_tables.items()
    }
    write_raw_csvs(without_history, tmp_path)

    outputs = run_data_processing(read_raw_csvs(tmp_path))

    train = outputs["model_input_table"]
    assert len(train) == len(raw_tables["application_train"])
    assert (train["BUREAU_LOAN_COUNT"] == 0).all() and train["INSTAL_DPD_MEAN"].isna().all()


def _catalog_config(env: str) -> dict:
    loader = OmegaConfigLoader(str(PROJECT_ROOT / "conf"), base_env="base", default_run_env=env)
    return {name: spec for name, spec in loader["catalog"].items() if not name.startswith("_")}


def test_spark_environment_redeclares_every_ibis_dataset_on_spark():
    base, spark = _catalog_config("local"), _catalog_config("spark")
    ibis_datasets = {name for name, spec in base.items() if "connection" in spec}

    assert ibis_datasets >= RAW_DATASETS
    for name in ibis_datasets:
        assert base[name]["connection"]["backend"] == "duckdb", name
        assert spark[name]["connection"]["backend"] == "pyspark", name
        assert spark[name]["connection"]["master"] == "local[*]", name
    for name in RAW_DATASETS:
        assert spark[name]["load_args"] == {"inferSchema": False, "header": True}
        # The lead's RawDataCheckHook finds the raw files through _describe()["filepath"].
        described = DataCatalog.from_config({name: spark[name]})[name]._describe()
        assert "01_raw" in Path(described["filepath"]).parts


def test_written_outputs_are_reproduced_by_the_online_path(kedro_run_project, outputs, raw_tables):
    scoring = outputs["scoring_input_table"]
    store = ClientHistoryStore.from_directory(kedro_run_project / "data/02_intermediate")
    test_clients = raw_tables["application_test"]
    for client in test_clients["SK_ID_CURR"].iloc[:2]:
        application = test_clients[test_clients["SK_ID_CURR"] == client].iloc[0].to_dict()
        expected = scoring[scoring["SK_ID_CURR"] == client].reset_index(drop=True)
        pd.testing.assert_frame_equal(build_model_input_row(application, store.history(client)), expected)
        pd.testing.assert_frame_equal(
            build_model_input_row(application, client_history(raw_tables, client)), expected
        )
