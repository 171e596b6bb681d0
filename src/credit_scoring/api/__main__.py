"""``python -m credit_scoring.api``: make sure an API key and a secret key are configured (what
`scripts/serve` runs first); and ``python -m credit_scoring.api keys create|list|revoke``: the scoped keys
of the application database.

Without arguments: without a key in the environment or the configuration's credentials, a random one is added
to conf/local/credentials.yml: the service never runs without a key; likewise the secret key that signs the
dashboard's sessions (several hosts must share one: set ``CREDIT_SCORING_SECRET_KEY`` on each).

``keys create NAME --scopes score,clients [--expires 2027-06-30]`` prints the new key once (only its hash is
stored); ``keys list`` prints one JSON object per key (never a key nor a hash); ``keys revoke NAME``. The
database is ``--database-url``, else the API's application database (``decision_log.url`` of the settings,
a relative SQLite path taken from the project root). Bad input exits with status 2 and says why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail, AuditUnavailable, system_actor
from credit_scoring.access.keys import KeyInfo, KeyStore, check_name, check_scopes, through_day
from credit_scoring.access.roles import SCOPES
from credit_scoring.api.config import (
    API_KEYS_ENV,
    ensure_local_api_key,
    ensure_local_secret_key,
    load_settings,
)

USAGE_ERROR = 2


def parse_expiry(text: str) -> datetime:
    """``2027-06-30``: the key works through that day (UTC) and expires at the next midnight; a full
    ISO-8601 time with a zone (``2027-06-30T12:00:00+02:00``) is taken as is."""
    try:
        if len(text) == 10:
            return through_day(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: use YYYY-MM-DD or an ISO-8601 time with a zone"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone: add one (e.g. Z) or give a date")
    return moment.astimezone(UTC)


def _scopes(text: str) -> frozenset[str]:
    try:
        return check_scopes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _name(text: str) -> str:
    try:
        return check_name(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m credit_scoring.api",
        description="Without a command: make sure an API key and a secret key are configured (scripts/serve "
        "runs this).",
    )
    commands = parser.add_subparsers(dest="command")
    keys = commands.add_parser("keys", help="the scoped API keys of the application database")
    database = argparse.ArgumentParser(add_help=False)  # accepted after the action: keys list --database-url
    database.add_argument("--database-url", help="SQLAlchemy URL (default: the API's decision_log.url)")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[database], help="create a key and print it once")
    create.add_argument("name", type=_name)
    create.add_argument("--scopes", required=True, type=_scopes, help=f"comma-separated: {','.join(SCOPES)}")
    create.add_argument("--expires", type=parse_expiry, help="YYYY-MM-DD (valid through that day, UTC)")
    actions.add_parser("list", parents=[database], help="one JSON line per key (no key, no hash)")
    revoke = actions.add_parser("revoke", parents=[database], help="refuse a key from now on")
    revoke.add_argument("name")
    return parser


def key_line(info: KeyInfo, now: datetime | None = None) -> str:
    """One JSON object describing ``info``, with its status now."""
    return json.dumps(
        {
            "name": info.name,
            "scopes": [scope for scope in SCOPES if scope in info.scopes],
            "status": info.status(now),
            "created_at": info.created_at,
            "expires_at": info.expires_at,
            "revoked_at": info.revoked_at,
        }
    )


def database_url(explicit: str | None) -> str:
    """``--database-url``, else the application database the API uses."""
    return explicit or load_settings().sqlalchemy_url()


def record_key_change(url: str, action: str, detail: dict[str, object]) -> None:
    """A key created or revoked, in the audit trail (actor: the operating-system user; never the key)."""
    AuditTrail(url).record(AuditEvent(system_actor(), "system", action, "ok", detail=detail))


def run_keys(arguments: argparse.Namespace) -> int:
    url = database_url(arguments.database_url)
    store = KeyStore(url)
    try:
        if arguments.action == "create":
            key = store.create(arguments.name, arguments.scopes, arguments.expires)
            expires = arguments.expires.isoformat() if arguments.expires else None
            scopes = sorted(arguments.scopes)
            record_key_change(
                url, audit.KEY_CREATE, {"name": arguments.name, "scopes": scopes, "expires": expires}
            )
            print(key)
            print(
                f"key {arguments.name!r} created: this is the only time it is shown; only its hash is stored",
                file=sys.stderr,
            )
            if load_settings().auth.keys_from_environment and not arguments.database_url:
                print(f"note: {API_KEYS_ENV} is set, so the API accepts only its keys", file=sys.stderr)
        elif arguments.action == "list":
            for info in store.list():
                print(key_line(info))
        else:
            info = store.revoke(arguments.name)
            record_key_change(url, audit.KEY_REVOKE, {"name": info.name})
            print(f"key {info.name!r} revoked at {info.revoked_at}")
    except (ValueError, AuditUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    finally:
        store.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    if arguments.command == "keys":
        return run_keys(arguments)
    written = ensure_local_api_key()
    print(f"API key generated in {written}" if written else "API key configured")
    written = ensure_local_secret_key()
    print(f"Secret key generated in {written}" if written else "Secret key configured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
