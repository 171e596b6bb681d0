"""A synthetic model input with the data contract's layout, for tests and benchmarks of the modelling code.

Same shape as data_processing's ``model_input_table``: ``SK_ID_CURR`` (int64), ``TARGET`` (int64, about 8 %
positives), float64 features with missing values, and string categorical features with missing values. The
default depends on a few features (non-linearly), so a good model reaches an AUC around 0.75-0.8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta")


def synthetic_model_input(
    n_rows: int = 2000,
    *,
    n_numeric: int = 12,
    n_categorical: int = 3,
    default_rate: float = 0.08,
    missing_rate: float = 0.1,
    seed: int = 0,
    with_target: bool = True,
    first_id: int = 100002,
) -> pd.DataFrame:
    """Rows of clients; the first numeric features and the first categorical carry the signal."""
    if n_numeric < 3 or n_categorical < 1:
        raise ValueError("synthetic_model_input needs at least 3 numeric and 1 categorical features")
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n_rows, n_numeric))
    categorical = rng.choice(len(LEVELS), size=(n_rows, n_categorical), p=[0.35, 0.25, 0.2, 0.1, 0.07, 0.03])
    level_effect = np.array([-0.3, 0.0, 0.2, 0.5, 0.8, 1.2])
    risk = (
        1.1 * numeric[:, 0]
        - 0.8 * numeric[:, 1]
        + 0.6 * numeric[:, 2] ** 2
        + level_effect[categorical[:, 0]]
        + rng.normal(scale=2.4, size=n_rows)
    )
    columns: dict[str, object] = {"SK_ID_CURR": np.arange(first_id, first_id + n_rows, dtype=np.int64)}
    if with_target:
        columns["TARGET"] = (risk > np.quantile(risk, 1 - default_rate)).astype(np.int64)
    for column in range(n_numeric):
        values = numeric[:, column].copy()
        if column % 2 == 1:  # half of the columns have missing values
            values[rng.random(n_rows) < missing_rate] = np.nan
        columns[f"FEATURE_{column:03d}"] = values.astype(np.float64)
    for column in range(n_categorical):
        labels = np.asarray(LEVELS, dtype=object)[categorical[:, column]]
        labels[rng.random(n_rows) < missing_rate] = None
        columns[f"CATEGORY_{column:02d}"] = pd.array(labels, dtype="string")
    return pd.DataFrame(columns)
