"""``python -m credit_scoring.audit``: export as JSON lines (recorded), erase, retention, the database from
the configuration, and clear errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from credit_scoring import audit as audit_cli
from credit_scoring.access.audit import AUDIT_EXPORT, CLIENT_VIEW, DECISION_SERVED, AuditEvent, AuditTrail
from credit_scoring.records import utc_timestamp
from credit_scoring.serving.decision_log import DecisionLog
from credit_scoring.serving.reviews import ReviewStore
from tests.fixtures.decision_records import decision_record
from tests.fixtures.postgres import free_port


def seed(url: str) -> None:
    trail = AuditTrail(url)
    trail.record_many(
        [
            AuditEvent("marie", "user", CLIENT_VIEW, "ok", client_id=100002, detail={"language": "fr"}),
            AuditEvent("scoring", "key", DECISION_SERVED, "ok", client_id=100003),
            AuditEvent("paul", "user", CLIENT_VIEW, "ok", client_id=100002),
        ]
    )
    trail.dispose()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_export_prints_json_lines_and_is_recorded(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(url)
    assert audit_cli.main(["export", "--client", "100002", "--database-url", url, "--actor", "dpo"]) == 0
    rows = json_lines(capsys.readouterr().out)
    assert [(row["actor"], row["detail"]) for row in rows] == [("marie", {"language": "fr"}), ("paul", None)]

    # the database before the command works too, and the filters combine
    arguments = ["--database-url", url, "export", "--user", "scoring", "--since", "2000-01-01"]
    assert audit_cli.main(arguments) == 0
    assert [row["action"] for row in json_lines(capsys.readouterr().out)] == [DECISION_SERVED]

    exports = AuditTrail(url).export(user="dpo")
    assert [(event["action"], event["actor_kind"], event["client_id"]) for event in exports] == [
        (AUDIT_EXPORT, "system", 100002)
    ]
    assert exports[0]["detail"] == {"client_id": 100002, "rows": 2}


def test_the_actor_defaults_to_the_os_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setattr("getpass.getuser", lambda: "operator")
    assert audit_cli.main(["export", "--database-url", url]) == 0
    assert capsys.readouterr().out == ""
    assert [event["actor"] for event in AuditTrail(url).export()] == ["operator"]


def test_erase_and_retention_print_their_counts(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = utc_timestamp(datetime.now(UTC) - timedelta(days=10))
    log = DecisionLog(url, spool_path=tmp_path / "spool.jsonl")
    log.write(
        [decision_record("a", client_id=100002), decision_record("b", client_id=100003, created_at=old)]
    )
    store = ReviewStore(lambda: log.engine)
    for request_id in ("a", "b"):  # a confirmation of each decision, the second as old as its decision
        subject = store.decision(request_id)
        assert subject is not None
        at = old if request_id == "b" else None
        store.add(
            subject, "granted", "Income checked on payslips", reviewer="marie", reviewer_role="adviser", at=at
        )
    log.dispose()

    assert audit_cli.main(["erase", "--client", "100002", "--database-url", url, "--actor", "dpo"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "client_id": 100002,
        "decision_log_deleted": 1,
        "reviews_deleted": 1,
        "review_approvals_deleted": 0,
        "review_events_reduced": 0,
        "audit_events_kept": 0,
    }
    assert audit_cli.main(["retention", "--days", "7", "--audit-days", "400", "--database-url", url]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["decision_log_reduced"], counts["reviews_reduced"], counts["audit_deleted"]) == (1, 1, 0)
    assert counts["audit_retention_days"] == 400
    assert [event["action"] for event in AuditTrail(url).export()] == ["client.erased", "retention.applied"]


def test_the_database_defaults_to_the_configured_decision_log_relative_to_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDIT_SCORING_ROOT", raising=False)
    monkeypatch.setenv("CREDIT_SCORING_PREDICTION_LOG_URL", "sqlite:///logs/app.db")
    assert audit_cli.main(["export", "--actor", "dpo"]) == 0
    assert (tmp_path / "logs" / "app.db").is_file()
    assert AuditTrail(f"sqlite:///{tmp_path / 'logs' / 'app.db'}").count() == 1


def test_a_real_process_prints_json_lines(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    seed(url)
    result = subprocess.run(
        [sys.executable, "-m", "credit_scoring.audit", "export", "--client", "100002", "--database-url", url],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "DO_NOT_TRACK": "1"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [row["actor"] for row in json_lines(result.stdout)] == ["marie", "paul"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["export", "--client", "abc"], "a client id is an integer (SK_ID_CURR), got 'abc'"),
        (["erase", "--client", "1.5"], "a client id is an integer"),
        (["erase"], "the following arguments are required: --client"),
        (["export", "--since", "2026-13-01"], "not an ISO date or datetime: '2026-13-01'"),
        (["retention", "--days", "0"], "at least 1; got '0'"),
        (["retention", "--audit-days", "a year"], "at least 1; got 'a year'"),
        ([], "the following arguments are required: command"),
        (["forget"], "invalid choice: 'forget'"),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert audit_cli.main([*arguments, "--database-url", url] if arguments else []) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "app.db").exists()  # nothing was opened


def test_an_unreachable_sqlite_database_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("")
    url = f"sqlite:///{tmp_path / 'a-file' / 'app.db'}"
    for command in (["export"], ["erase", "--client", "1"], ["retention"]):
        assert audit_cli.main([*command, "--database-url", url]) == 2
        error = capsys.readouterr().err
        assert error.startswith(
            "python -m credit_scoring.audit: error: cannot reach the database at sqlite:///"
        )


@pytest.mark.postgres
def test_a_closed_postgres_port_exits_2_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{free_port()}/nowhere"
    assert audit_cli.main(["export", "--client", "1", "--database-url", url]) == 2
    error = capsys.readouterr().err
    assert "cannot reach the database at postgresql+psycopg://postgres:***@127.0.0.1" in error
    assert "s3cret" not in error


def test_a_malformed_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert audit_cli.main(["export", "--database-url", "not a url"]) == 2
    assert "cannot reach the database at 'not a url'" in capsys.readouterr().err


def test_retention_periods_come_from_the_settings_unless_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scheduled ``retention`` with no argument applies the configured periods (conf/local/app.yml)."""
    (tmp_path / "conf" / "local").mkdir(parents=True)
    (tmp_path / "conf" / "base").symlink_to(Path(__file__).resolve().parents[2] / "conf" / "base")
    (tmp_path / "conf" / "local" / "app.yml").write_text(
        "privacy:\n  decision_log_retention_days: 30\n  audit_retention_days: 400\n"
    )
    monkeypatch.setenv("CREDIT_SCORING_ROOT", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert audit_cli.main(["retention", "--database-url", url]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["decision_log_retention_days"], counts["audit_retention_days"]) == (30, 400)
    assert audit_cli.main(["retention", "--days", "9", "--database-url", url]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["decision_log_retention_days"], counts["audit_retention_days"]) == (9, 400)
