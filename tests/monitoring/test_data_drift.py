"""Evidently column drift: shifts found, identical data clean, empty columns and unseen levels survive."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.monitoring.data_drift import (
    MISSING_SHARE_METHOD,
    dataset_drift,
    external_assets,
    report_html,
    run_data_drift,
    value_drift_rows,
)


def population(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "AMOUNT": rng.lognormal(12 + shift, 0.5, n),
            "SCORE": rng.normal(0.5 - shift / 4, 0.2, n),
            "FLAG": rng.integers(0, 2, n).astype(float),
            "GENDER": pd.array(rng.choice(["F", "M"], n, p=[0.65, 0.35]), dtype="string"),
        }
    )


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return population(3000, seed=0)


def test_identical_distributions_do_not_drift(reference: pd.DataFrame) -> None:
    _, table = run_data_drift(reference, population(1500, seed=1))
    assert not table["drifted"].any(), table
    assert dataset_drift(table, 0.5)["dataset_drift"] is False


def test_an_injected_shift_is_detected_and_the_html_is_offline(reference: pd.DataFrame) -> None:
    snapshot, table = run_data_drift(reference, population(1500, seed=1, shift=0.8))
    drifted = dict(zip(table["column"], table["drifted"], strict=True))
    assert drifted == {"AMOUNT": True, "SCORE": True, "FLAG": False, "GENDER": False}
    assert table.set_index("column").loc["FLAG", "column_type"] == "categorical"  # a 0/1 flag
    assert dataset_drift(table, 0.5) == {
        "number_of_columns": 4,
        "number_of_drifted_columns": 2,
        "share_of_drifted_columns": 0.5,
        "drift_share_threshold": 0.5,
        "dataset_drift": True,
    }
    html = report_html(snapshot)
    assert "<script src=" not in html and external_assets(html) == []
    assert external_assets('<script src="https://cdn.example/x.js"></script>') != []


def test_all_null_columns_and_unseen_levels_do_not_crash(reference: pd.DataFrame) -> None:
    reference = reference.assign(EMPTY=np.nan, FEED=np.random.default_rng(2).normal(size=len(reference)))
    current = population(1500, seed=3).assign(EMPTY=np.nan, FEED=np.nan)
    current["GENDER"] = pd.array(np.where(np.arange(1500) % 2, "XNA", "F"), dtype="string")  # unseen level
    _, table = run_data_drift(reference, current)
    rows = table.set_index("column")
    assert rows.loc["EMPTY", "method"] == MISSING_SHARE_METHOD and not rows.loc["EMPTY", "drifted"]
    assert rows.loc["FEED", "method"] == MISSING_SHARE_METHOD and rows.loc["FEED", "drifted"]
    assert rows.loc["FEED", "missing_share_current"] == 1.0
    assert rows.loc["GENDER", "drifted"]


def test_everything_empty_still_gives_a_report() -> None:
    snapshot, table = run_data_drift(pd.DataFrame({"A": [np.nan] * 5}), pd.DataFrame({"A": [1.0, 2.0]}))
    assert snapshot is None and table["drifted"].tolist() == [True]
    assert "No column could be tested" in report_html(snapshot)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="share no column"):
        run_data_drift(pd.DataFrame({"A": [1.0]}), pd.DataFrame({"B": [1.0]}))
    with pytest.raises(ValueError, match="0 current rows"):
        run_data_drift(pd.DataFrame({"A": [1.0]}), pd.DataFrame({"A": []}))


def test_p_value_methods_drift_below_their_threshold() -> None:
    def metric(method: str, value: float) -> dict:
        config = {
            "type": "evidently:metric_v2:ValueDrift",
            "column": "X",
            "method": method,
            "threshold": 0.05,
        }
        return {"id": method, "config": config, "value": value}

    snapshot = {"metrics": [metric("K-S p_value", 0.01), metric("Wasserstein distance (normed)", 0.01)]}
    assert [row["drifted"] for row in value_drift_rows(snapshot)] == [True, False]
