"""The review store beside the decision log: its tables are created with the log's (also in a database an
earlier release made), reviews are append-only, an override is approved once; on SQLite and on PostgreSQL
(marker ``postgres``: the throw-away cluster of tests/fixtures/postgres.py)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from credit_scoring.records import decision_review_approvals, decision_reviews, prediction_log
from credit_scoring.serving.decision_log import DecisionLog, DecisionRecord
from credit_scoring.serving.reviews import (
    ReviewRefused,
    ReviewStore,
    check_justification,
    in_review_band,
)

WHY = "Income checked on three payslips, the bureau record is outdated."


def record(request_id: str = "r-1", probability: float = 0.3, decision: str = "refused") -> DecisionRecord:
    return DecisionRecord(
        request_id=request_id,
        created_at="2026-12-07T05:00:00.000Z",
        endpoint="/api/v1/predict",
        model_name="credit-scoring",
        model_version="3",
        client_id=100001,
        input_json="{}",
        probability=probability,
        decision=decision,
        threshold=0.25,
        latency_ms=1.0,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'log.db'}"


@pytest.fixture
def log(url: str, tmp_path) -> DecisionLog:
    log = DecisionLog(url, spool_path=tmp_path / "spool.jsonl")
    yield log
    log.dispose()


def test_the_band_holds_the_threshold() -> None:
    assert in_review_band(0.25, 0.25) and in_review_band(0.2, 0.25) and in_review_band(0.31, 0.25)
    assert not in_review_band(0.19, 0.25) and not in_review_band(0.3125, 0.25)
    assert not in_review_band(0.25, 0.25, (1.0, 1.0))


@pytest.mark.parametrize("text", [None, "", "   ", "short", "x" * 1001])
def test_a_justification_is_required_and_bounded(text) -> None:
    with pytest.raises(ReviewRefused) as refused:
        check_justification(text)
    assert refused.value.status == 422 and refused.value.field == "justification"
    assert check_justification(f"  {WHY}\n") == WHY


def test_an_earlier_decision_log_gets_the_review_tables(url: str, tmp_path) -> None:
    engine = sa.create_engine(url)
    prediction_log.create(engine)  # a database made before the reviews existed
    engine.dispose()
    log = DecisionLog(url, spool_path=tmp_path / "spool.jsonl")
    log.write([record()])
    names = set(sa.inspect(log.engine).get_table_names())
    assert {"prediction_log", "decision_reviews", "decision_review_approvals"} <= names
    log.dispose()


def test_an_override_is_appended_then_approved_once(log) -> None:
    log.write([record()])
    store = ReviewStore(lambda: log.engine)
    subject = store.decision("r-1")
    assert subject is not None and subject.decision == "refused" and subject.client_id == 100001
    review = store.add(subject, "granted", WHY, reviewer="marie", reviewer_role="adviser")
    assert (review["action"], review["status"], review["risk_band"]) == (
        "override",
        "pending_approval",
        "high",
    )
    assert review["in_review_band"] is True
    with pytest.raises(ReviewRefused) as pending:
        store.add(subject, "refused", WHY, reviewer="paul", reviewer_role="adviser")
    assert pending.value.status == 409
    # another approver was first, between the check and the insert: the key refuses the second
    with log.engine.begin() as connection:
        connection.execute(
            decision_review_approvals.insert(),
            [
                {
                    "review_id": review["review_id"],
                    "outcome": "approved",
                    "approver": "rita",
                    "approver_role": "risk",
                    "approved_at": "2026-12-07T05:01:00.000Z",
                    "note": None,
                }
            ],
        )
    with pytest.raises(ReviewRefused) as twice:
        store.approve(review["review_id"], "rejected", approver="sam", approver_role="risk", note=WHY)
    assert twice.value.code == "already_decided"
    with log.engine.connect() as connection:
        rows = connection.execute(sa.select(decision_reviews)).all()
        approvals = connection.execute(sa.select(decision_review_approvals)).all()
    assert len(rows) == 1 and len(approvals) == 1 and approvals[0].approver == "rita"
    assert store.review(review["review_id"])["status"] == "approved"
    summary = store.summary()
    assert summary["by_reviewer"] == [
        {"reviewer": "marie", "reviews": 1, "overrides": 1, "override_rate": 1.0}
    ]
    assert summary["by_status"]["approved"] == 1 and summary["by_review_band"][0]["reviews"] == 1
    assert store.to_review() == ([], 0)  # reviewed: out of the queue
    rows, total = store.reviews(client_id=100001, status="approved")
    assert total == 1 and rows[0]["approver"] == "rita"


def test_two_overrides_of_one_decision_at_once_store_one(log) -> None:
    log.write([record()])
    store = ReviewStore(lambda: log.engine)
    subject = store.decision("r-1")
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def override(name: str) -> None:
        barrier.wait()
        try:
            store.add(subject, "granted", WHY, reviewer=name, reviewer_role="adviser")
            outcomes.append("stored")
        except ReviewRefused as refused:
            outcomes.append(refused.code or "refused")
        except sa.exc.OperationalError:  # SQLite: a writer whose snapshot is stale is refused
            outcomes.append("busy")

    threads = [threading.Thread(target=override, args=(f"adviser{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1, outcomes
    assert store.reviews(subject="r-1")[1] == 1
