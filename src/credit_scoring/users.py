"""``python -m credit_scoring.users``: manage the people who sign in to the dashboard.

    python -m credit_scoring.users add NAME --role adviser|risk|admin --password-stdin
    python -m credit_scoring.users list [--json]
    python -m credit_scoring.users set-password NAME --password-stdin
    python -m credit_scoring.users set-role NAME --role ROLE
    python -m credit_scoring.users disable NAME
    python -m credit_scoring.users enable NAME
    python -m credit_scoring.users ensure-admin [--name admin] [--wait-s SECONDS]

``ensure-admin`` (run by `scripts/serve`, hence `make run`) creates the first administrator when there is no
enabled one: its password is ``CREDIT_SCORING_ADMIN_PASSWORD`` when set, else a random one printed once.
There is never a default password. With ``--wait-s`` (default ``$CREDIT_SCORING_START_WAIT_S``, else 0) it
first waits that long at most for a database server that does not answer yet (refused or timed-out
connections, a server starting up), logging each attempt on stderr; a server that answers but refuses the
credentials, or has no such database, fails at once, since waiting will not change that.

Exit status: 0 done, 2 an error (a wrong password, a missing database, an invalid name...), 3 the database
did not answer within the wait.

Passwords are read from the standard input (one line), never from the command line, where other users of the
machine and the shell history would see them. The users live in the application database: ``--database-url``,
else the decision log's URL of the project's configuration (``decision_log.url`` in conf/base/app.yml,
``CREDIT_SCORING_PREDICTION_LOG_URL`` or ``prediction_log.url`` in conf/local/credentials.yml).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TextIO

import sqlalchemy as sa

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail, AuditUnavailable, system_actor
from credit_scoring.access.roles import ROLES
from credit_scoring.access.users import User, UserStore
from credit_scoring.api.config import load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m credit_scoring.users", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database-url", help="the application database (default: the decision log's URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--password-stdin", action="store_true", required=True, help="read the password from stdin"
    )
    listing = commands.add_parser("list", help="list the users (never their passwords)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    password = commands.add_parser("set-password", help="replace a user's password")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true", required=True)
    role = commands.add_parser("set-role", help="change a user's role")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=ROLES)
    for name, text in (("disable", "stop a user from signing in"), ("enable", "let a disabled user sign in")):
        commands.add_parser(name, help=text).add_argument("name")
    first = commands.add_parser(
        "ensure-admin",
        help=f"create the first administrator if none (password: ${ADMIN_PASSWORD_ENV} or random)",
    )
    first.add_argument("--name", default="admin", help="its name (default: admin)")
    first.add_argument(
        "--wait-s",
        type=float,
        default=_default_wait_s(),
        help=f"wait this long at most for the database server to answer (default: ${START_WAIT_ENV}, else 0)",
    )
    return parser


START_WAIT_ENV = "CREDIT_SCORING_START_WAIT_S"
UNREACHABLE = 3
"""The exit status when the database did not answer within the wait."""


def _default_wait_s() -> float:
    value = os.environ.get(START_WAIT_ENV, "").strip()
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        raise SystemExit(f"error: {START_WAIT_ENV}={value!r} is not a number of seconds") from None


class DatabaseUnreachable(RuntimeError):
    """The database server did not answer within the wait."""


class DatabaseRefused(ValueError):
    """The database server answers but will not let us in (credentials, database): waiting will not help."""


#: What a PostgreSQL server says when waiting will not help, and what to tell the operator.
_PERMANENT = (
    (re.compile(r"password authentication failed|authentication failed", re.I), "it refused the password"),
    (re.compile(r"no password supplied", re.I), "it asks for a password and the URL has none"),
    (re.compile(r'role "[^"]*" does not exist', re.I), "it has no such user"),
    (re.compile(r'database "[^"]*" does not exist', re.I), "it has no such database"),
    (
        re.compile(r"no pg_hba\.conf entry", re.I),
        "it does not accept this user, host and database (pg_hba.conf)",
    ),
)


def _where(url: sa.URL) -> str:
    port = f":{url.port}" if url.port else ""
    return f"user {url.username!r}, host {url.host}{port}, database {url.database!r}"


def _one_line(error: BaseException, url: sa.URL) -> str:
    """The driver's message on one line, the URL's password (if it slipped in) masked."""
    text = " ".join(str(getattr(error, "orig", None) or error).split())
    if url.password:
        text = text.replace(str(url.password), "***")
    return text[:300]


def wait_for_database(
    url: str,
    wait_s: float,
    log: TextIO,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Connect to the database server of ``url`` (a file database: at once), retrying for ``wait_s`` at most
    while it does not answer; returns the attempts made. Raises `DatabaseRefused` when it answers but refuses
    (never retried) and `DatabaseUnreachable` when the wait runs out. Each attempt is logged on ``log``,
    naming the database without its password."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return 0
    shown = parsed.render_as_string(hide_password=True)
    connect_args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool, connect_args=connect_args)
    started, attempt, pause = clock(), 0, 1.0
    try:
        while True:
            attempt += 1
            try:
                with engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                text = _one_line(error, parsed)
                for pattern, meaning in _PERMANENT:
                    if pattern.search(text):
                        raise DatabaseRefused(
                            f"the application database server answers but {meaning}: {_where(parsed)} "
                            f"({text}); waiting will not fix it: correct the URL "
                            f"(CREDIT_SCORING_PREDICTION_LOG_URL or --database-url) or the server"
                        ) from error
                waited = clock() - started
                if waited + pause > wait_s:
                    raise DatabaseUnreachable(
                        f"the application database {shown} did not answer within {wait_s:g} s "
                        f"({attempt} attempts): {text}"
                    ) from error
                print(
                    f"waiting for the application database {shown} (attempt {attempt}, {waited:.0f} s of "
                    f"{wait_s:g} s): {text}",
                    file=log,
                    flush=True,
                )
                sleep(pause)
                pause = min(pause * 2, 5.0)
            else:
                if attempt > 1:
                    print(
                        f"the application database {shown} answers (attempt {attempt})", file=log, flush=True
                    )
                return attempt
    finally:
        engine.dispose()


def _read_password(stdin: TextIO) -> str:
    line = stdin.readline()
    if not line:
        raise ValueError("no password on the standard input")
    return line.removesuffix("\n").removesuffix("\r")


def _describe(user: User) -> str:
    state = "disabled" if user.disabled else "enabled"
    last = user.last_sign_in_at or "never"
    return f"{user.name}\t{user.role}\t{state}\tlast sign-in: {last}"


ADMIN_PASSWORD_ENV = "CREDIT_SCORING_ADMIN_PASSWORD"


def ensure_admin(store: UserStore, name: str, stdout: TextIO) -> User | None:
    """The first administrator, created when no enabled one exists (else None): the password of
    ``CREDIT_SCORING_ADMIN_PASSWORD``, or a random one printed once on ``stdout``."""
    if store.count_admins():
        print("an enabled administrator exists: none created", file=stdout)
        return None
    if store.get(name) is not None:
        raise ValueError(
            f"no enabled administrator, and a user named {name!r} exists: enable it, give it the admin role "
            "(set-role), or pass --name"
        )
    given = os.environ.get(ADMIN_PASSWORD_ENV)
    password = given or secrets.token_urlsafe(18)
    user = store.add(name, "admin", password)
    if given:
        print(f"first administrator {name!r} created with the password of ${ADMIN_PASSWORD_ENV}", file=stdout)
    else:
        print(
            f"first administrator created: sign in as {name!r} with the password {password}\n"
            "  (shown only this once: keep it, or replace it with "
            f"python -m credit_scoring.users set-password {name} --password-stdin)",
            file=stdout,
        )
    return user


#: The audit action of each command that changes a user.
CHANGES = {
    "add": audit.USER_ADD,
    "set-password": audit.USER_PASSWORD,
    "set-role": audit.USER_ROLE,
    "disable": audit.USER_DISABLE,
    "enable": audit.USER_ENABLE,
    "ensure-admin": audit.USER_ADD,
}


def record_change(trail: AuditTrail, args: argparse.Namespace) -> None:
    """The change, once made, in the audit trail (actor: the operating-system user who ran the command)."""
    role = "admin" if args.command == "ensure-admin" else getattr(args, "role", None)
    detail = {"user": args.name, **({"role": role} if role else {})}
    trail.record(AuditEvent(system_actor(), "system", CHANGES[args.command], "ok", detail=detail))


def run(args: argparse.Namespace, store: UserStore, stdin: TextIO, stdout: TextIO) -> bool:
    """Carry out one command (a ValueError says what is wrong); False when there was nothing to change."""
    if args.command == "add":
        user = store.add(args.name, args.role, _read_password(stdin))
        print(f"added {_describe(user)}", file=stdout)
    elif args.command == "list":
        for user in store.list():
            print(json.dumps(asdict(user)) if args.json else _describe(user), file=stdout)
    elif args.command == "set-password":
        store.set_password(args.name, _read_password(stdin))
        print(f"password of {args.name} replaced", file=stdout)
    elif args.command == "set-role":
        print(f"changed {_describe(store.set_role(args.name, args.role))}", file=stdout)
    elif args.command == "disable":
        print(f"disabled {_describe(store.disable(args.name))}", file=stdout)
    elif args.command == "enable":
        print(f"enabled {_describe(store.enable(args.name))}", file=stdout)
    elif args.command == "ensure-admin":
        return ensure_admin(store, args.name, stdout) is not None
    return True


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        url = args.database_url or load_settings().sqlalchemy_url()
        if args.command == "ensure-admin":
            wait_for_database(url, args.wait_s, sys.stderr)
        changed = run(args, UserStore(url), stdin, stdout)
        if changed and args.command in CHANGES:
            record_change(AuditTrail(url), args)
    except DatabaseUnreachable as error:
        print(f"error: {error}", file=sys.stderr)
        return UNREACHABLE
    except (ValueError, AuditUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as error:
        print(
            f"error: the application database cannot be used: {error.__class__.__name__}: {error}",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
