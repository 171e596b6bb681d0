"""The batch path on the tiny raw tables, as data_processing runs it: staged Parquet tables, both model inputs
and the keyed history-feature store of the online path."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.model_input import assemble_model_input, to_model_input_frame
from credit_scoring.pipelines.data_processing.nodes import build_client_history_features
from credit_scoring.raw.tables import RAW_FILES
from credit_scoring.raw.validation import stage_raw_table, validate_staged_table


@pytest.fixture(scope="session")
def batch(raw_csv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``store_dir`` (staged tables), ``store_path`` (history store), ``train``, ``test`` (model inputs)."""
    con = ibis.duckdb.connect(threads=1)
    store_dir = tmp_path_factory.mktemp("staged")
    typed = {}
    for table, file in RAW_FILES.items():
        raw = con.read_csv(str(raw_csv_dir / file), table_name=f"raw_{table}", all_varchar=True)
        path = store_dir / f"staged_{table.lower()}.parquet"
        con.to_parquet(stage_raw_table(raw, table), path)
        typed[table] = validate_staged_table(con.read_parquet(path), table, raw=raw).typed
    history = {s.name: s.build(*(typed[t] for t in s.tables)) for s in HISTORY_FEATURE_SETS}
    applications = {name: application_features(typed[f"application_{name}"]) for name in ("train", "test")}
    frames = {
        name: to_model_input_frame(assemble_model_input(features, history))
        for name, features in applications.items()
    }
    store_path = store_dir / "client_history_features.parquet"
    store = build_client_history_features(
        application_train_features=applications["train"],
        application_test_features=applications["test"],
        **{f"{name}_features": features for name, features in history.items()},
    )
    con.to_parquet(store, store_path)
    return {"store_dir": store_dir, "store_path": store_path, **frames}
