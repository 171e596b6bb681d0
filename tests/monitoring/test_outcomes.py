"""The outcome feed against a real decision log (SQLite file): every bad row named with its file, line and
reason, the good rows kept, and the label delay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from credit_scoring.database import create_engine
from credit_scoring.monitoring.outcomes import (
    OutcomeError,
    RawOutcomes,
    label_decisions,
    loan_outcomes,
    metadata,
    read_decisions,
    read_outcome_csvs,
    read_outcome_table,
    summarize_feed,
    validate_outcomes,
)
from credit_scoring.records import REDUCED_INPUT_JSON
from credit_scoring.records import metadata as decision_metadata
from credit_scoring.serving.decision_log import DecisionLog
from tests.fixtures.decision_records import decision_record

AS_OF = datetime(2027, 3, 1, tzinfo=UTC)
HEADER = "SK_ID_CURR,request_id,observed_at,defaulted\n"


def decisions() -> list:
    return [
        decision_record("req-1", "2026-01-10T09:00:00.000Z", client_id=100001, probability=0.1),
        decision_record("req-2", "2026-01-15T09:00:00.000Z", client_id=100002, probability=0.2),
        decision_record(
            "req-3", "2026-01-20T09:00:00.000Z", client_id=100003, probability=0.7, decision="refused"
        ),
        decision_record("req-4", "2026-06-01T09:00:00.000Z", client_id=100004, probability=0.25),
        decision_record("req-6", "2026-01-05T09:00:00.000Z", client_id=100006, probability=0.05),
        # reduced by the retention command: no client id left, still found by its request id
        decision_record(
            "req-7",
            "2026-01-06T09:00:00.000Z",
            client_id=None,
            input_json=REDUCED_INPUT_JSON,
            probability=0.15,
        ),
    ]


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    url = f"sqlite:///{tmp_path}/prediction_log.db"
    assert DecisionLog(url, spool_path=tmp_path / "spool.jsonl").write(decisions())
    engine = create_engine(sa.make_url(url))
    yield engine
    engine.dispose()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "outcomes"
    folder.mkdir()
    (folder / "a.csv").write_text(
        HEADER
        + "100001,req-1,2027-01-10,0\n"  # 2: good
        + "100002,,2026-09-01T00:00:00Z,1\n"  # 3: good, matched by client
        + "999999,,2027-01-01,0\n"  # 4: unknown client
        + "100003,req-3,2027-01-01,0\n"  # 5: the decision refused the loan
        + "100001,req-1,2027-01-11,1\n"  # 6: duplicate of line 2
        + "100007,req-7,2027-01-07,0\n"  # 7: good; the client id is gone from the reduced decision
    )
    (folder / "b.csv").write_text(
        HEADER
        + "100004,req-4,2026-05-01,0\n"  # 2: before the decision
        + "100004,req-4,01/07/2027,0\n"  # 3: malformed date
        + "100004,req-4,2027-07-01,2\n"  # 4: not 0/1
        + "100004,req-404,2027-07-01,0\n"  # 5: unknown request
        + "abc,,2027-07-01,0\n"  # 6: malformed client
        + "100004,,,1\n"  # 7: no date
        + "100002,req-4,2027-07-01,1\n"  # 8: request of another client
        + "100004,req-4,2026-12-01,1\n"  # 9: good (a default before the window ends: still open)
    )
    (folder / "c.csv").write_text("SK_ID_CURR,request_id,observed_at\n100006,,2027-02-01\n")
    (folder / "notes.txt").write_text("not a CSV: ignored")
    return folder


def test_every_bad_row_is_named_with_its_file_line_and_reason(engine: sa.Engine, drop: Path) -> None:
    feed = validate_outcomes(read_outcome_csvs(drop), read_decisions(engine, AS_OF))
    refused = {(Path(r.source).name, r.line): r.reason for r in feed.refused}
    assert refused == {
        ("c.csv", 1): "missing_column",
        ("a.csv", 4): "unknown_client",
        ("a.csv", 5): "refused_decision",
        ("a.csv", 6): "duplicate",
        ("b.csv", 2): "before_decision",
        ("b.csv", 3): "malformed_date",
        ("b.csv", 4): "invalid_label",
        ("b.csv", 5): "unknown_request",
        ("b.csv", 6): "malformed_client",
        ("b.csv", 7): "missing_value",
        ("b.csv", 8): "unknown_client",
    }
    by_line = {(Path(r.source).name, r.line): r for r in feed.refused}
    assert (
        "['defaulted']" in by_line["c.csv", 1].detail
        and "1 row(s) were not read" in by_line["c.csv", 1].detail
    )
    assert "a.csv:2" in by_line["a.csv", 6].detail  # the duplicate names the first
    assert by_line["b.csv", 2].describe().endswith("before the decision of 2026-06-01T09:00:00.000Z")
    assert by_line["b.csv", 4].client_id == "100004" and by_line["b.csv", 4].request_id == "req-4"
    # the good rows are kept
    assert feed.outcomes["request_id"].tolist() == ["req-1", "req-2", "req-7", "req-4"]
    assert feed.outcomes["defaulted"].tolist() == [0, 1, 0, 1]
    assert feed.rows_read == 14 and feed.refused_by_reason()["duplicate"] == 1
    # a date alone is known by the end of that day
    assert str(feed.outcomes["observed_at"].iloc[0]) == "2027-01-10 23:59:59.999000+00:00"


def test_label_delay_counts_only_ended_windows(engine: sa.Engine, drop: Path) -> None:
    log = read_decisions(engine, AS_OF)
    feed = validate_outcomes(read_outcome_csvs(drop), log)

    def statuses(as_of: datetime) -> dict[str, str]:
        labelled = label_decisions(log, feed.outcomes, as_of, observation_months=12)
        return dict(zip(labelled["request_id"], labelled["label_status"], strict=True))

    # before any 12-month window ends every granted loan is open, whatever outcome has arrived
    granted = ["req-6", "req-7", "req-1", "req-2", "req-4"]
    assert statuses(datetime(2026, 12, 31, tzinfo=UTC)) == {
        **dict.fromkeys(granted, "open"),
        "req-3": "refused",
    }
    march = statuses(AS_OF)
    assert march == {
        **dict.fromkeys(["req-7", "req-1", "req-2"], "labelled"),
        "req-6": "awaiting",  # its window ended in January, no outcome came
        "req-3": "refused",
        "req-4": "open",
    }
    assert statuses(datetime(2027, 6, 2, tzinfo=UTC))["req-4"] == "labelled"
    # a 6-month window: req-4's ended on 1 December, its outcome (observed that day) counts
    short = label_decisions(log, feed.outcomes, AS_OF, observation_months=6).set_index("request_id")
    assert short.loc["req-4", "label_status"] == "labelled" and short.loc["req-4", "defaulted"] == 1
    labelled = label_decisions(log, feed.outcomes, AS_OF, 12).set_index("request_id")
    assert labelled["defaulted"].isna().loc[["req-4", "req-6", "req-3"]].all()  # no label before it counts

    report = summarize_feed(feed, label_decisions(log, feed.outcomes, AS_OF, 12), AS_OF, 12)
    assert (report.labelled, report.open, report.awaiting, report.refused_decisions) == (3, 1, 1, 1)
    assert (report.accepted, report.refused, report.rows_read) == (4, 11, 14)
    assert report.model_dump()["refused_rows"][0]["reason"] == "missing_column"


def test_the_outcome_table_is_read_like_a_drop(engine: sa.Engine) -> None:
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            loan_outcomes.insert(),
            [
                {"SK_ID_CURR": 100001, "request_id": "req-1", "observed_at": "2027-01-10", "defaulted": 0},
                {"SK_ID_CURR": 100002, "request_id": None, "observed_at": "2025-01-01", "defaulted": 1},
                {
                    "SK_ID_CURR": 100006,
                    "request_id": None,
                    "observed_at": "2027-02-01T10:00:00Z",
                    "defaulted": 1,
                },
            ],
        )
    feed = validate_outcomes(read_outcome_table(engine), read_decisions(engine, AS_OF))
    assert feed.outcomes["request_id"].tolist() == ["req-1", "req-6"]
    [refused] = feed.refused
    assert (refused.source, refused.line, refused.reason) == ("table loan_outcomes", 2, "before_decision")

    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE partial (SK_ID_CURR INTEGER, observed_at TEXT)"))
        connection.execute(sa.text("INSERT INTO partial VALUES (100001, '2027-01-10')"))
    [missing] = read_outcome_table(engine, "partial").refused
    assert (missing.source, missing.reason) == ("table partial", "missing_column")
    with pytest.raises(OutcomeError, match="no outcome table 'nowhere'"):
        read_outcome_table(engine, "nowhere")


def test_an_absent_drop_is_an_error_and_an_empty_one_is_no_outcome(engine: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(OutcomeError, match="No outcome drop"):
        read_outcome_csvs(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    feed = validate_outcomes(read_outcome_csvs(tmp_path / "empty"), read_decisions(engine, AS_OF))
    assert feed.outcomes.empty and feed.refused == [] and feed.rows_read == 0
    labelled = label_decisions(read_decisions(engine, AS_OF), feed.outcomes, AS_OF, 12)
    assert set(labelled["label_status"]) == {"awaiting", "open", "refused"}
    assert validate_outcomes(RawOutcomes(), read_decisions(engine, AS_OF)).outcomes.empty
    assert json.loads(json.dumps(feed.refused_by_reason())) == {}


def test_an_empty_decision_log_makes_every_client_unknown(tmp_path: Path, drop: Path) -> None:
    engine = create_engine(sa.make_url(f"sqlite:///{tmp_path}/empty_log.db"))
    try:
        decision_metadata.create_all(engine)
        log = read_decisions(engine, AS_OF)
    finally:
        engine.dispose()
    feed = validate_outcomes(read_outcome_csvs(drop), log)
    assert feed.outcomes.empty and len(feed.refused) == 15  # the 14 rows and the file without a column
    assert set(feed.refused_by_reason()) >= {"unknown_client", "unknown_request", "missing_column"}
    assert label_decisions(log, feed.outcomes, AS_OF, 12).empty
