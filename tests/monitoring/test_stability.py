"""PSI / CSI: zero on identical data, the textbook value on known shares, bands, missing and unseen levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.monitoring.stability import (
    StabilityBands,
    characteristic_stability,
    psi_from_shares,
    stability_index,
)


def test_identical_distributions_have_zero_psi() -> None:
    values = pd.Series(np.random.default_rng(0).normal(size=5000))
    assert stability_index(values, values.sample(frac=1.0, random_state=1)) == pytest.approx(0.0, abs=1e-12)


def test_psi_of_known_shares() -> None:
    reference, current = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    expected = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert psi_from_shares(reference, current) == pytest.approx(expected)


def test_a_shift_of_one_standard_deviation_is_significant() -> None:
    rng = np.random.default_rng(1)
    reference, current = pd.Series(rng.normal(size=20_000)), pd.Series(rng.normal(1.0, size=5_000))
    same = pd.Series(rng.normal(size=5_000))
    assert StabilityBands().band(stability_index(reference, current)) == "significant"
    assert StabilityBands().band(stability_index(reference, same)) == "stable"


def test_missing_values_and_unseen_levels_count_as_drift() -> None:
    reference = pd.Series(["a", "b"] * 500, dtype="string")
    unseen = pd.Series(["a", "b", "zzz", "zzz"] * 250, dtype="string")
    assert stability_index(reference, unseen) > 0.25
    numbers = pd.Series(np.arange(1000, dtype=float))
    emptied = numbers.where(numbers % 2 == 0)  # half of the values stop arriving
    assert stability_index(numbers, emptied) > 0.25
    all_missing = pd.Series(np.nan, index=range(100))
    assert np.isfinite(stability_index(numbers, all_missing))


def test_bands_and_errors() -> None:
    bands = StabilityBands(0.1, 0.25)
    assert [bands.band(v) for v in (0.05, 0.1, 0.2, 0.25, 1.0)] == [
        "stable",
        "moderate",
        "moderate",
        "significant",
        "significant",
    ]
    with pytest.raises(ValueError, match="0 < moderate < significant"):
        StabilityBands(0.3, 0.2)
    with pytest.raises(ValueError, match="0 reference and 3 current"):
        stability_index(pd.Series([], dtype=float, name="X"), pd.Series([1.0, 2.0, 3.0]))


def test_characteristic_stability_skips_absent_columns() -> None:
    frame = pd.DataFrame({"A": np.arange(100.0), "B": ["x", "y"] * 50})
    table = characteristic_stability(frame, frame, ["A", "B", "ABSENT"])
    assert table["column"].tolist() == ["A", "B"]
    assert table["band"].eq("stable").all()
