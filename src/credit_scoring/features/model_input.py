"""Join application features with the history aggregates and hand over one pandas row per client."""

from __future__ import annotations

from collections.abc import Mapping

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from credit_scoring.features.application import TARGET
from credit_scoring.features.definitions import (
    CROSS_FEATURES,
    HISTORY_FEATURE_SETS,
    categorical_columns,
    feature_columns,
)
from credit_scoring.features.expressions import CLIENT_KEY


def assemble_model_input(
    application_features: ir.Table, history_features: Mapping[str, ir.Table]
) -> ir.Table:
    """Left-join every history feature table on SK_ID_CURR; clients without history get 0 counts and NULLs.

    Returns SK_ID_CURR, TARGET when the application features have it, then `feature_columns()`, by SK_ID_CURR.
    """
    missing = [s.name for s in HISTORY_FEATURE_SETS if s.name not in history_features]
    if missing:
        raise ValueError(f"History features missing for: {missing}")
    joined = application_features
    for feature_set in HISTORY_FEATURE_SETS:
        features = history_features[feature_set.name].select(CLIENT_KEY, *feature_set.columns)
        joined = joined.left_join(features, CLIENT_KEY).drop(f"{CLIENT_KEY}_right")
    zero_filled = {
        aggregate.name: joined[aggregate.name].fill_null(aggregate.when_no_rows)
        for feature_set in HISTORY_FEATURE_SETS
        for aggregate in feature_set.aggregates
        if aggregate.when_no_rows is not None
    }
    joined = joined.mutate(**zero_filled)
    joined = joined.mutate(**{cross.name: cross.expr(joined).cast("float64") for cross in CROSS_FEATURES})
    identifiers = [CLIENT_KEY, TARGET] if TARGET in application_features.columns else [CLIENT_KEY]
    return joined.select(*identifiers, *feature_columns()).order_by(CLIENT_KEY)


def to_model_input_frame(model_input: ir.Table) -> pd.DataFrame:
    """Execute the assembled expression and return the contract's pandas frame.

    Through Arrow, converted column by column and freed as it goes (``self_destruct``): at full size the frame
    is ~0.8 GB and a consolidating conversion would hold three copies of it.
    """
    table = model_input.to_pyarrow()
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    return coerce_model_input_frame(frame)


def coerce_model_input_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The contract's dtypes, whatever the engine returned: int64 ids, float64 numbers, str categories.

    Converts only the columns that differ (DuckDB already returns the right types), in place.
    """
    categorical = set(categorical_columns())
    for column in frame.columns:
        values = frame[column]
        if column in (CLIENT_KEY, TARGET):
            if values.dtype != np.int64:
                frame[column] = values.astype(np.int64)
        elif column in categorical:
            if not (pd.api.types.is_string_dtype(values) and values.dtype != object):
                frame[column] = values.astype(object).where(values.notna(), None).astype("str")
        elif values.dtype != np.float64:
            frame[column] = pd.to_numeric(values, errors="raise").astype(np.float64)
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
        frame = frame.reset_index(drop=True)
    return frame
