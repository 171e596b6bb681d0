"""``ensure-admin --wait-s`` at a host's start-up: a database server that does not answer yet is waited for
(bounded, each attempt logged without the password); one that answers but refuses the credentials or has no
such database fails at once, naming user, host and database, never the password."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from psycopg import sql

from credit_scoring import users as users_cli
from credit_scoring.access.users import UserStore
from tests.fixtures.postgres import PostgresServer, free_port

SECRET = "s3cret-not-to-be-seen"
ADMIN_PASSWORD = "correct horse battery"


def run_cli(url: str, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    output = io.StringIO()
    code = users_cli.main(["--database-url", url, *argv], stdin=io.StringIO(""), stdout=output)
    return code, output.getvalue(), capsys.readouterr().err


def test_a_server_that_never_answers_is_waited_for_then_given_up(capsys) -> None:
    url = f"postgresql+psycopg://app:{SECRET}@127.0.0.1:{free_port()}/app"
    started = time.monotonic()
    code, _, err = run_cli(url, "ensure-admin", "--wait-s", "1.5", capsys=capsys)
    assert code == users_cli.UNREACHABLE == 3
    assert time.monotonic() - started < 60  # bounded by the wait, not by a driver's own retries
    assert SECRET not in err
    shown = sa.make_url(url).render_as_string(hide_password=True)
    assert f"waiting for the application database {shown} (attempt 1, 0 s of 1.5 s)" in err
    assert f"error: the application database {shown} did not answer within 1.5 s (2 attempts)" in err
    assert "refused" in err.lower()


def test_the_wait_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(users_cli.START_WAIT_ENV, "7")
    assert users_cli._parser().parse_args(["ensure-admin"]).wait_s == 7.0
    monkeypatch.delenv(users_cli.START_WAIT_ENV)
    assert users_cli._parser().parse_args(["ensure-admin"]).wait_s == 0.0
    monkeypatch.setenv(users_cli.START_WAIT_ENV, "two minutes")
    with pytest.raises(SystemExit, match="CREDIT_SCORING_START_WAIT_S='two minutes' is not a number"):
        users_cli._parser()


def test_a_file_database_is_not_waited_for(tmp_path: Path) -> None:
    assert users_cli.wait_for_database(f"sqlite:///{tmp_path / 'app.db'}", 60, io.StringIO()) == 0


def test_the_attempts_back_off_and_stop_at_the_wait() -> None:
    """With a fake clock: pauses of 1, 2, 4, 5, 5... s, and no attempt starts after the wait."""
    now = [0.0]
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    log = io.StringIO()
    url = f"postgresql+psycopg://app:{SECRET}@127.0.0.1:{free_port()}/app"
    with pytest.raises(users_cli.DatabaseUnreachable, match=r"within 20 s \(6 attempts\)"):
        users_cli.wait_for_database(url, 20, log, sleep=sleep, clock=lambda: now[0])
    assert pauses == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert log.getvalue().count("waiting for the application database") == 5 and SECRET not in log.getvalue()


# --- a real PostgreSQL server ------------------------------------------------------------------------------


@pytest.fixture
def password_user(postgres_server: PostgresServer, postgres_url: str) -> Iterator[tuple[str, str]]:
    """A login role with a password, which the server checks (scram-sha-256) for it alone: the cluster
    trusts every other connection. Yields (user, password)."""
    user, password = "scorer_with_password", "the-right-password-42"
    hba = postgres_server.data_dir / "pg_hba.conf"
    before = hba.read_text()
    database = sa.make_url(postgres_url).database
    with postgres_server.connect() as connection:
        connection.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(user), sql.Literal(password))
        )
        connection.execute(
            sql.SQL("GRANT ALL ON DATABASE {} TO {}").format(sql.Identifier(database), sql.Identifier(user))
        )
        hba.write_text(f"host all {user} 127.0.0.1/32 scram-sha-256\n{before}")
        connection.execute("SELECT pg_reload_conf()")
    try:
        yield user, password
    finally:
        hba.write_text(before)
        with postgres_server.connect() as connection:
            connection.execute("SELECT pg_reload_conf()")
            connection.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                    sql.Identifier(database), sql.Identifier(user)
                )
            )
            connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(user)))


@pytest.mark.postgres
def test_a_wrong_password_fails_at_once_naming_user_host_and_database(
    postgres_server: PostgresServer, postgres_url: str, password_user: tuple[str, str], capsys
) -> None:
    user, password = password_user
    right = sa.make_url(postgres_url).set(username=user, password=password)
    assert users_cli.wait_for_database(right.render_as_string(False), 5, io.StringIO()) == 1, (
        "the setup works"
    )
    wrong = right.set(password=SECRET).render_as_string(False)
    started = time.monotonic()
    code, _, err = run_cli(wrong, "ensure-admin", "--wait-s", "120", capsys=capsys)
    assert code == 2 and time.monotonic() - started < 30, "not retried for the whole wait"
    assert "waiting for" not in err and SECRET not in err and password not in err
    assert "answers but it refused the password" in err
    database = right.database
    assert f"user '{user}', host 127.0.0.1:{postgres_server.port}, database '{database}'" in err
    assert "waiting will not fix it" in err


@pytest.mark.postgres
def test_a_missing_database_fails_at_once(postgres_server: PostgresServer, capsys) -> None:
    url = sa.make_url(postgres_server.url("no_such_database")).set(password=SECRET).render_as_string(False)
    code, _, err = run_cli(url, "ensure-admin", "--wait-s", "120", capsys=capsys)
    assert code == 2 and "waiting for" not in err and SECRET not in err
    assert "it has no such database" in err and "database 'no_such_database'" in err


@pytest.mark.postgres
def test_a_server_that_comes_back_during_the_wait_gets_its_first_administrator(
    postgres_server: PostgresServer, postgres_url: str, monkeypatch, capsys
) -> None:
    """The server is stopped when ensure-admin starts and started again 2 s later: it waits, then creates
    the administrator."""
    monkeypatch.setenv(users_cli.ADMIN_PASSWORD_ENV, ADMIN_PASSWORD)
    postgres_server.stop()
    restart = threading.Timer(2.0, postgres_server.start)
    restart.start()
    try:
        code, printed, err = run_cli(postgres_url, "ensure-admin", "--wait-s", "60", capsys=capsys)
    finally:
        restart.join()
        if not postgres_server.answers():
            postgres_server.start()
    assert code == 0, err
    assert "waiting for the application database" in err and "answers (attempt" in err
    assert "first administrator 'admin' created" in printed
    assert UserStore(postgres_url).authenticate("admin", ADMIN_PASSWORD).valid
