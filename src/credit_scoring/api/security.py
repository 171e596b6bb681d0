"""API keys: the ``X-API-Key`` header, who presents it, and what that key may call.

Two kinds of key: configured keys (``CREDIT_SCORING_API_KEYS``, or the credentials files), which have every
scope and are compared in constant time with the presented one; and the application database's keys
(`credit_scoring.access.keys`), each with its scopes and possibly an expiry, stored hashed. When the
environment variable is set, its keys are the only ones accepted (see `credit_scoring.api.config`).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import sqlalchemy as sa
from pydantic import SecretStr

from credit_scoring.access.acting import ACTING_USER_HEADER, ActingUserRefused, verify_acting_user
from credit_scoring.access.keys import KeyCheck, KeyStore
from credit_scoring.access.roles import ROLE_SCOPES, SCOPES, Person, Scope
from credit_scoring.api.errors import ApiError

API_KEY_HEADER = "X-API-Key"
logger = logging.getLogger("credit_scoring.api")


def matching_key(presented: str | None, keys: Sequence[SecretStr]) -> int | None:
    """The index of the key of ``keys`` that ``presented`` equals, or None. The time taken does not depend on
    where they differ, and every key is compared (no early exit revealing which one matched)."""
    if not presented:
        return None
    candidate = presented.encode("utf-8")
    found = None
    for index, key in enumerate(keys):
        if hmac.compare_digest(candidate, key.get_secret_value().encode("utf-8")):
            found = index
    return found


@dataclass(frozen=True)
class Caller:
    """Who called: the key's name (``<source>-key-<n>`` for a configured key, never the key), its scopes."""

    name: str
    scopes: frozenset[Scope]
    kind: Literal["configured", "database"]
    acting_for: Person | None = None
    """The person a trusted client (the dashboard) calls for, from its signed header."""


def _refused(check: KeyCheck) -> ApiError:
    """401 saying why a key of the database is refused: expired and revoked keys are named as such."""
    key = check.key
    if check.outcome == "expired" and key is not None:
        problem = f"key {key.name!r} expired at {key.expires_at}"
    elif check.outcome == "revoked" and key is not None:
        problem = f"key {key.name!r} revoked at {key.revoked_at}"
    else:
        return ApiError(401, "invalid API key", [(API_KEY_HEADER, "not a valid key")])
    return ApiError(401, f"{check.outcome} API key", [(API_KEY_HEADER, problem)])


@dataclass
class Authenticator:
    """Turns the presented header into a `Caller`, or a 401 saying why not."""

    configured: Sequence[SecretStr]
    store: KeyStore | None = None
    configured_source: str = "configured"

    def authenticate(self, presented: str | None) -> Caller:
        if not presented:
            raise ApiError(401, f"missing {API_KEY_HEADER} header", [(API_KEY_HEADER, "required")])
        index = matching_key(presented, self.configured)
        if index is not None:
            return Caller(f"{self.configured_source}-key-{index + 1}", frozenset(SCOPES), "configured")
        if self.store is None:
            raise _refused(KeyCheck("unknown"))
        try:
            check = self.store.verify(presented)
        except sa.exc.SQLAlchemyError as error:
            logger.error("API keys cannot be checked, the application database fails: %s", error)
            raise ApiError(
                503, "API keys cannot be checked now: the application database is unavailable"
            ) from None
        if not check.valid or check.key is None:
            raise _refused(check)
        return Caller(check.key.name, check.scopes, "database")


def act_for(caller: Caller, token: str, secret: SecretStr | None) -> Caller:
    """``caller`` acting for the person of the signed ``token``: what both the key's scopes and the person's
    role allow. A 401 when the header cannot be trusted (no secret here to verify it, forged, too old)."""
    if secret is None:
        raise ApiError(
            401,
            f"{ACTING_USER_HEADER} cannot be verified: this API has no secret key",
            [(ACTING_USER_HEADER, "no secret key configured to verify it")],
        )
    try:
        person = verify_acting_user(secret.get_secret_value(), token)
    except ActingUserRefused as error:
        raise ApiError(
            401, f"invalid {ACTING_USER_HEADER} header", [(ACTING_USER_HEADER, str(error))]
        ) from None
    return replace(caller, scopes=caller.scopes & ROLE_SCOPES[person.role], acting_for=person)


def authorize(caller: Caller, scope: Scope | None, what: str) -> None:
    """Nothing when ``caller`` may call ``what`` (a route needing ``scope``; None: any valid key); else a
    403 naming the missing scope."""
    if scope is None or scope in caller.scopes:
        return
    held = ", ".join(sorted(caller.scopes)) or "none"
    person = caller.acting_for
    if person is not None:
        raise ApiError(
            403,
            f"{person.name} ({person.role}) may not call {what}: it needs the scope {scope!r}",
            [(ACTING_USER_HEADER, f"the role {person.role} with this key allows: {held}")],
            code="insufficient_scope",
        )
    raise ApiError(
        403,
        f"the API key {caller.name!r} lacks the scope {scope!r} needed by {what}",
        [(API_KEY_HEADER, f"missing scope {scope} (the key has: {held})")],
        code="insufficient_scope",
    )
