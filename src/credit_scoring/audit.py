"""``python -m credit_scoring.audit``: read the audit trail, erase a client, apply the retention periods.

    python -m credit_scoring.audit export [--client ID] [--user NAME] [--since DATE] [--action A]
                                          [--actor NAME]
    python -m credit_scoring.audit erase --client ID [--actor NAME]
    python -m credit_scoring.audit retention [--days N] [--audit-days M] [--actor NAME]

``export`` prints the matching events as JSON lines (oldest first) and is itself recorded (``audit.export``);
``erase`` and ``retention`` print their counts as one JSON object and are recorded too
(`credit_scoring.access.privacy`). ``retention`` is meant to be scheduled (cron, a systemd timer).

The database is ``--database-url``, else the decision log's URL of the project's configuration
(``decision_log.url`` in conf/base/app.yml, ``CREDIT_SCORING_PREDICTION_LOG_URL`` or ``prediction_log.url``
in conf/local/credentials.yml; a relative SQLite path is taken from the project root, the working directory
by default). The actor recorded is ``--actor``, else the name of the user running the command.
Exit codes: 0 done, 2 wrong arguments or the database cannot be reached (the message says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credit_scoring.access.audit import (
    ACTIONS,
    AUDIT_EXPORT,
    AuditEvent,
    AuditTrail,
    AuditUnavailable,
    since_timestamp,
    system_actor,
)
from credit_scoring.access.privacy import (
    DEFAULT_AUDIT_RETENTION_DAYS,
    DEFAULT_DECISION_LOG_RETENTION_DAYS,
    apply_retention,
    erase_client,
)

PROG = "python -m credit_scoring.audit"
USAGE_ERROR = 2


class CommandError(Exception):
    """What the person running the command must fix; printed without a traceback, exit code 2."""


# --- argument types (argparse turns their ArgumentTypeError into a message and exit code 2) ------------


def client_id_argument(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a client id is an integer (SK_ID_CURR), got {text!r}") from None


def since_argument(text: str) -> str:
    try:
        since_timestamp(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def days_argument(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(
            f"a retention period is a whole number of days, at least 1; got {text!r}"
        )
    return days


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="the application database (default: the decision log's URL of the configuration)",
    )
    common.add_argument(
        "--actor", default=argparse.SUPPRESS, help="who runs the command, as recorded (default: the OS user)"
    )
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0], parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)

    export = commands.add_parser(
        "export", parents=[common], help="print audit events as JSON lines (filters combine)"
    )
    export.add_argument("--client", type=client_id_argument, help="events about this client (SK_ID_CURR)")
    export.add_argument("--user", help="events by this user or key name")
    export.add_argument(
        "--since", type=since_argument, help="events at or after this ISO date or datetime (UTC)"
    )
    export.add_argument(
        "--action", choices=sorted(ACTIONS), help="events of this action (e.g. sign_in.failure)"
    )

    erase = commands.add_parser(
        "erase",
        parents=[common],
        help="delete a client's decision-log records and reviews (audit events are kept, without the "
        "reviews' free text)",
    )
    erase.add_argument("--client", type=client_id_argument, required=True, help="the client (SK_ID_CURR)")

    retention = commands.add_parser(
        "retention",
        parents=[common],
        help="reduce old decision-log records and reviews, delete old audit events",
    )
    retention.add_argument(
        "--days",
        type=days_argument,
        help="decision-log records and reviews older than this keep no personal field (default: the setting "
        f"privacy.decision_log_retention_days, {DEFAULT_DECISION_LOG_RETENTION_DAYS} unless configured)",
    )
    retention.add_argument(
        "--audit-days",
        type=days_argument,
        help="audit events older than this are deleted (default: privacy.audit_retention_days, "
        f"{DEFAULT_AUDIT_RETENTION_DAYS} unless configured)",
    )
    return parser


# --- helpers --------------------------------------------------------------------------------------------


def _settings(needed_for: str) -> Any:
    """The project's settings (conf/base/app.yml, conf/local, the environment)."""
    # imported here: the api package loads the whole service (seconds), needless when arguments say it all
    from credit_scoring.api.config import load_settings  # noqa: PLC0415

    try:
        return load_settings()
    except Exception as error:  # a broken configuration: say so, not a traceback
        raise CommandError(f"cannot read the project's settings for {needed_for} ({error})") from None


def database_url(args: argparse.Namespace) -> str:
    """``--database-url``, else the configured decision log's URL (relative SQLite path from the root)."""
    explicit = getattr(args, "database_url", None)
    if explicit:
        return explicit
    return _settings("the database URL; give --database-url").sqlalchemy_url()


def retention_periods(args: argparse.Namespace) -> tuple[int, int]:
    """``--days`` and ``--audit-days``, else the configured ``privacy`` periods."""
    if args.days is not None and args.audit_days is not None:
        return args.days, args.audit_days
    privacy = _settings("the retention periods; give --days and --audit-days").privacy
    return (
        args.days if args.days is not None else privacy.decision_log_retention_days,
        args.audit_days if args.audit_days is not None else privacy.audit_retention_days,
    )


def shown_url(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return repr(url)


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False), file=sys.stdout)


# --- commands -------------------------------------------------------------------------------------------


def export_events(url: str, args: argparse.Namespace, actor: str) -> list[dict[str, Any]]:
    """The matching events; the export itself is recorded before anything is shown."""
    trail = AuditTrail(url)
    try:
        rows = trail.export(client_id=args.client, user=args.user, since=args.since, action=args.action)
        filters = {"client_id": args.client, "user": args.user, "since": args.since, "action": args.action}
        detail = {**{name: value for name, value in filters.items() if value is not None}, "rows": len(rows)}
        trail.record(AuditEvent(actor, "system", AUDIT_EXPORT, "ok", client_id=args.client, detail=detail))
    finally:
        trail.dispose()
    return rows


def run(args: argparse.Namespace, url: str) -> None:
    """Carry out one parsed command on the database at ``url`` (ValueError, AuditUnavailable, database
    errors)."""
    actor = getattr(args, "actor", None) or system_actor()
    if args.command == "export":
        for row in export_events(url, args, actor):
            _print_json(row)
    elif args.command == "erase":
        _print_json(erase_client(url, args.client, actor))
    elif args.command == "retention":
        days, audit_days = retention_periods(args)
        _print_json(apply_retention(url, days, audit_days=audit_days, actor=actor))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 wrong arguments or database unreachable)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its message (or the help)
        return int(exit_.code or 0)
    url = ""
    try:
        url = database_url(args)
        run(args, url)
    except (CommandError, AuditUnavailable, ValueError) as error:
        message = str(error)
    except (SQLAlchemyError, OSError) as error:
        message = f"cannot reach the database at {shown_url(url)} ({_reason(error)})"
    else:
        return 0
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
