"""The online path: the model-input row of one application, built with the batch pipeline's own definitions.

The application's fields and the client's history rows go through exactly what the batch pipeline runs: the
same validation (values as text, as in a CSV file), the same Ibis feature expressions and the same assembly,
executed on a private in-memory DuckDB. A client unknown to the history tables simply has no history.

`credit_scoring.serving.history.ClientHistoryStore` finds a known client's raw history rows.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from functools import cache
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow as pa

from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.expressions import CLIENT_KEY
from credit_scoring.features.model_input import assemble_model_input, coerce_model_input_frame
from credit_scoring.raw.tables import HISTORY_TABLES, RAW_TABLES
from credit_scoring.raw.validation import (
    stage_raw_table,
    typed_columns,
    validate_raw_table,
    validation_counts,
)

APPLICATION_TABLE = "application_test"
"""Requests carry the fields of a production application: the test file's columns (no TARGET)."""


class ApplicationFieldError(ValueError):
    """Raised when an application has unknown fields or lacks its identifier."""


def field_text(value: Any, where: str) -> str | None:
    """A request value as the text a CSV file would hold (NULL as None); numbers keep every digit."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise ApplicationFieldError(f"{where}: expected a number or text, got the boolean {value!r}")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        # repr() is the shortest text that parses back to the same float: no precision lost on the way.
        return None if math.isnan(number) else repr(number)
    raise ApplicationFieldError(f"{where}: expected a number or text, got {type(value).__name__} {value!r}")


def _text_table(records: list[dict[str, Any]], columns: list[str], label: str) -> pa.Table:
    arrays = {
        column: pa.array(
            [field_text(record.get(column), f"{label}, field {column}") for record in records],
            type=pa.string(),
        )
        for column in columns
    }
    return pa.table(arrays)


def _application_table(application: Mapping[str, Any]) -> pa.Table:
    expected = list(RAW_TABLES[APPLICATION_TABLE])
    unknown = sorted(set(application) - set(expected))
    if unknown:
        raise ApplicationFieldError(f"application: unknown field(s) {unknown}")
    if application.get(CLIENT_KEY) is None:
        raise ApplicationFieldError(f"application: the field {CLIENT_KEY} is required")
    return _text_table([dict(application)], expected, "application")


def _history_table(table: str, rows: pd.DataFrame | None) -> pa.Table:
    expected = list(RAW_TABLES[table])
    if rows is None:
        return _text_table([], expected, table)
    missing = [column for column in expected if column not in rows.columns]
    if missing:
        raise ApplicationFieldError(f"history table {table}: missing column(s) {missing}")
    return _text_table(rows[expected].to_dict(orient="records"), expected, f"history table {table}")


class OnlineFeatureBuilder:
    """Builds model-input rows one application at a time, with SQL compiled once from the batch expressions.

    Compiling the Ibis expressions takes seconds; running them on one client's rows takes milliseconds. The
    builder compiles the validation and feature queries once, against unbound tables of text columns named
    like the raw tables, then runs them on a fresh in-memory DuckDB per request (thread-safe: nothing is
    shared but immutable SQL text). Invalid input falls back to the full validation, for its detailed message.
    """

    def __init__(self) -> None:
        raw = {
            table: ibis.table({column: "string" for column in RAW_TABLES[table]}, name=_view_name(table))
            for table in (APPLICATION_TABLE, *HISTORY_TABLES)
        }
        staged = {table: stage_raw_table(frame, table) for table, frame in raw.items()}
        self._validation_sql = {
            table: ibis.to_sql(validation_counts(frame, table, with_summary=False), dialect="duckdb")
            for table, frame in staged.items()
        }
        typed = {table: typed_columns(frame, table) for table, frame in staged.items()}
        history_features = {
            feature_set.name: feature_set.build(*(typed[table] for table in feature_set.tables))
            for feature_set in HISTORY_FEATURE_SETS
        }
        model_input = assemble_model_input(application_features(typed[APPLICATION_TABLE]), history_features)
        self._model_input_sql = ibis.to_sql(model_input, dialect="duckdb")

    def build(
        self, application: Mapping[str, Any], history: Mapping[str, pd.DataFrame | None] | None = None
    ) -> pd.DataFrame:
        """One-row frame with exactly the columns and dtypes of ``scoring_input_table`` for one application.

        ``application`` maps application fields (application_test column names; missing ones are NULL) to
        values.
        ``history`` maps Kaggle history table names (``bureau``, ``bureau_balance``, ``previous_application``,
        ``POS_CASH_balance``, ``installments_payments``, ``credit_card_balance``) to the client's raw rows;
        absent tables mean no rows. Raises `ApplicationFieldError` or `RawDataValidationError` naming the
        offending fields.
        """
        inputs = _text_inputs(application, history)
        con = duckdb.connect(config={"threads": 1})
        try:
            for table, rows in inputs.items():
                con.register(_view_name(table), rows)
            for table, sql in self._validation_sql.items():
                if inputs[table].num_rows and any(con.sql(sql).fetchall()[0]):  # no rows, nothing to check
                    _raise_detailed_validation_error(table, inputs[table])
            frame = con.sql(self._model_input_sql).to_arrow_table().to_pandas()
        finally:
            con.close()
        return coerce_model_input_frame(frame)


def _view_name(table: str) -> str:
    return f"raw_{table.lower()}"


def _text_inputs(
    application: Mapping[str, Any], history: Mapping[str, pd.DataFrame | None] | None
) -> dict[str, pa.Table]:
    history = dict(history or {})
    unknown_tables = sorted(set(history) - set(HISTORY_TABLES))
    if unknown_tables:
        raise ApplicationFieldError(f"unknown history table(s) {unknown_tables}; expected {HISTORY_TABLES}")
    inputs = {APPLICATION_TABLE: _application_table(application)}
    for table in HISTORY_TABLES:
        inputs[table] = _history_table(table, history.get(table))
    return inputs


def _raise_detailed_validation_error(table: str, rows: pa.Table) -> None:
    con = ibis.duckdb.connect(threads=1)
    try:
        validate_raw_table(
            con.create_table(_view_name(table), rows, temp=True), table, source_label=_label(table)
        )
    finally:
        con.disconnect()
    raise AssertionError(f"validation of {table} flagged a problem that the detailed validation did not find")


def _label(table: str) -> str:
    return "application" if table == APPLICATION_TABLE else f"history table {table}"


@cache
def default_builder() -> OnlineFeatureBuilder:
    """The process-wide builder (compiled on first use, a few seconds)."""
    return OnlineFeatureBuilder()


def build_model_input_row(
    application: Mapping[str, Any], history: Mapping[str, pd.DataFrame | None] | None = None
) -> pd.DataFrame:
    """One application's model-input row (see `OnlineFeatureBuilder.build`), with the process-wide builder."""
    return default_builder().build(application, history)
