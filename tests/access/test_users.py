"""The dashboard's users: argon2id hashes only, one cost whatever the name, roles and names checked, disabled
users refused; on SQLite and on a real PostgreSQL; and the command line that manages them."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from credit_scoring import users as users_cli
from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.tables import users
from credit_scoring.access.users import UserStore

PASSWORD = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only: the default costs ~0.2 s


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(f"sqlite:///{tmp_path / 'app.db'}", hasher=FAST)


def check_the_store(store: UserStore) -> None:
    added = store.add("marie.dupont", "adviser", PASSWORD)
    assert (added.role, added.disabled, added.last_sign_in_at) == ("adviser", False, None)
    assert store.authenticate("marie.dupont", PASSWORD).user.last_sign_in_at is not None
    assert store.authenticate("marie.dupont", "wrong password!").outcome == "wrong_password"
    assert store.authenticate("nobody", PASSWORD).outcome == "unknown_user"
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    store.disable("marie.dupont")
    assert store.authenticate("marie.dupont", PASSWORD).outcome == "disabled"
    assert store.authenticate("marie.dupont", "wrong password!").outcome == "wrong_password"
    store.enable("marie.dupont")
    store.set_password("marie.dupont", "another long password")
    assert not store.authenticate("marie.dupont", PASSWORD).valid
    assert store.authenticate("marie.dupont", "another long password").valid
    with pytest.raises(ValueError, match="exists already"):
        store.add("marie.dupont", "risk", PASSWORD)
    assert [user.name for user in store.list()] == ["marie.dupont"]


def test_users_on_sqlite(store: UserStore) -> None:
    check_the_store(store)


@pytest.mark.postgres
def test_users_on_postgresql(postgres_url: str) -> None:
    check_the_store(UserStore(postgres_url, hasher=FAST))


@pytest.mark.parametrize(
    ("name", "role", "password", "problem"),
    [
        ("", "adviser", PASSWORD, "invalid user name"),
        ("a b", "adviser", PASSWORD, "invalid user name"),
        ("marie", "boss", PASSWORD, "unknown role 'boss'"),
        ("marie", "adviser", "short", "at least 12 characters"),
        ("marie", "adviser", " padded password ", "must not start or end with a space"),
        ("marie", "adviser", "x" * 2000, "at most 1024 characters"),
    ],
)
def test_bad_users_are_refused_by_name(store: UserStore, name, role, password, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        store.add(name, role, password)
    assert store.list() == []


def test_an_unknown_user_cannot_be_changed(store: UserStore) -> None:
    for change in (store.disable, store.enable, lambda name: store.set_password(name, PASSWORD)):
        with pytest.raises(ValueError, match="no user named 'ghost'"):
            change("ghost")


def test_a_weaker_hash_is_replaced_at_the_next_sign_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    UserStore(url, hasher=FAST).add("marie", "adviser", PASSWORD)
    stronger = UserStore(url, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert stronger.authenticate("marie", PASSWORD).valid
    with stronger.engine.connect() as connection:
        assert "m=2048,t=2" in connection.execute(sa.select(users.c.password_hash)).scalar_one()


def test_admins_are_counted_when_enabled(store: UserStore) -> None:
    store.add("root", "admin", PASSWORD)
    store.add("ann", "risk", PASSWORD)
    assert store.count_admins() == 1
    store.disable("root")
    assert store.count_admins() == 0


# --- the command line --------------------------------------------------------------------------------


def run_cli(url: str, *argv: str, stdin: str = "") -> tuple[int, str]:
    output = io.StringIO()
    code = users_cli.main(["--database-url", url, *argv], stdin=io.StringIO(stdin), stdout=output)
    return code, output.getvalue()


def test_the_command_line_manages_users(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert run_cli(url, "add", "marie", "--role", "risk", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, listing = run_cli(url, "list", "--json")
    assert code == 0 and '"name": "marie"' in listing and '"role": "risk"' in listing
    assert "password" not in listing
    assert run_cli(url, "set-role", "marie", "--role", "adviser")[0] == 0
    assert run_cli(url, "disable", "marie")[1].startswith("disabled marie\tadviser\tdisabled")
    assert run_cli(url, "set-password", "marie", "--password-stdin", stdin="short\n")[0] == 2
    assert "at least 12 characters" in capsys.readouterr().err
    assert run_cli(url, "add", "marie", "--role", "risk", "--password-stdin", stdin="")[0] == 2
    assert "no password on the standard input" in capsys.readouterr().err
    changes = [(event["action"], event["detail"]) for event in AuditTrail(url).export()]
    assert changes == [
        ("user.add", {"user": "marie", "role": "risk"}),
        ("user.role", {"user": "marie", "role": "adviser"}),
        ("user.disable", {"user": "marie"}),
    ]


def test_the_command_line_reads_the_password_from_stdin_only(tmp_path: Path) -> None:
    """A real run, as an operator types it: the password goes through a pipe, never the arguments."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    command = [sys.executable, "-m", "credit_scoring.users", "--database-url", url]
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    added = subprocess.run(
        [*command, "add", "ann", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert UserStore(url).authenticate("ann", PASSWORD).valid
    refused = subprocess.run(
        [*command, "add", "bob", "--role", "admin", "--password", PASSWORD],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert refused.returncode == 2 and "unrecognized arguments" in refused.stderr


def test_the_first_administrator_gets_a_random_password_shown_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(users_cli.ADMIN_PASSWORD_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    code, printed = run_cli(url, "ensure-admin")
    password = re.search(r"with the password (\S+)", printed).group(1)
    assert code == 0 and len(password) >= 20
    assert UserStore(url).authenticate("admin", password).user.role == "admin"
    code, again = run_cli(url, "ensure-admin")
    assert code == 0 and password not in again and "none created" in again
    UserStore(url).disable("admin")
    code, _ = run_cli(url, "ensure-admin")
    assert code == 2, "a disabled user named admin is not silently replaced"
    assert run_cli(url, "ensure-admin", "--name", "second.admin")[0] == 0
    added = [event["detail"] for event in AuditTrail(url).export(action="user.add")]
    assert added == [{"user": "admin", "role": "admin"}, {"user": "second.admin", "role": "admin"}]


def test_the_first_administrator_can_take_its_password_from_the_environment(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(users_cli.ADMIN_PASSWORD_ENV, PASSWORD)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    code, printed = run_cli(url, "ensure-admin")
    assert code == 0 and PASSWORD not in printed and users_cli.ADMIN_PASSWORD_ENV in printed
    assert UserStore(url).authenticate("admin", PASSWORD).valid
    monkeypatch.setenv(users_cli.ADMIN_PASSWORD_ENV, "short")
    assert run_cli(f"sqlite:///{tmp_path / 'other.db'}", "ensure-admin")[0] == 2
