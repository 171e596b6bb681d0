"""The prediction log reader against a real SQLite file with the scoring API's schema."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from credit_scoring.monitoring.prediction_log import (
    PredictionLogError,
    expand_applications,
    iso_utc,
    parse_utc,
    read_prediction_log,
    resolve_window,
)
from tests.fixtures.prediction_log import write_prediction_log

FIELDS = {
    "SK_ID_CURR": "float64",
    "AMT_CREDIT": "float64",
    "CODE_GENDER": "string",
    "EXT_SOURCE_1": "float64",
}


@pytest.fixture
def log_url(tmp_path: Path) -> str:
    applications = pd.DataFrame(
        {
            "SK_ID_CURR": [100001, 100002, 100003, 100004],
            "AMT_CREDIT": [250000.0, 90000.5, np.nan, 1.0e6],
            "CODE_GENDER": ["F", "M", None, "XNA"],
        }
    )
    return write_prediction_log(
        tmp_path / "prediction_log.db", applications, np.array([0.1, 0.6, 0.3, 0.9]), "2026-12-01T23:58:00Z"
    )


def test_the_window_is_half_open_and_in_utc(log_url: str) -> None:
    engine = sa.create_engine(log_url)
    # requests at 23:58, 23:59, 00:00 and 00:01 UTC; the end (00:00:30 UTC) is given in UTC+1
    window = resolve_window("2026-12-01T23:59:00Z", "2026-12-02T01:00:30+01:00", now=datetime.now(UTC))
    log = read_prediction_log(engine, window)
    assert log["request_id"].tolist() == ["req-000001", "req-000002"]
    assert log["probability"].tolist() == [0.6, 0.3]
    assert read_prediction_log(engine, window, {"endpoint": "/api/v1/other"}).empty


def test_last_days_counts_back_from_now() -> None:
    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    window = resolve_window(last_days=1, now=now)
    assert (iso_utc(window.start), iso_utc(window.end)) == (
        "2026-12-01T04:00:00.000Z",
        "2026-12-02T04:00:00.000Z",
    )
    with pytest.raises(PredictionLogError, match="start time or a positive last_days"):
        resolve_window(now=now, last_days=None)
    with pytest.raises(PredictionLogError, match="not before end"):
        resolve_window("2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z", now=now)
    with pytest.raises(PredictionLogError, match="start: 'yesterday' is not an ISO-8601 time"):
        resolve_window("yesterday", now=now)
    assert parse_utc("2026-12-02T04:05:06.123Z") == datetime(2026, 12, 2, 4, 5, 6, 123000, tzinfo=UTC)


def test_logged_fields_become_application_columns(log_url: str) -> None:
    window = resolve_window("2026-12-01T00:00:00Z", "2026-12-03T00:00:00Z", now=datetime.now(UTC))
    log = read_prediction_log(sa.create_engine(log_url), window)
    frame = expand_applications(log, FIELDS)
    assert list(frame.columns) == list(FIELDS)
    # SK_ID_CURR comes from client_id when the fields lack it (first request)
    assert frame["SK_ID_CURR"].tolist() == [100001.0, 100002.0, 100003.0, 100004.0]
    assert frame["AMT_CREDIT"].dtype == np.float64 and np.isnan(frame["AMT_CREDIT"][2])
    assert frame["CODE_GENDER"].tolist()[:2] == ["F", "M"] and pd.isna(frame["CODE_GENDER"][2])
    assert frame["EXT_SOURCE_1"].isna().all()  # never sent


def test_malformed_logs_are_named(tmp_path: Path, log_url: str) -> None:
    window = resolve_window("2026-12-01T00:00:00Z", "2026-12-03T00:00:00Z", now=datetime.now(UTC))
    log = read_prediction_log(sa.create_engine(log_url), window)
    bad = log.assign(input_json=[json.dumps({"AMT_CREDIT": "lots"}), *log["input_json"].tolist()[1:]])
    with pytest.raises(PredictionLogError, match=r"'AMT_CREDIT' must be numeric.*req-000000: 'lots'"):
        expand_applications(bad, FIELDS)
    with pytest.raises(PredictionLogError, match="req-000000: input_json is not valid JSON"):
        expand_applications(log.assign(input_json=["{oops"] * len(log)), FIELDS)
    empty_db = tmp_path / "empty.db"
    sqlite3.connect(empty_db).close()
    with pytest.raises(PredictionLogError, match="has no table 'prediction_log'"):
        read_prediction_log(sa.create_engine(f"sqlite:///{empty_db}"), window)
    partial = tmp_path / "partial.db"
    with sqlite3.connect(partial) as connection:
        connection.execute("CREATE TABLE prediction_log (request_id TEXT, created_at TEXT)")
    with pytest.raises(PredictionLogError, match="lacks the column"):
        read_prediction_log(sa.create_engine(f"sqlite:///{partial}"), window)
