"""The serving data published with a model version (`credit_scoring.serving.serving_data`) against a real
MLflow registry in a temporary folder: published once by the registration, fetched once per host into its
cache, checked against the manifest, and the history store prepared there as memory-mapped arrays."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from mlflow.tracking import MlflowClient

from credit_scoring.serving.history import HistoryFeatureStore, history_feature_columns
from credit_scoring.serving.serving_data import (
    ARTIFACT_PATH,
    KEPT_VERSIONS,
    MANIFEST,
    SERVING_TABLES,
    TRAINING_COLUMNS,
    ServingDataError,
    cache_dir,
    data_folder_files,
    publish_serving_data,
    published_files,
    serving_tables,
)


def _history(ids: list[int]) -> pa.Table:
    columns = history_feature_columns()
    rng = np.random.default_rng(0)
    values = {column: rng.normal(size=len(ids)) for column in columns}
    values[columns[0]] = [None, *values[columns[0]][1:]]  # a NULL stays a NULL
    return pa.table({"SK_ID_CURR": ids, **values})


def _tables() -> dict[str, pa.Table]:
    clients = pd.DataFrame({"SK_ID_CURR": [3, 4], "NAME_CONTRACT_TYPE": ["Cash loans", "Revolving loans"]})
    training = pd.DataFrame({column: [1.0, 2.0] for column in TRAINING_COLUMNS} | {"EXTRA": [0, 1]})
    return serving_tables(
        clients=clients,
        client_features=pd.DataFrame({"SK_ID_CURR": [3, 4], "f": [0.5, 0.25]}),
        training_clients=training,
        history_features=_history([1, 2, 3, 4]),
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[MlflowClient, str, Path]:
    """A file-backed registry (one per module: creating its database costs seconds)."""
    folder = tmp_path_factory.mktemp("registry")
    client = MlflowClient(f"sqlite:///{folder / 'mlflow.db'}")
    artifacts = folder / "artifacts"
    return client, client.create_experiment("serving-data", artifact_location=artifacts.as_uri()), artifacts


@pytest.fixture
def registry(store) -> tuple[MlflowClient, str, Path]:
    """A run that published the serving data, and the registry's artifact folder."""
    client, experiment, artifacts = store
    run_id = client.create_run(experiment).info.run_id
    publish_serving_data(client, run_id, _tables())
    return client, run_id, artifacts


def _stored(artifacts: Path, run_id: str, name: str) -> Path:
    return next(artifacts.glob(f"**/{run_id}/artifacts/{ARTIFACT_PATH}/{name}"))


def test_published_tables_come_back_whole_once_per_host(registry, tmp_path: Path, monkeypatch) -> None:
    client, run_id, _artifacts = registry
    cache = tmp_path / "cache"
    files = published_files(client, run_id, cache, "credit-scoring-v1")
    assert files is not None and files.source == "registry"
    expected = _tables()
    for name in SERVING_TABLES:
        assert pq.read_table(getattr(files, name)).equals(expected[name])
    assert pq.read_table(files.training_clients).column_names == list(TRAINING_COLUMNS)  # EXTRA left out

    # a second worker (or a restart) of the host reuses the copy: the registry is not asked again
    def unreachable(*_args, **_kwargs):
        raise AssertionError("the registry was asked again")

    monkeypatch.setattr(client, "download_artifacts", unreachable)
    monkeypatch.setattr(client, "list_artifacts", unreachable)
    assert published_files(client, run_id, cache, "credit-scoring-v1") == files
    assert [path.name for path in cache.iterdir()] == ["credit-scoring-v1"]  # nothing half-written left


def test_a_run_without_serving_data_falls_back_to_none(store, tmp_path: Path) -> None:
    client, experiment, _artifacts = store
    run_id = client.create_run(experiment).info.run_id
    assert published_files(client, run_id, tmp_path / "cache", "v1") is None


