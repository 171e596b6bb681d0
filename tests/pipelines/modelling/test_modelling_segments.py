"""The holdout by segment (thin-file clients, no bureau record, contract type) on hand-made clients."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from credit_scoring.cost import CostWeights
from credit_scoring.features import feature_columns
from credit_scoring.features.segments import (
    BUREAU_COUNT,
    CONTRACT_TYPE,
    PREVIOUS_COUNT,
    SEGMENTATIONS,
    THIN_FILE,
    is_thin_file,
)
from credit_scoring.pipelines.modelling.assessment import holdout_segments, mlflow_metrics
from credit_scoring.pipelines.modelling.risk_report import (
    NO_CLIENT,
    segment_comparison,
    segment_metrics,
    segment_row,
)
from credit_scoring.records import Segments

WEIGHTS = CostWeights(false_negative=10.0, false_positive=1.0)


def test_the_segments_read_columns_of_the_model_input() -> None:
    columns = set(feature_columns())
    for segmentation in SEGMENTATIONS:
        assert set(segmentation.columns) <= columns, segmentation.name
    assert {s.name for s in SEGMENTATIONS} == set(Segments.model_fields)


def test_thin_file_means_no_bureau_record_and_no_previous_application() -> None:
    frame = pd.DataFrame(
        {BUREAU_COUNT: [0.0, 0.0, 3.0, 2.0, np.nan], PREVIOUS_COUNT: [0.0, 1.0, 0.0, 4.0, 0.0]}
    )
    assert is_thin_file(frame).tolist() == [True, False, False, False, True]  # a missing count: no row
    assert THIN_FILE.assign(frame).tolist() == ["thin_file", "others", "others", "others", "thin_file"]


def test_segment_figures_are_those_of_its_clients_at_the_threshold() -> None:
    # threshold 0.5: refused 0.6 (a defaulter) and 0.7 (a good client); granted 0.1, 0.2 and 0.4 (a defaulter)
    row = segment_row(
        "others", [0, 0, 1, 1, 0], [0.1, 0.2, 0.4, 0.6, 0.7], n_holdout=10, threshold=0.5, weights=WEIGHTS
    )
    assert (row.count, row.share, row.defaults) == (5, 0.5, 2)
    assert row.default_rate == pytest.approx(0.4) and row.mean_predicted == pytest.approx(0.4)
    assert row.auc == pytest.approx(4 / 6)  # defaulters 0.4, 0.6 against 0.1, 0.2, 0.7: 2 + 2 pairs won of 6
    assert row.cost_per_client == pytest.approx((10 * 1 + 1 * 1) / 5)  # one missed defaulter, one refusal
    assert row.approval_rate == pytest.approx(3 / 5)
    assert row.undefined_reason is None


def test_a_segment_without_client_has_null_figures_and_says_why() -> None:
    row = segment_row("thin_file", [], [], n_holdout=4, threshold=0.5, weights=WEIGHTS)
    assert (row.count, row.share, row.defaults) == (0, 0.0, 0)
    figures = (row.default_rate, row.mean_predicted, row.auc, row.cost_per_client, row.approval_rate)
    assert figures == (None,) * 5
    assert row.undefined_reason == NO_CLIENT


@pytest.mark.parametrize(("labels", "kind"), [([0, 0, 0], "non-defaulters"), ([1, 1, 1], "defaulters")])
def test_a_single_class_segment_has_no_auc_but_its_other_figures(labels: list[int], kind: str) -> None:
    row = segment_row("thin_file", labels, [0.2, 0.6, 0.3], n_holdout=3, threshold=0.5, weights=WEIGHTS)
    assert row.auc is None and kind in row.undefined_reason
    assert row.default_rate == float(np.mean(labels)) and row.approval_rate == pytest.approx(2 / 3)
    assert row.cost_per_client is not None


def test_comparison_counts_every_client_once_in_the_levels_order() -> None:
    comparison = segment_comparison(
        [0, 1, 0, 1, 0],
        [0.1, 0.9, 0.2, 0.3, 0.8],
        ["others", "thin_file", "others", "others", "others"],
        ("thin_file", "others"),
        definition="test",
        threshold=0.5,
        weights=WEIGHTS,
    )
    assert [row.segment for row in comparison.rows] == ["thin_file", "others"]
    assert [row.count for row in comparison.rows] == [1, 4]
    assert sum(row.share for row in comparison.rows) == pytest.approx(1.0)
    assert comparison.rows[0].auc is None and comparison.unavailable_reason is None
    with pytest.raises(ValueError, match=r"not reported: \['others'\]"):
        segment_comparison(
            [0], [0.1], ["others"], ("thin_file",), definition="", threshold=0.5, weights=WEIGHTS
        )
    with pytest.raises(ValueError, match="must align"):
        segment_comparison([0, 1], [0.1], ["a", "a"], ("a",), definition="", threshold=0.5, weights=WEIGHTS)


def _clients(n: int, seed: int, *, thin: int, revolving: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bureau = rng.integers(1, 5, n).astype(float)
    previous = rng.integers(1, 5, n).astype(float)
    bureau[:thin] = previous[:thin] = 0.0
    contract = np.where(np.arange(n) < n - revolving, "Cash loans", "Revolving loans")
    return pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(n),
            "TARGET": rng.integers(0, 2, n),
            BUREAU_COUNT: bureau,
            PREVIOUS_COUNT: previous,
            CONTRACT_TYPE: pd.array(contract, dtype="string"),
        }
    )


def test_holdout_segments_of_a_model_input() -> None:
    training = _clients(40, 0, thin=5, revolving=8)
    holdout = _clients(20, 1, thin=0, revolving=0)  # no thin-file client, no revolving loan in the holdout
    proba = np.linspace(0.05, 0.95, len(holdout))
    segments = holdout_segments(holdout, training, proba, target="TARGET", threshold=0.5, weights=WEIGHTS)

    thin = {row.segment: row for row in segments.thin_file.rows}
    assert thin["thin_file"].count == 0 and thin["thin_file"].undefined_reason == NO_CLIENT
    assert thin["others"].count == 20 and thin["others"].auc is not None
    contracts = {row.segment: row for row in segments.contract_type.rows}
    assert list(contracts) == ["Cash loans", "Revolving loans"]  # a level seen in training only: no client
    assert contracts["Revolving loans"].count == 0 and contracts["Cash loans"].count == 20
    assert sum(row.count for row in segments.no_bureau_record.rows) == 20

    metrics = {"segments": segments.model_dump(mode="json")}
    assert Segments.model_validate(json.loads(json.dumps(metrics["segments"], allow_nan=False))) == segments
    logged = mlflow_metrics(metrics, pd.DataFrame(columns=["model_name"]))
    assert logged["segment.contract_type.Cash_loans.count"]["value"] == 20
    assert "segment.thin_file.thin_file.auc" not in logged  # a null figure is not logged
    assert logged["segment.thin_file.others.auc"]["value"] == thin["others"].auc
    assert set(segment_metrics(segments)) == {name for name in logged if name.startswith("segment.")}


def test_a_model_input_without_the_columns_gives_unavailable_segments() -> None:
    holdout = _clients(10, 2, thin=2, revolving=2).drop(columns=[PREVIOUS_COUNT, CONTRACT_TYPE])
    segments = holdout_segments(
        holdout, holdout, np.full(10, 0.3), target="TARGET", threshold=0.5, weights=WEIGHTS
    )
    assert segments.thin_file.rows == [] and PREVIOUS_COUNT in segments.thin_file.unavailable_reason
    assert segments.contract_type.rows == [] and CONTRACT_TYPE in segments.contract_type.unavailable_reason
    assert sum(row.count for row in segments.no_bureau_record.rows) == 10  # its one column is there
