"""The pipeline: deterministic output, chunked writing, never overwriting data, manifest, clear errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from kedro.io import DatasetError

from credit_scoring.datasets.csv_tables import CsvTablesDataset, TablesChunk
from credit_scoring.pipelines.demo_data import create_pipeline
from credit_scoring.pipelines.demo_data.config import DemoDataParams, make_plan
from credit_scoring.pipelines.demo_data.nodes import plan_demo_data
from credit_scoring.raw.tables import RAW_FILES


def test_pipeline_wiring():
    pipeline = create_pipeline()
    assert {node.name for node in pipeline.nodes} == {"plan_demo_data_node", "generate_demo_data_node"}
    assert pipeline.inputs() == {"params:demo_data", "home_credit_profile"}
    assert pipeline.outputs() == {"demo_raw_tables"}


def test_same_seed_gives_byte_identical_files(small_run, tmp_path, run_demo):
    run_demo(tmp_path, seed=42)
    for file in RAW_FILES.values():
        assert (tmp_path / file).read_bytes() == (small_run[0] / file).read_bytes(), file


def test_another_seed_gives_other_data(small_run, tmp_path, run_demo):
    run_demo(tmp_path, seed=43, n_train=500, n_test=100)
    first = pd.read_csv(small_run[0] / "application_train.csv", nrows=500)
    other = pd.read_csv(tmp_path / "application_train.csv")
    assert not first["AMT_CREDIT"].equals(other["AMT_CREDIT"])


def test_manifest_records_the_run(small_run):
    out_dir, manifest = small_run
    assert manifest["complete"] is True
    assert (manifest["seed"], manifest["preset"], manifest["drift"]) == (42, "small", "none")
    assert manifest["clients"] == {"train": 4_000, "test": 800}
    for table, file in RAW_FILES.items():
        lines = (out_dir / file).read_text().count("\n")
        assert manifest["rows"][table] == lines - 1, table
    json.dumps(manifest)


def test_chunks_write_one_header_and_continue_the_ids(tmp_path, run_demo):
    manifest = run_demo(tmp_path, seed=5, n_train=900, n_test=300, chunk_clients=400)
    assert manifest["chunks"] == {"done": 3, "total": 3}
    train = pd.read_csv(tmp_path / "application_train.csv")
    test = pd.read_csv(tmp_path / "application_test.csv")
    ids = pd.concat([train["SK_ID_CURR"], test["SK_ID_CURR"]]).sort_values()
    assert ids.tolist() == list(range(100_002, 100_002 + 1_200))
    for table, key in (("bureau", "SK_ID_BUREAU"), ("previous_application", "SK_ID_PREV")):
        frame = pd.read_csv(tmp_path / RAW_FILES[table])
        assert frame[key].is_unique, table
        assert pd.api.types.is_integer_dtype(frame[key]), "a header line was repeated inside the file"


def test_existing_files_are_never_overwritten(tmp_path, run_demo):
    precious = tmp_path / "application_train.csv"
    precious.write_text("SK_ID_CURR,TARGET\n1,0\n")
    with pytest.raises(DatasetError, match=r"Refusing to overwrite existing files.*application_train\.csv"):
        run_demo(tmp_path, seed=1, n_train=50, n_test=10)
    assert precious.read_text() == "SK_ID_CURR,TARGET\n1,0\n"
    assert not (tmp_path / "bureau.csv").exists()


def test_overwrite_parameter_allows_replacing_files(tmp_path, run_demo):
    (tmp_path / "application_train.csv").write_text("old\n")
    run_demo(tmp_path, seed=1, n_train=50, n_test=10, overwrite=True)
    assert len(pd.read_csv(tmp_path / "application_train.csv")) == 50


def test_dataset_rejects_unknown_tables_and_loads_lazily(tmp_path):
    dataset = CsvTablesDataset(path=str(tmp_path), file_names={"a": "a.csv"})
    with pytest.raises(DatasetError, match=r"Unknown tables \['b'\]"):
        dataset.save(TablesChunk({"b": pd.DataFrame({"x": [1]})}))
    dataset.save(TablesChunk({"a": pd.DataFrame({"x": [1, 2]})}))
    dataset.save(TablesChunk({"a": pd.DataFrame({"x": [3]})}))
    assert dataset.load()["a"]()["x"].tolist() == [1, 2, 3]
    with pytest.raises(DatasetError, match="do not exist"):
        CsvTablesDataset(path=str(tmp_path), file_names={"z": "z.csv"}).load()


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"preset": "huge"}, "unknown preset 'huge'"),
        ({"drift": "meteor"}, "unknown drift scenario 'meteor'"),
        ({"n_train": 0}, "n_train"),
        ({"sedd": 1}, "sedd"),
        ({"signal": {"beta": -1}}, "beta"),
    ],
)
def test_bad_parameters_get_a_clear_error(parameters, message):
    with pytest.raises(ValueError, match=message):
        plan_demo_data(parameters)


def test_presets_split_into_chunks_of_contiguous_clients():
    plan = make_plan(DemoDataParams(preset="full"))
    assert (plan.n_train, plan.n_test) == (307_511, 48_744)
    assert sum(c.n_train for c in plan.chunks) == 307_511
    assert sum(c.n_test for c in plan.chunks) == 48_744
    for before, after in zip(plan.chunks, plan.chunks[1:], strict=False):
        assert after.first_sk_id_curr == before.first_sk_id_curr + before.n_train + before.n_test
    assert max(c.n_train + c.n_test for c in plan.chunks) <= 25_000
    default = make_plan(DemoDataParams())
    assert (default.n_train, default.n_test) == (30_000, 6_000)
