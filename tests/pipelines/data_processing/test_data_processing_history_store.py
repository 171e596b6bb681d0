"""`kedro run --pipelines data_processing` writes the keyed history store the online row builder serves."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from credit_scoring.serving import ModelInputRowBuilder
from credit_scoring.serving.history import history_feature_columns

STORE = "data/04_feature/client_history_features.parquet"


def test_the_store_holds_every_client_once_sorted_with_the_history_columns(kedro_run_project, raw_tables):
    store = pq.read_table(kedro_run_project / STORE).to_pandas()

    clients = sorted(
        [*raw_tables["application_train"]["SK_ID_CURR"], *raw_tables["application_test"]["SK_ID_CURR"]]
    )
    assert store["SK_ID_CURR"].tolist() == clients
    assert list(store.columns) == ["SK_ID_CURR", *history_feature_columns()]


def test_rows_built_from_the_written_store_equal_the_written_model_inputs(
    kedro_run_project, kedro_run_outputs, raw_tables
):
    builder = ModelInputRowBuilder.from_store(kedro_run_project / STORE)
    for table, name in (
        ("application_test", "scoring_input_table"),
        ("application_train", "model_input_table"),
    ):
        applications = raw_tables[table].drop(columns=["TARGET"], errors="ignore").to_dict(orient="records")

        rows = builder.build_many(applications)

        expected = kedro_run_outputs[name].drop(columns=["TARGET"], errors="ignore")
        expected = expected.set_index("SK_ID_CURR").loc[rows["SK_ID_CURR"]].reset_index()
        pd.testing.assert_frame_equal(rows, expected, check_exact=True)
