"""Gini, KS, score bands and cost-ratio sensitivity on hand-made arrays whose answers are computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from credit_scoring.pipelines.modelling.params import RiskReportParams, parse
from credit_scoring.pipelines.modelling.risk_report import (
    cost_sensitivity,
    decile_rows,
    discrimination,
    fall_beyond_noise,
    rank_ordered,
    risk_band_rows,
    score_bands,
)
from credit_scoring.records import ScoreBandRow

MULTIPLES = (0.5, 1.0, 2.0)


def test_gini_and_ks_of_a_small_holdout() -> None:
    # defaulters score 0.2, 0.6, 0.7; others 0.1, 0.3, 0.5. AUC: 1 + 3 + 3 won pairs of 9.
    # KS: at 0.6 and above, 2/3 of the defaulters and none of the others: the largest gap.
    result = discrimination([0, 0, 0, 1, 1, 1], [0.1, 0.3, 0.5, 0.2, 0.6, 0.7])
    assert result.auc == pytest.approx(7 / 9)
    assert result.gini == pytest.approx(5 / 9)
    assert result.ks == pytest.approx(2 / 3)
    assert result.undefined_reason is None


def test_ks_treats_equal_scores_as_one_threshold() -> None:
    # a defaulter and a non-defaulter share 0.5: taking them one at a time would give KS = 1
    result = discrimination([0, 0, 1, 1], [0.2, 0.5, 0.5, 0.9])
    assert result.auc == pytest.approx(3.5 / 4)
    assert result.ks == pytest.approx(0.5)


@pytest.mark.parametrize(("labels", "kind"), [([0, 0, 0], "non-defaulters"), ([1, 1], "defaulters")])
def test_a_single_class_has_no_gini_nor_ks_and_says_why(labels: list[int], kind: str) -> None:
    result = discrimination(labels, [0.2] * len(labels))
    assert (result.auc, result.gini, result.ks) == (None, None, None)
    assert f"all {kind}" in result.undefined_reason and "undefined" in result.undefined_reason


def test_deciles_count_defaults_calibration_and_flag_a_break_in_the_order() -> None:
    # 20 clients at 0.01 ... 0.20, two per decile; defaults per decile 0 0 1 0 1 1 1 2 2 2
    proba = np.arange(1, 21) / 100
    labels = np.zeros(20, dtype=int)
    labels[[5, 9, 11, 13, 14, 15, 16, 17, 18, 19]] = 1
    shuffled = np.random.default_rng(0).permutation(20)  # the order of the clients does not matter
    rows = decile_rows(labels[shuffled], proba[shuffled])
    assert [row.band for row in rows] == [str(k) for k in range(1, 11)]
    assert [row.count for row in rows] == [2] * 10
    assert [row.defaults for row in rows] == [0, 0, 1, 0, 1, 1, 1, 2, 2, 2]
    assert [row.default_rate for row in rows] == [0.0, 0.0, 0.5, 0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0]
    # decile k holds 0.0(2k-1) and 0.0(2k): its mean prediction is (4k - 1) / 200
    assert [row.mean_predicted for row in rows] == pytest.approx([(4 * k - 1) / 200 for k in range(1, 11)])
    assert (rows[0].lower, rows[0].upper) == (0.01, 0.02)
    # decile 4 falls below decile 3; decile 5 rises again from decile 4; equal rates keep the order
    assert [row.rank_order_ok for row in rows] == [True] * 3 + [False] + [True] * 6
    # 1 of 2 then 0 of 2: a fall well within the noise of two clients each
    assert [row.break_beyond_noise for row in rows] == [None] * 3 + [False] + [None] * 6


def test_a_fall_is_flagged_beyond_noise_only_when_the_counts_make_it_significant() -> None:
    def band(name: str, count: int, defaults: int) -> ScoreBandRow:
        return ScoreBandRow(
            band=name, lower=None, upper=None, count=count, defaults=defaults,
            default_rate=defaults / count, mean_predicted=None, rank_order_ok=None,
        )  # fmt: skip

    # 2.1 % then 1.95 % of 616 clients (a demo decile): noise; 12 % then 6 % of 600 clients each: a real fall
    noise = rank_ordered([band("2", 616, 13), band("3", 615, 12)])
    real = rank_ordered([band("2", 600, 72), band("3", 600, 36)])
    assert (noise[1].rank_order_ok, noise[1].break_beyond_noise) == (False, False)
    assert (real[1].rank_order_ok, real[1].break_beyond_noise) == (False, True)
    # by hand: pooled 0.09, standard error sqrt(0.09 * 0.91 * 2 / 600) = 0.0165, fall 0.06 = 3.6 errors
    assert fall_beyond_noise(real[0], real[1])


def test_equal_probabilities_are_split_by_the_raw_score() -> None:
    # isotonic calibration gives 10 clients one probability; the one defaulter has the highest raw score
    labels = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    raw = np.linspace(0.9, 0.0, 10)
    by_raw = decile_rows(labels, np.full(10, 0.3), tie_breaker=raw)
    assert [row.defaults for row in by_raw] == [0] * 9 + [1]
    assert all(row.rank_order_ok for row in by_raw)
    by_position = decile_rows(labels, np.full(10, 0.3))
    assert by_position[0].defaults == 1 and by_position[1].rank_order_ok is False


def test_deciles_without_clients_are_empty_not_errors() -> None:
    rows = decile_rows([0, 1, 0], [0.1, 0.9, 0.2])
    assert [row.count for row in rows] == [1, 1, 1] + [0] * 7
    assert [row.defaults for row in rows[:3]] == [0, 0, 1]
    empty = rows[-1]
    assert (empty.default_rate, empty.mean_predicted, empty.lower, empty.rank_order_ok) == (None,) * 4


def test_risk_bands_use_the_apis_bounds_and_flag_a_band_that_breaks_the_order() -> None:
    # threshold 0.1: low < 0.05 <= moderate < 0.1 <= high < 0.2 <= very_high (a bound opens its band)
    proba = [0.01, 0.04, 0.05, 0.07, 0.15, 0.3, 0.5]
    labels = [0, 0, 0, 1, 0, 1, 1]
    rows = risk_band_rows(labels, proba, 0.1, MULTIPLES)
    assert [row.band for row in rows] == ["low", "moderate", "high", "very_high"]
    assert [row.count for row in rows] == [2, 2, 1, 2]
    assert [row.default_rate for row in rows] == [0.0, 0.5, 0.0, 1.0]
    assert [row.mean_predicted for row in rows] == pytest.approx([0.025, 0.06, 0.15, 0.4])
    bounds = [bound for row in rows for bound in (row.lower, row.upper)]
    assert bounds == pytest.approx([0, 0.05, 0.05, 0.1, 0.1, 0.2, 0.2, 1])
    assert [row.rank_order_ok for row in rows] == [True, True, False, True]


def test_score_bands_report_empty_bands_bands_without_default_and_production_clients() -> None:
    bands = score_bands(
        [0, 0, 1, 0],
        [0.01, 0.02, 0.03, 0.04],
        threshold=0.1,
        multiples=MULTIPLES,
        production_proba=[0.01, 0.5, 0.3],
    )
    low, *others = bands.risk_bands
    assert (low.count, low.defaults, low.default_rate) == (4, 1, 0.25)
    assert [(row.count, row.default_rate, row.rank_order_ok) for row in others] == [(0, None, None)] * 3
    assert not bands.rank_ordering_ok  # decile 4 (0.04, repaid) falls below decile 3 (0.03, defaulted)
    assert bands.band_multiples == MULTIPLES
    production = [(row.band, row.count, row.mean_predicted) for row in bands.production_risk_bands]
    assert production == [("low", 1, 0.01), ("moderate", 0, None), ("high", 0, None), ("very_high", 2, 0.4)]
    none_in_production = score_bands([0, 1], [0.01, 0.3], threshold=0.1, multiples=MULTIPLES)
    assert [row.count for row in none_in_production.production_risk_bands] == [0, 0, 0, 0]
    assert none_in_production.rank_ordering_ok


def test_cost_sensitivity_chooses_on_out_of_fold_rows_and_measures_on_the_holdout() -> None:
    # out of fold: defaulters at 0.15 and 0.35, two good clients at each of 0.1, 0.2, 0.3. Refusing from
    # (0.1, 0.15] costs 4 (4 good refused); from (0.3, 0.35] costs the ratio (the defaulter at 0.15 granted):
    # at 2:1 the second is cheaper (middle of the grid's flat run: 0.325), at 5:1 the first (0.125)
    choose_on = ([0, 0, 0, 0, 0, 0, 1, 1], [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.15, 0.35])
    measure_on = ([0, 0, 1, 1], [0.12, 0.33, 0.2, 0.5])
    rows = cost_sensitivity([2, 5], choose_on=choose_on, measure_on=measure_on, decision_ratio=5)
    assert [row.threshold for row in rows] == [0.325, 0.125]
    # 2:1 at 0.325: 0.33 (good) refused, 0.2 (defaulter) granted: (1 + 2) / 4; two of four granted
    # 5:1 at 0.125: only 0.12 (good) granted; 0.33 (good) refused: 1 / 4
    assert [row.cost_per_client for row in rows] == [0.75, 0.25]
    assert [row.approval_rate for row in rows] == [0.5, 0.25]
    assert [row.approve_all_cost for row in rows] == [1.0, 2.5]
    assert [row.decision_ratio for row in rows] == [False, True]
    doubled = cost_sensitivity([2], choose_on=choose_on, measure_on=measure_on, false_positive=2.0)
    assert doubled[0].cost_per_client == 1.5 and doubled[0].threshold == 0.325  # costs in units of FP


@pytest.mark.parametrize("ratios", [[10, 5], [0, 10], [], [5, 5]])
def test_cost_ratios_must_be_positive_and_increasing(ratios: list[float]) -> None:
    with pytest.raises(ValueError, match=r"modelling\.risk_report"):
        parse(RiskReportParams, {"cost_ratios": ratios}, "modelling.risk_report")
