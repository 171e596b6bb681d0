"""Scoped service keys stored hashed in the application database (table ``api_keys``).

A key is ``csk_`` followed by 32 random bytes (256 bits, URL-safe base64), shown once when it is created.
Only its SHA-256 hex digest is stored. A slow password hash (argon2) protects what people choose, which can be
guessed; a key of 256 random bits cannot be guessed, so inverting a fast hash is as hard as guessing the key,
and a fast hash lets every request be checked with one indexed lookup. Looking a key up by its digest leaks
nothing useful through timing either: how the digest of a guess compares with the stored ones says nothing
about a key whose digest the caller does not know.

`KeyStore.verify` tells a valid key (its name and scopes) from an unknown, expired or revoked one, so that the
API can answer "expired API key" instead of only "invalid".
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import sqlalchemy as sa

from credit_scoring.access.roles import SCOPES, Scope, parse_scopes
from credit_scoring.access.tables import api_keys, metadata
from credit_scoring.database import ProcessDatabase
from credit_scoring.records import utc_timestamp

KEY_PREFIX = "csk_"
"""Marks the keys of this store: a presented key without it is not looked up (configured keys have no such
prefix), and a leaked key is recognisable by secret scanners."""
_KEY_BYTES = 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")

Outcome = Literal["valid", "unknown", "expired", "revoked"]
Status = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class KeyInfo:
    """What is known of a key, never the key nor its hash. Times are ISO-8601 UTC text."""

    name: str
    scopes: frozenset[Scope]
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def status(self, now: datetime | None = None) -> Status:
        """Revoked first (a deliberate act), then expired, else active."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and _parse_time(self.expires_at) <= (now or datetime.now(UTC)):
            return "expired"
        return "active"


@dataclass(frozen=True)
class KeyCheck:
    """The verdict on a presented key: ``valid`` carries the key's name and scopes; ``expired`` and
    ``revoked`` carry the name too (the caller holds the key, the name is theirs)."""

    outcome: Outcome
    key: KeyInfo | None = None

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"

    @property
    def name(self) -> str | None:
        return self.key.name if self.key else None

    @property
    def scopes(self) -> frozenset[Scope]:
        return self.key.scopes if self.key and self.valid else frozenset()


def through_day(day: date) -> datetime:
    """The expiry of a key valid through ``day`` (UTC): the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def new_key() -> str:
    """A fresh key: the prefix and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)


def key_digest(key: str) -> str:
    """The SHA-256 hex digest stored for ``key`` (see the module docstring for why a fast hash suffices)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """``name`` if it is a usable key name (letters, digits, ``_ . @ -``, at most 64); else a ValueError."""
    if not _NAME.fullmatch(name or ""):
        raise ValueError(
            f"invalid key name {name!r}: use 1 to 64 letters, digits, '_', '.', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_scopes(scopes: Iterable[str] | str) -> frozenset[Scope]:
    """The scopes as a set, from ``"score,clients"`` or an iterable; a ValueError naming an unknown one."""
    return parse_scopes(scopes if isinstance(scopes, str) else ",".join(scopes))


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone: give an aware datetime (e.g. UTC)")
    return moment.astimezone(UTC)


def _info(row: sa.Row) -> KeyInfo:
    scopes = frozenset(part for part in row.scopes.split(",") if part in SCOPES)
    return KeyInfo(
        name=row.name,
        scopes=scopes,  # type: ignore[arg-type]
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


_INFO_COLUMNS = (api_keys.c.name, api_keys.c.scopes, api_keys.c.created_at, api_keys.c.expires_at)


class KeyStore:
    """The ``api_keys`` table of the application database at ``url`` (created on first use)."""

    def __init__(self, url: str | sa.URL, *, busy_timeout_ms: int = 10_000) -> None:
        self.database = ProcessDatabase(url, metadata, busy_timeout_ms=busy_timeout_ms)

    def create(
        self,
        name: str,
        scopes: Iterable[str] | str,
        expires_at: datetime | None = None,
        now: datetime | None = None,
    ) -> str:
        """Store a new key named ``name`` with ``scopes`` and return it: the only time it is ever seen.

        A ValueError for a bad or taken name, an unknown scope, or an expiry that is not in the future."""
        check_name(name)
        scope_set = check_scopes(scopes)
        now = _aware(now) if now else datetime.now(UTC)
        expiry = _aware(expires_at) if expires_at else None
        if expiry is not None and expiry <= now:
            raise ValueError(f"the expiry {utc_timestamp(expiry)} is not in the future")
        key = new_key()
        row = {
            "name": name,
            "key_hash": key_digest(key),
            "scopes": ",".join(scope for scope in SCOPES if scope in scope_set),
            "created_at": utc_timestamp(now),
            "expires_at": utc_timestamp(expiry) if expiry else None,
            "revoked_at": None,
        }
        try:
            with self.database.engine.begin() as connection:
                taken = connection.execute(sa.select(api_keys.c.name).where(api_keys.c.name == name)).first()
                if taken is not None:
                    raise ValueError(f"a key named {name!r} exists already: choose another name")
                connection.execute(api_keys.insert().values(**row))
        except sa.exc.IntegrityError:  # created by someone else between the check and the insert
            raise ValueError(f"a key named {name!r} exists already: choose another name") from None
        return key

    def list(self) -> list[KeyInfo]:
        """Every key, by name (revoked and expired ones too: they are the record of what existed)."""
        query = sa.select(*_INFO_COLUMNS, api_keys.c.revoked_at).order_by(api_keys.c.name)
        with self.database.engine.connect() as connection:
            return [_info(row) for row in connection.execute(query)]

    def get(self, name: str) -> KeyInfo | None:
        query = sa.select(*_INFO_COLUMNS, api_keys.c.revoked_at).where(api_keys.c.name == name)
        with self.database.engine.connect() as connection:
            row = connection.execute(query).first()
        return _info(row) if row is not None else None

    def revoke(self, name: str, now: datetime | None = None) -> KeyInfo:
        """Revoke the key ``name`` from now on (a key revoked already keeps its first date); a ValueError for
        an unknown name."""
        stamp = utc_timestamp(_aware(now) if now else None)
        with self.database.engine.begin() as connection:
            connection.execute(
                api_keys.update()
                .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=stamp)
            )
        info = self.get(name)
        if info is None:
            raise ValueError(f"no key named {name!r} (see: keys list)")
        return info

    def verify(self, presented: str | None, now: datetime | None = None) -> KeyCheck:
        """What ``presented`` is: a valid key (with its name and scopes), or an unknown, expired or revoked
        one.

        Keys without the store's prefix are unknown without a database lookup."""
        if not presented or not presented.startswith(KEY_PREFIX) or len(presented) > 200:
            return KeyCheck("unknown")
        query = sa.select(*_INFO_COLUMNS, api_keys.c.revoked_at).where(
            api_keys.c.key_hash == key_digest(presented)
        )
        with self.database.engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return KeyCheck("unknown")
        info = _info(row)
        status = info.status(_aware(now) if now else None)
        return KeyCheck("valid" if status == "active" else status, info)

    def dispose(self) -> None:
        self.database.dispose()
