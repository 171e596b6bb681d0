"""The outcome table and the decisions are read the same on PostgreSQL as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from credit_scoring.database import create_engine
from credit_scoring.monitoring.outcomes import (
    loan_outcomes,
    metadata,
    read_decisions,
    read_outcome_table,
    validate_outcomes,
)
from credit_scoring.serving.decision_log import DecisionLog
from tests.monitoring.test_outcomes import AS_OF, decisions

pytestmark = pytest.mark.postgres

ROWS = [
    {"SK_ID_CURR": 100001, "request_id": "req-1", "observed_at": "2027-01-10", "defaulted": 0},
    {"SK_ID_CURR": 100002, "request_id": None, "observed_at": "2025-01-01", "defaulted": 1},
    {"SK_ID_CURR": 100007, "request_id": "req-7", "observed_at": "2027-01-07", "defaulted": 1},
    {"SK_ID_CURR": 100003, "request_id": None, "observed_at": "2027-01-07", "defaulted": 0},
]


def feed_from(url: str, spool: Path):
    assert DecisionLog(url, spool_path=spool).write(decisions())
    engine = create_engine(sa.make_url(url))
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(loan_outcomes.insert(), ROWS)
        return validate_outcomes(read_outcome_table(engine), read_decisions(engine, AS_OF))
    finally:
        engine.dispose()


def test_the_outcome_feed_reads_postgres_as_sqlite(postgres_url: str, tmp_path: Path) -> None:
    on_sqlite = feed_from(f"sqlite:///{tmp_path}/log.db", tmp_path / "a.jsonl")
    on_postgres = feed_from(postgres_url, tmp_path / "b.jsonl")
    assert on_postgres.outcomes.equals(on_sqlite.outcomes)
    assert on_postgres.outcomes["request_id"].tolist() == ["req-1", "req-7"]
    assert [(r.line, r.reason) for r in on_postgres.refused] == [
        (2, "before_decision"),
        (4, "refused_decision"),
    ]
    assert on_postgres.refused == on_sqlite.refused
