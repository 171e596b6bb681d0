"""Business cost and threshold search on cases computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.cost import (
    CostWeights,
    approve_all_cost_per_client,
    best_threshold,
    business_cost,
    client_costs,
    confusion_counts,
    cost_curve,
    cost_per_client,
    decisions,
    paired_cost_difference,
)

# Six clients, two defaulters. Probabilities sorted to make hand computation easy.
LABELS = np.array([0, 0, 1, 0, 1, 0])
PROBA = np.array([0.05, 0.10, 0.20, 0.30, 0.60, 0.70])
WEIGHTS = CostWeights(false_negative=10, false_positive=1)


def test_decision_refuses_at_or_above_the_threshold() -> None:
    assert decisions(PROBA, 0.30).tolist() == [0, 0, 0, 1, 1, 1]


def test_confusion_counts_and_cost_by_hand() -> None:
    # threshold 0.3 refuses clients 4, 5, 6: one defaulter caught (tp=1), two good clients refused (fp=2),
    # the defaulter at 0.20 is granted (fn=1), two good clients granted (tn=2)
    counts = confusion_counts(LABELS, decisions(PROBA, 0.30))
    assert (counts.tn, counts.fp, counts.fn, counts.tp) == (2, 2, 1, 1)
    assert business_cost(counts, WEIGHTS) == 10 * 1 + 1 * 2
    assert cost_per_client(LABELS, PROBA, 0.30, WEIGHTS) == pytest.approx(12 / 6)


def test_cost_curve_matches_hand_computation() -> None:
    curve = cost_curve(LABELS, PROBA, WEIGHTS, thresholds=[0.0, 0.15, 0.2, 0.5, 0.65, 1.0])
    # refuse all: 4 FP; >=0.15 and >=0.2: FP 2 (0.3, 0.7), FN 0; >=0.5: FP 1, FN 1; >=0.65: FP 1, FN 2;
    # >=1.0 (nobody refused): FN 2
    assert curve["fp"].tolist() == [4, 2, 2, 1, 1, 0]
    assert curve["fn"].tolist() == [0, 0, 0, 1, 2, 2]
    assert curve["cost"].tolist() == [4, 2, 2, 11, 21, 20]
    assert curve["cost_per_client"].tolist() == pytest.approx([4 / 6, 2 / 6, 2 / 6, 11 / 6, 21 / 6, 20 / 6])
    assert (curve[["tn", "fp", "fn", "tp"]].sum(axis=1) == 6).all()


def test_cost_curve_agrees_with_direct_computation_on_random_data() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 500)
    proba = np.round(rng.random(500), 2)  # ties on purpose
    curve = cost_curve(labels, proba, WEIGHTS)
    for threshold in (0.0, 0.13, 0.5, 0.77, 1.0):
        row = curve.loc[np.isclose(curve["threshold"], threshold)].iloc[0]
        assert row["cost_per_client"] == pytest.approx(cost_per_client(labels, proba, threshold, WEIGHTS))


def test_best_threshold_takes_the_middle_of_the_flat_minimum() -> None:
    # on the default grid the cost is 2 (minimum) for thresholds in (0.10, 0.20], i.e. 0.101 ... 0.200
    choice = best_threshold(LABELS, PROBA, WEIGHTS)
    assert choice.cost_per_client == pytest.approx(2 / 6)
    assert choice.threshold == pytest.approx(0.150, abs=0.001)


def test_best_threshold_is_never_assumed_to_be_one_half() -> None:
    # with equal costs, the optimum is where the classes separate, far from 0.5
    labels = np.array([0, 0, 0, 1, 1])
    proba = np.array([0.01, 0.02, 0.03, 0.08, 0.09])
    choice = best_threshold(labels, proba, CostWeights(false_negative=1, false_positive=1))
    assert choice.cost_per_client == 0
    assert 0.03 < choice.threshold <= 0.08


def test_heavier_false_negatives_lower_the_threshold() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    proba = np.clip(0.5 * labels + rng.normal(0.25, 0.2, 2000), 0, 1)
    lenient = best_threshold(labels, proba, CostWeights(false_negative=1, false_positive=1)).threshold
    strict = best_threshold(labels, proba, CostWeights(false_negative=10, false_positive=1)).threshold
    assert strict < lenient


def test_approve_all_and_bayes_threshold() -> None:
    assert approve_all_cost_per_client(LABELS, WEIGHTS) == pytest.approx(10 * 2 / 6)
    assert WEIGHTS.bayes_threshold == pytest.approx(1 / 11)


@pytest.mark.parametrize(
    ("labels", "proba", "message"),
    [
        ([0, 2, 1], [0.1, 0.2, 0.3], r"offending values: \[2\]"),
        ([0, 1, 1], [0.1, np.nan, 0.3], "offending values"),
        ([0, 1, 1], [0.1, 1.5, 0.3], r"offending values: \[1.5\]"),
        ([0, 1, 1], [0.1, 0.2], "Expected 3 probabilities"),
        ([], [], "empty"),
    ],
)
def test_bad_inputs_are_rejected_with_the_offending_values(labels: list, proba: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cost_curve(labels, proba, WEIGHTS)


def test_negative_weights_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        CostWeights(false_negative=-1, false_positive=1)
    with pytest.raises(ValueError, match="positive"):
        CostWeights(false_negative=0, false_positive=0)


def test_labels_may_come_as_a_pandas_series() -> None:
    assert cost_per_client(pd.Series(LABELS), pd.Series(PROBA), 0.3, WEIGHTS) == pytest.approx(2.0)


def test_client_costs_average_to_the_cost_per_client() -> None:
    y = np.array([1, 1, 0, 0, 0])
    proba = np.array([0.9, 0.1, 0.8, 0.2, 0.3])
    costs = client_costs(y, proba, 0.5, CostWeights(false_negative=10, false_positive=1))
    np.testing.assert_array_equal(costs, [0.0, 10.0, 1.0, 0.0, 0.0])
    assert costs.mean() == pytest.approx(cost_per_client(y, proba, 0.5, CostWeights()))


def test_paired_bootstrap_interval_is_reproducible_and_narrower_than_unpaired() -> None:
    rng = np.random.default_rng(3)
    shared = rng.choice([0.0, 1.0, 10.0], size=3000, p=[0.85, 0.1, 0.05])  # client-to-client noise
    a = shared + rng.choice([0.0, -1.0], size=3000, p=[0.97, 0.03])  # a saves a little on a few clients
    difference = paired_cost_difference(a, shared, n_resamples=1000, seed=7)
    assert difference == paired_cost_difference(a, shared, n_resamples=1000, seed=7)
    assert difference.low <= difference.mean <= difference.high < 0 and difference.a_is_cheaper
    # the client-to-client spread of either cost alone is far wider than the paired interval
    assert difference.high - difference.low < 2 * 1.96 * shared.std() / np.sqrt(shared.size) / 4
    same = paired_cost_difference(shared, shared, n_resamples=200)
    assert same.low == same.high == 0.0 and not same.a_is_cheaper


def test_paired_bootstrap_rejects_misaligned_costs() -> None:
    with pytest.raises(ValueError, match="equal, non-empty"):
        paired_cost_difference(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="confidence"):
        paired_cost_difference(np.zeros(3), np.zeros(3), confidence=1.5)
