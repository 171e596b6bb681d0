"""The drift pipeline's reader of the decision log reads the same rows on PostgreSQL as on SQLite."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from credit_scoring.monitoring.prediction_log import (
    LOG_COLUMNS,
    PredictionLogError,
    expand_applications,
    resolve_window,
)
from credit_scoring.pipelines.drift.datasets import PredictionLogReader
from credit_scoring.serving.decision_log import DecisionLog
from tests.fixtures.decision_records import awkward_records
from tests.fixtures.prediction_log import SCHEMA

pytestmark = pytest.mark.postgres

FIELDS = {"SK_ID_CURR": "float64", "AMT_CREDIT": "float64", "ORGANIZATION_TYPE": "string", "NOTE": "string"}
# [00:00, 24:00) on 2 December: the records at 23:59:59.999 the day before and at 00:00 the day after are out
WINDOW = resolve_window("2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z", now=datetime.now(UTC))
IN_WINDOW = ["req-a", "req_a", "reqa", "Req-0", "req-late"]  # by time, then bytewise ('-' < '_' < 'a')


def read_both(sqlite_url: str, postgres_url: str, filters: dict | None = None) -> pd.DataFrame:
    """The frames read from both databases, asserted equal; returns the PostgreSQL one."""
    from_sqlite = PredictionLogReader(sqlite_url).read(WINDOW, filters)
    from_postgres = PredictionLogReader(postgres_url).read(WINDOW, filters)
    pd.testing.assert_frame_equal(from_postgres, from_sqlite)
    return from_postgres


def test_the_reader_reads_postgres_as_sqlite(postgres_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path}/prediction_log.db"
    for url in (sqlite_url, postgres_url):
        assert DecisionLog(url, spool_path=tmp_path / "spool.jsonl").write(awkward_records()[::-1])

    log = read_both(sqlite_url, postgres_url)
    assert log["request_id"].tolist() == IN_WINDOW
    assert list(log.columns) == list(LOG_COLUMNS)
    expected = pd.DataFrame([asdict(r) for r in awkward_records() if r.request_id in IN_WINDOW])
    by_id = expected.set_index("request_id").loc[IN_WINDOW].reset_index()
    assert log["probability"].tolist() == by_id["probability"].tolist()  # bit for bit
    assert log["client_id"].tolist() == by_id["client_id"].tolist()  # 2**53 intact
    assert log["input_json"].tolist() == by_id["input_json"].tolist()

    assert read_both(sqlite_url, postgres_url, {"model_version": "4"})["request_id"].tolist() == ["req-late"]
    batch = read_both(sqlite_url, postgres_url, {"endpoint": "/api/v1/predict/batch", "model_version": None})
    assert batch["request_id"].tolist() == ["reqa"]
    assert read_both(sqlite_url, postgres_url, {"model_name": "another-model"}).empty

    applications = expand_applications(log, FIELDS)
    sqlite_applications = expand_applications(PredictionLogReader(sqlite_url).read(WINDOW), FIELDS)
    pd.testing.assert_frame_equal(applications, sqlite_applications)
    assert applications["ORGANIZATION_TYPE"].tolist()[1] == "Entreprise générale ☃"


def test_a_table_made_by_another_tool_is_still_read_in_time_then_byte_order(postgres_url: str) -> None:
    """A log table created with the database's own collation (ICU English here), not the API's DDL."""
    engine = sa.create_engine(postgres_url)
    rows = [asdict(record) for record in awkward_records()]
    with engine.begin() as connection:
        connection.exec_driver_sql(SCHEMA.replace("REAL", "DOUBLE PRECISION").replace("INTEGER", "BIGINT"))
        connection.execute(
            sa.table("prediction_log", *(sa.column(name) for name in LOG_COLUMNS)).insert(), rows
        )
        collated = connection.exec_driver_sql(
            "SELECT request_id FROM prediction_log WHERE created_at = '2026-12-02T00:00:00.000Z' ORDER BY 1"
        )
        assert collated.scalars().all() == ["req_a", "req-a", "reqa"]  # the database's own order differs
    log = PredictionLogReader(postgres_url).read(WINDOW)
    assert log["request_id"].tolist() == IN_WINDOW
    engine.dispose()


def test_an_empty_database_is_named(postgres_url: str) -> None:
    with pytest.raises(PredictionLogError, match="has no table 'prediction_log'"):
        PredictionLogReader(postgres_url).read(WINDOW)
