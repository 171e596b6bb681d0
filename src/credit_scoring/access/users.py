"""The people who sign in to the dashboard: name, role, an argon2id password hash (argon2-cffi, RFC 9106's
low-memory profile by default: 64 MiB, 3 passes, about 0.2 s on 2 cores), enabled or disabled.

A password is never stored, logged or returned; a hash made with weaker parameters than the store's is
replaced at the next successful sign-in. Checking an unknown name costs the same as checking a known one (a
dummy hash is verified), so the time of an answer does not tell whether a name exists.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from credit_scoring.access.roles import Role, check_role
from credit_scoring.access.tables import metadata, users
from credit_scoring.database import ProcessDatabase
from credit_scoring.records import utc_timestamp

EXTERNAL_PASSWORD_HASH = "!external"
"""The password hash of a person who signs in through the identity provider: no password matches it."""
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes any length; a bound keeps a huge form field from costing more
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class User:
    """A person who may sign in (never their password or its hash)."""

    name: str
    role: Role
    disabled: bool
    created_at: str
    updated_at: str
    last_sign_in_at: str | None


def password_stamp(password_hash: str) -> str:
    """16 hexadecimal digits of sha256(``password_hash``): it changes whenever the hash does (a new password,
    a rehash with stronger parameters) and tells nothing of the salted hash. A session keeps the stamp of its
    sign-in and ends when the user's differs (`dash_app.sign_in`)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


SignInOutcome = Literal["ok", "unknown_user", "wrong_password", "disabled"]


@dataclass(frozen=True)
class SignInCheck:
    """The outcome of checking a name and a password; ``user`` only when the outcome is ``ok``."""

    outcome: SignInOutcome
    user: User | None = None

    @property
    def valid(self) -> bool:
        return self.outcome == "ok"


def check_name(name: str) -> str:
    """``name`` if it is a valid user name (letters, digits, ``._@-``, at most 64); a ValueError otherwise."""
    if not _NAME.fullmatch(name or ""):
        raise ValueError(
            f"invalid user name {name!r}: 1 to 64 letters, digits or . _ @ -, starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    """``password`` if it is long enough to resist guessing; a ValueError saying what is wrong otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("the password must not start or end with a space (a copy-paste slip?)")
    return password


class UserStore:
    """The users table of the application database (`credit_scoring.access.tables.users`)."""

    def __init__(self, url: str | sa.URL, hasher: PasswordHasher | None = None) -> None:
        self._database = ProcessDatabase(url, metadata)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = self._hasher.hash("not a password of anybody")

    @property
    def engine(self) -> sa.Engine:
        return self._database.engine

    def add(self, name: str, role: str, password: str) -> User:
        """A new enabled user; a ValueError when the name is taken or the name, role or password invalid."""
        check_name(name)
        check_role(role)
        password_hash = self._hasher.hash(check_password(password))
        now = utc_timestamp()
        row = {
            "name": name,
            "role": role,
            "password_hash": password_hash,
            "disabled": False,
            "created_at": now,
            "updated_at": now,
            "last_sign_in_at": None,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(users.insert().values(**row))
        except sa.exc.IntegrityError:
            raise ValueError(f"a user named {name!r} exists already") from None
        return self._require(name)

    def sign_in_externally(self, name: str, role: str) -> User:
        """The person the identity provider vouched for, with the role it gave: added on first sign-in (no
        password: they sign in only through the provider), their role brought up to date afterwards. A
        disabled user stays disabled (the caller refuses them); their last sign-in is recorded otherwise."""
        check_name(name)
        check_role(role)
        now = utc_timestamp()
        existing = self.get(name)
        if existing is None:
            row = {"name": name, "role": role, "password_hash": EXTERNAL_PASSWORD_HASH, "disabled": False}
            row |= {"created_at": now, "updated_at": now, "last_sign_in_at": now}
            try:
                with self.engine.begin() as connection:
                    connection.execute(users.insert().values(**row))
            except sa.exc.IntegrityError:  # added meanwhile by another worker: update it below
                existing = self.get(name)
        if existing is not None and not existing.disabled:
            changes = {"last_sign_in_at": now} | (
                {"role": role, "updated_at": now} if existing.role != role else {}
            )
            with self.engine.begin() as connection:
                connection.execute(users.update().where(users.c.name == name).values(**changes))
        return self._require(name)

    def set_password(self, name: str, password: str) -> User:
        password_hash = self._hasher.hash(check_password(password))
        self._update(name, password_hash=password_hash)
        return self._require(name)

    def set_role(self, name: str, role: str) -> User:
        self._update(name, role=check_role(role))
        return self._require(name)

    def disable(self, name: str) -> User:
        """The user can no longer sign in, and their open sessions end at their next request."""
        self._update(name, disabled=True)
        return self._require(name)

    def enable(self, name: str) -> User:
        self._update(name, disabled=False)
        return self._require(name)

    def get(self, name: str) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        return _user(row) if row else None

    def get_with_stamp(self, name: str) -> tuple[User, str] | None:
        """The user and their password stamp (`password_stamp`), in one query: what a session is checked
        against on every request."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        return (_user(row), password_stamp(row["password_hash"])) if row else None

    def list(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(users).order_by(users.c.name)).mappings().all()
        return [_user(row) for row in rows]

    def count_admins(self) -> int:
        """Enabled administrators: the first one is created by `make run` when there is none."""
        query = sa.select(sa.func.count()).where(users.c.role == "admin", users.c.disabled.is_(False))
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def authenticate(self, name: str, password: str) -> SignInCheck:
        """Whether ``password`` is ``name``'s and the user may sign in: the user when so, else why not.

        Costs one hash verification whatever the outcome (an unknown name verifies a dummy hash).
        """
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        if row is None or len(password) > MAX_PASSWORD_LENGTH:
            self._verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])
            return SignInCheck("unknown_user" if row is None else "wrong_password")
        if not self._verify(row["password_hash"], password):
            return SignInCheck("wrong_password")
        if row["disabled"]:
            return SignInCheck("disabled")
        changes = {"last_sign_in_at": utc_timestamp()}
        if self._hasher.check_needs_rehash(row["password_hash"]):
            changes["password_hash"] = self._hasher.hash(password)
        with self.engine.begin() as connection:
            connection.execute(users.update().where(users.c.name == name).values(**changes))
        return SignInCheck("ok", self._require(name))

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _update(self, name: str, **values: object) -> None:
        with self.engine.begin() as connection:
            result = connection.execute(
                users.update().where(users.c.name == name).values(updated_at=utc_timestamp(), **values)
            )
        if result.rowcount == 0:
            raise ValueError(f"no user named {name!r}")

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise ValueError(f"no user named {name!r}")
        return user


def _user(row: sa.RowMapping) -> User:
    return User(
        name=row["name"],
        role=row["role"],
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )
