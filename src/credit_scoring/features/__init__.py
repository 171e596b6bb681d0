"""The one definition of every feature, for the batch pipeline and for online scoring.

Written with Ibis, so that the same expressions run on DuckDB (default), on Spark (``kedro run --env spark``)
and, for one application at a time, on an in-memory DuckDB (`credit_scoring.serving.online`).
"""

from credit_scoring.features.definitions import (
    categorical_columns,
    feature_columns,
    feature_dictionary,
)

__all__ = ["categorical_columns", "feature_columns", "feature_dictionary"]
