"""``python -m credit_scoring.users``: manage the people who sign in to the dashboard.

    python -m credit_scoring.users add NAME --role adviser|risk|admin --password-stdin
    python -m credit_scoring.users list [--json]
    python -m credit_scoring.users set-password NAME --password-stdin
    python -m credit_scoring.users set-role NAME --role ROLE
    python -m credit_scoring.users disable NAME
    python -m credit_scoring.users enable NAME
    python -m credit_scoring.users ensure-admin [--name admin]

``ensure-admin`` (run by `scripts/serve`, hence `make run`) creates the first administrator when there is no
enabled one: its password is ``CREDIT_SCORING_ADMIN_PASSWORD`` when set, else a random one printed once.
There is never a default password.

Passwords are read from the standard input (one line), never from the command line, where other users of the
machine and the shell history would see them. The users live in the application database: ``--database-url``,
else the decision log's URL of the project's configuration (``decision_log.url`` in conf/base/app.yml,
``CREDIT_SCORING_PREDICTION_LOG_URL`` or ``prediction_log.url`` in conf/local/credentials.yml).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
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
    return parser


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
        changed = run(args, UserStore(url), stdin, stdout)
        if changed and args.command in CHANGES:
            record_change(AuditTrail(url), args)
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
