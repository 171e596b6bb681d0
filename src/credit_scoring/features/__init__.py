"""The one definition of every feature, for the batch pipeline and for online scoring.

Written with Ibis, so that the same expressions run on DuckDB (default), on Spark (``kedro run --env spark``)
and, for one application at a time, on an in-memory DuckDB (`build_model_input_row`).
"""

from credit_scoring.features.definitions import (
    categorical_columns,
    feature_columns,
    feature_dictionary,
)
from credit_scoring.features.online import (
    ApplicationFieldError,
    ClientHistoryStore,
    OnlineFeatureBuilder,
    build_model_input_row,
)
from credit_scoring.features.validation import Problem, RawDataValidationError, validate_raw_table

__all__ = [
    "ApplicationFieldError",
    "ClientHistoryStore",
    "OnlineFeatureBuilder",
    "Problem",
    "RawDataValidationError",
    "build_model_input_row",
    "categorical_columns",
    "feature_columns",
    "feature_dictionary",
    "validate_raw_table",
]
