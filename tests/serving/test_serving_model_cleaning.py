"""The block-wise input cleaning and category encoding give exactly the column-by-column results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.serving.model import CategoryEncoder, FeatureSpec, _as_float, _as_text, clean_features

SPEC = FeatureSpec(
    features=("N1", "C1", "N2", "MISSING_N", "C2", "MISSING_C", "B"), categorical=("C1", "C2", "MISSING_C")
)


def column_by_column(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The reference: each column converted on its own."""
    columns = {}
    for name in spec.features:
        if name not in frame.columns:
            columns[name] = pd.Series(
                np.nan, index=frame.index, dtype=object if name in spec.categorical else float
            )
        elif name in spec.categorical:
            columns[name] = _as_text(frame[name])
        else:
            columns[name] = _as_float(frame[name], name)
    return pd.DataFrame(columns, index=frame.index)


FRAMES = {
    "typed": pd.DataFrame(
        {
            "N1": [1.5, np.nan, 3.0],
            "C1": pd.array(["a", None, "b"], dtype="str"),
            "N2": pd.array([1, None, 3], dtype="Int64"),
            "C2": pd.Series(["x", np.nan, None], dtype=object),
            "B": [True, False, True],
            "EXTRA": ["ignored", "ignored", "ignored"],
        },
        index=[10, 11, 12],
    ),
    "text numbers and mixed categories": pd.DataFrame(
        {
            "N1": pd.Series(["1.5", None, "3"], dtype=object),
            "C1": pd.Series([1, "a", None], dtype=object),
            "N2": [1, 2, 3],
            "C2": pd.array(["x", pd.NA, "y"], dtype="string"),
            "B": [1.0, 0.0, np.nan],
        }
    ),
}


@pytest.mark.parametrize("name", list(FRAMES))
def test_cleaning_equals_the_column_by_column_reference(name: str) -> None:
    frame = FRAMES[name]
    pd.testing.assert_frame_equal(
        clean_features(frame, SPEC), column_by_column(frame, SPEC), check_exact=True
    )


def test_text_in_a_numeric_column_is_still_named() -> None:
    with pytest.raises(ValueError, match="'N1' must be numeric; offending values: \\['abc'\\]"):
        clean_features(pd.DataFrame({"N1": ["abc"]}), SPEC)


def test_category_encoding_marks_unseen_and_missing_levels_missing() -> None:
    train = pd.DataFrame({"C": ["b", "a", "a", None], "N": [1.0, 2.0, 3.0, 4.0]})
    encoder = CategoryEncoder(("C",)).fit(train)
    encoded = encoder.transform(pd.DataFrame({"C": ["a", "zz", np.nan, "b"], "N": [1.0, 2.0, 3.0, 4.0]}))
    assert list(encoded.columns) == ["C", "N"]
    assert encoded["C"].cat.categories.tolist() == ["a", "b"]
    assert encoded["C"].tolist()[0] == "a" and encoded["C"].isna().tolist() == [False, True, True, False]
    expected = pd.Categorical(["a", None, None, "b"], categories=["a", "b"])
    pd.testing.assert_series_equal(encoded["C"], pd.Series(expected, name="C"), check_exact=True)
