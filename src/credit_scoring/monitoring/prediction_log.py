"""Read the scoring API's decision log (table ``prediction_log``, declared in `credit_scoring.records`) and
expand it into application rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from credit_scoring.records import REDUCED_INPUT_JSON, TABLE_NAME, prediction_log

TABLE = TABLE_NAME
LOG_COLUMNS = tuple(column.name for column in prediction_log.columns)
CLIENT_KEY = "SK_ID_CURR"


class PredictionLogError(ValueError):
    """The log is missing, malformed, or holds nothing in the requested window."""


@dataclass(frozen=True)
class TimeWindow:
    """Half-open window [start, end) in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise PredictionLogError(f"Empty time window: start {self.start} is not before end {self.end}")

    def describe(self) -> str:
        return f"[{iso_utc(self.start)}, {iso_utc(self.end)})"


def iso_utc(moment: datetime) -> str:
    """The log's timestamp format: ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_utc(text: str, name: str = "timestamp") -> datetime:
    """An ISO-8601 time (``Z`` or offset; naive means UTC), as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise PredictionLogError(
            f"{name}: {text!r} is not an ISO-8601 time (e.g. 2026-12-02T04:05:06Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def resolve_window(
    start: str | None = None, end: str | None = None, last_days: float | None = None, *, now: datetime
) -> TimeWindow:
    """The window from the parameters: explicit ``start``/``end``, else the ``last_days`` before ``end``
    (default: now)."""
    end_at = parse_utc(end, "end") if end else now
    if start:
        return TimeWindow(parse_utc(start, "start"), end_at)
    if last_days is None or last_days <= 0:
        raise PredictionLogError("Give the prediction log window: a start time or a positive last_days")
    return TimeWindow(end_at - timedelta(days=float(last_days)), end_at)


def read_prediction_log(
    engine: sa.Engine,
    window: TimeWindow,
    filters: Mapping[str, str | None] | None = None,
    *,
    include_reduced: bool = False,
) -> pd.DataFrame:
    """The log rows created within ``window`` (optionally equal to ``filters``: endpoint, model_name, ...).

    Records reduced by the retention command (no application left) are skipped unless ``include_reduced``:
    drift needs the applications, live performance only the decision, probability and version.

    The window is applied in SQL on the ISO text, which sorts like time because the API always writes the same
    UTC format; text is compared bytewise on every database (PostgreSQL: ``COLLATE "C"``, whatever the table's
    collation), so rows come in the same order as from SQLite. Raises `PredictionLogError` if the table or a
    column is missing.
    """
    inspector = sa.inspect(engine)
    if not inspector.has_table(TABLE):
        raise PredictionLogError(f"The prediction log database {engine.url!r} has no table {TABLE!r}")
    present = {column["name"] for column in inspector.get_columns(TABLE)}
    missing = [column for column in LOG_COLUMNS if column not in present]
    if missing:
        raise PredictionLogError(f"Table {TABLE!r} lacks the column(s) {missing}")
    table = sa.table(TABLE, *(sa.column(name) for name in LOG_COLUMNS))
    created_at, request_id = (_bytewise(table.c[name], engine) for name in ("created_at", "request_id"))
    query = sa.select(*table.c).where(created_at >= iso_utc(window.start), created_at < iso_utc(window.end))
    if not include_reduced:
        query = query.where(table.c.input_json != REDUCED_INPUT_JSON)
    for name, value in (filters or {}).items():
        if value is not None:
            if name not in LOG_COLUMNS:
                raise PredictionLogError(f"Unknown prediction log filter {name!r}; columns: {LOG_COLUMNS}")
            query = query.where(table.c[name] == value)
    with engine.connect() as connection:
        frame = pd.read_sql_query(query.order_by(created_at, request_id), connection)
    return frame


def _bytewise(column: sa.ColumnClause, engine: sa.Engine) -> sa.ColumnElement:
    """The text column compared by bytes (SQLite's default; PostgreSQL's "C" collation)."""
    return sa.collate(column, "C") if engine.dialect.name == "postgresql" else column


def expand_applications(log: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """One row per request with the application ``columns`` (name → reference dtype) from ``input_json``.

    Numeric columns become float64 (a value that is not a number is an error naming the request and field),
    text columns strings; fields a request did not send are missing. ``SK_ID_CURR`` falls back to
    ``client_id`` when the fields lack it. Unknown fields are ignored (the API refuses them anyway).
    """
    records = []
    for request_id, text in zip(log["request_id"], log["input_json"], strict=True):
        try:
            fields = json.loads(text) if text else {}
        except (TypeError, json.JSONDecodeError) as error:
            raise PredictionLogError(
                f"Request {request_id}: input_json is not valid JSON ({error})"
            ) from None
        if not isinstance(fields, dict):
            raise PredictionLogError(f"Request {request_id}: input_json is not a JSON object")
        records.append(fields)
    raw = pd.DataFrame.from_records(records, index=log.index) if records else pd.DataFrame(index=log.index)
    expanded: dict[str, pd.Series] = {}
    for column, dtype in columns.items():
        values = raw[column] if column in raw.columns else pd.Series(np.nan, index=log.index, dtype=object)
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            expanded[column] = _as_float(values, column, log["request_id"])
        else:
            expanded[column] = values.astype(object).where(values.notna(), None).astype("string")
    frame = pd.DataFrame(expanded, index=log.index)
    if CLIENT_KEY in frame.columns:
        frame[CLIENT_KEY] = frame[CLIENT_KEY].fillna(pd.to_numeric(log["client_id"], errors="coerce"))
    return frame.reset_index(drop=True)


def _as_float(values: pd.Series, column: str, request_ids: pd.Series) -> pd.Series:
    converted = pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, bool))), errors="coerce")
    bad = values.notna() & converted.isna()
    if bad.any():
        examples = [
            f"{rid}: {value!r}" for rid, value in zip(request_ids[bad][:3], values[bad][:3], strict=True)
        ]
        raise PredictionLogError(f"Field {column!r} must be numeric; offending requests: {examples}")
    return converted.astype(np.float64)