def test_an_altered_artifact_is_refused_and_nothing_is_cached(registry, tmp_path: Path) -> None:
    client, run_id, artifacts = registry
    stored = _stored(artifacts, run_id, "client_features.parquet")
    pq.write_table(pa.table({"SK_ID_CURR": [3, 4], "f": [0.5, 0.99]}), stored)  # same shape, other values
    with pytest.raises(ServingDataError, match=r"client_features\.parquet: its size or SHA-256 differs"):
        published_files(client, run_id, tmp_path / "cache", "v1")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_missing_artifact_is_named(registry, tmp_path: Path) -> None:
    client, run_id, artifacts = registry
    _stored(artifacts, run_id, "history_features.parquet").unlink()
    with pytest.raises(ServingDataError, match=r"history_features\.parquet: missing"):
        published_files(client, run_id, tmp_path / "cache", "v1")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_cache_that_cannot_be_written_is_named(registry, tmp_path: Path) -> None:
    client, run_id, _artifacts = registry
    cache = tmp_path / "read-only"
    cache.mkdir(mode=0o500)
    with pytest.raises(ServingDataError, match="cannot be written"):
        published_files(client, run_id, cache, "v1")


def test_a_cache_folder_that_is_a_file_is_named(registry, tmp_path: Path) -> None:
    client, run_id, _artifacts = registry
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")
    with pytest.raises(ServingDataError, match="cannot be written"):
        published_files(client, run_id, blocked, "v1")


def test_the_cache_keeps_the_last_versions(registry, tmp_path: Path) -> None:
    client, run_id, _artifacts = registry
    cache = tmp_path / "cache"
    for version in range(1, KEPT_VERSIONS + 3):
        published_files(client, run_id, cache, f"v{version}")
        os.utime(cache / f"v{version}", (version * 1000, version * 1000))  # in publication order
    kept = sorted(path.name for path in cache.iterdir())
    assert kept == [f"v{version}" for version in range(3, KEPT_VERSIONS + 3)]


def test_the_history_store_is_prepared_once_and_memory_mapped(tmp_path: Path) -> None:
    source = tmp_path / "client_history_features.parquet"
    pq.write_table(_history([30, 10, 20]), source)
    parsed = HistoryFeatureStore.from_parquet(source)
    prepared = HistoryFeatureStore.prepared(source, tmp_path / "prepared")
    assert isinstance(prepared._values, np.memmap)
    for client in (10, 20, 30, 99):
        assert (client in prepared) == (client in parsed)
        left, right = prepared.row(client), parsed.row(client)
        assert (left is None and right is None) or np.allclose(
            [np.nan if v is None else v for v in left],
            [np.nan if v is None else v for v in right],
            equal_nan=True,
        )
    assert prepared.row(30)[1] is None and parsed.row(30)[1] is None  # NULL kept through the arrays
    source.unlink()  # later processes of the host map the prepared arrays, without the Parquet file
    again = HistoryFeatureStore.prepared(source, tmp_path / "prepared")
    assert again.row(20) == prepared.row(20)


def test_a_prepared_store_of_other_columns_is_rebuilt(tmp_path: Path) -> None:
    source = tmp_path / "client_history_features.parquet"
    pq.write_table(_history([1, 2]), source)
    folder = tmp_path / "prepared"
    HistoryFeatureStore.prepared(source, folder)
    (folder / "columns.json").write_text('["an old feature"]')
    assert HistoryFeatureStore.load_arrays(folder) is None
    assert HistoryFeatureStore.prepared(source, folder).row(2) is not None


def test_the_data_folder_files_are_keyed_by_the_store_file(tmp_path: Path) -> None:
    class Paths:
        staged_application_test = tmp_path / "t.parquet"
        staged_application_train = tmp_path / "tr.parquet"
        scoring_input_table = tmp_path / "s.parquet"
        client_history_features = tmp_path / "h.parquet"

    pq.write_table(_history([1]), Paths.client_history_features)
    first = data_folder_files(Paths, tmp_path / "cache")
    pq.write_table(_history([1, 2]), Paths.client_history_features)  # rewritten by a new data_processing
    second = data_folder_files(Paths, tmp_path / "cache")
    assert first.source == second.source == "data folder"
    assert first.prepared != second.prepared


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert cache_dir(tmp_path, {}) == tmp_path / "data" / "serving_cache"
    assert cache_dir(tmp_path, {"CREDIT_SCORING_CACHE_DIR": "/srv/cache"}) == Path("/srv/cache")


def test_the_manifest_names_rows_bytes_and_digest(registry, tmp_path: Path) -> None:
    client, run_id, _artifacts = registry
    files = published_files(client, run_id, tmp_path / "cache", "v1")
    entries = json.loads((files.clients.parent / MANIFEST).read_text())["files"]
    assert set(entries) == set(SERVING_TABLES)
    assert entries["history_features"]["rows"] == 4
    assert entries["clients"]["bytes"] == files.clients.stat().st_size
