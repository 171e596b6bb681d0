"""Real files hold category levels the lists lack: by default the run warns, maps them and counts them."""

from __future__ import annotations

import pytest
from data_processing_runs import project_parameters, read_raw_csvs, run_data_processing, write_raw_csvs

from credit_scoring.raw import RawDataValidationError
from credit_scoring.raw.schema import UNKNOWN_CATEGORY


@pytest.fixture(scope="module")
def raw_with_new_levels(raw_tables, tmp_path_factory):
    tables = {name: frame.copy() for name, frame in raw_tables.items()}
    tables["application_train"].loc[0, "NAME_INCOME_TYPE"] = "Gig worker"
    tables["bureau"].loc[[0, 1], "CREDIT_TYPE"] = "Buy now, pay later"
    return tables, write_raw_csvs(tables, tmp_path_factory.mktemp("new_levels"))


def test_unknown_levels_are_mapped_and_counted_by_default(raw_with_new_levels):
    tables, directory = raw_with_new_levels
    assert project_parameters()["data_processing"]["validation"]["unknown_categories"] == "warn"

    outputs = run_data_processing(read_raw_csvs(directory))

    train = outputs["model_input_table"].set_index("SK_ID_CURR")
    client = tables["application_train"].loc[0, "SK_ID_CURR"]
    assert train.loc[client, "NAME_INCOME_TYPE"] == UNKNOWN_CATEGORY
    assert (train["NAME_INCOME_TYPE"] == UNKNOWN_CATEGORY).sum() == 1
    report = outputs["raw_data_validation_report"]
    assert report["unknown_categories"] == {
        "mapped_to": UNKNOWN_CATEGORY,
        "rows": {"application_train.NAME_INCOME_TYPE": 1, "bureau.CREDIT_TYPE": 2},
    }
    assert report["tables"]["bureau"]["unknown_categories"]["CREDIT_TYPE"] == {
        "rows": 2,
        "values": ["'Buy now, pay later' (2 rows)"],
    }


def test_unknown_levels_stop_the_run_when_set_to_error(raw_with_new_levels):
    _, directory = raw_with_new_levels
    parameters = project_parameters()
    parameters["data_processing"]["validation"]["unknown_categories"] = "error"

    with pytest.raises(RawDataValidationError, match=r"application_train.csv, column NAME_INCOME_TYPE"):
        run_data_processing(read_raw_csvs(directory), parameters)
