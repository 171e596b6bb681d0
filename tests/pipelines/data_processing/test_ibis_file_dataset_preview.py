"""`IbisFileDataset.preview`: a table's first rows for Kedro-Viz, read from the file, not by the engine."""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd
import pytest
from kedro_datasets.pandas import ParquetDataset

from credit_scoring.pipelines.data_processing.datasets import IbisFileDataset

DUCKDB = {"backend": "duckdb", "database": ":memory:"}
FRAME = pd.DataFrame({"SK_ID_CURR": range(100_001, 100_011), "AMT_CREDIT": [1000.5 * i for i in range(10)]})


def dataset(path: Path, file_format: str, **load_args: object) -> IbisFileDataset:
    return IbisFileDataset(
        filepath=str(path), file_format=file_format, table_name="t", connection=DUCKDB, load_args=load_args
    )


def test_a_parquet_table_previews_as_pandas_parquet_dataset_does(tmp_path: Path) -> None:
    path = tmp_path / "bureau_features.parquet"
    FRAME.to_parquet(path, index=False)
    preview = dataset(path, "parquet").preview(nrows=3)
    assert preview == ParquetDataset(filepath=str(path)).preview(nrows=3)
    assert preview["columns"] == ["SK_ID_CURR", "AMT_CREDIT"] and preview["index"] == [0, 1, 2]
    assert preview["data"][2] == [100_003, 2001.0]
    assert len(dataset(path, "parquet").preview()["data"]) == 5  # Kedro-Viz's default


def test_a_spark_folder_of_part_files_previews(tmp_path: Path) -> None:
    folder = tmp_path / "staged_bureau.parquet"
    folder.mkdir()
    FRAME.iloc[:4].to_parquet(folder / "part-00000.parquet", index=False)
    FRAME.iloc[4:].to_parquet(folder / "part-00001.parquet", index=False)
    (folder / "_SUCCESS").write_text("")
    assert len(dataset(folder, "parquet").preview(nrows=6)["data"]) == 6


def test_a_raw_csv_previews_as_text_as_it_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "bureau.csv"
    pd.DataFrame({"SK_ID_CURR": ["100001", "100002"], "AMT_CREDIT": ["12.50", ""]}).to_csv(path, index=False)
    preview = dataset(path, "csv", all_varchar=True, header=True).preview(nrows=5)
    assert preview["columns"] == ["SK_ID_CURR", "AMT_CREDIT"]
    assert preview["data"] == [["100001", "12.50"], ["100002", ""]]


def test_kedro_viz_shows_it_as_a_table() -> None:
    annotation = inspect.signature(IbisFileDataset.preview).return_annotation
    assert getattr(annotation, "__name__", str(annotation)) == "TablePreview"


def test_a_missing_file_cannot_be_previewed(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        dataset(tmp_path / "missing.parquet", "parquet").preview()
