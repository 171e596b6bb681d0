"""Signing in, without HTTP: check a name and a password, slow down and then refuse repeated failures, and
record every attempt in the audit trail. The dashboard's ``/login`` (`dash_app.sign_in`) is its only caller.

Throttling counts failed attempts in moving windows (the `limits` library, Flask-Limiter's engine; memory
by default, shared by several hosts through a ``redis://`` URL): per name typed, so that guessing one
person's password stops, and per address, so that one machine cannot try every name. Each rule has a short
window that slows (``5 per minute``: wait a minute) and a long one that refuses for a while (``20 per
hour``); none locks the real person out for longer than its window, and a successful sign-in clears the
name's count.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail
from credit_scoring.access.roles import ROLES, Role
from credit_scoring.access.users import MAX_PASSWORD_LENGTH, User, UserStore, check_name


def parsable_rates(value: str) -> str:
    """``value`` when the `limits` library reads it as rates (``5 per minute; 20 per hour``); a ValueError
    saying so otherwise. The notation of every limit of the settings."""
    try:
        parse_many(value)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a rate such as '5 per minute; 20 per hour' ({error})") from None
    return value


class SignInSettings(BaseModel):
    """The ``sign_in`` section of conf/base/app.yml (docs/security.md)."""

    model_config = ConfigDict(extra="forbid")

    idle_timeout_minutes: float = Field(default=30, gt=0, description="a session unused this long ends")
    max_session_hours: float = Field(default=12, gt=0, description="a session ends this long after sign-in")
    failures_per_name: str = Field(
        default="5 per minute; 20 per hour", description="failed sign-ins allowed per name typed"
    )
    failures_per_address: str = Field(
        default="20 per minute; 100 per hour", description="failed sign-ins allowed per client address"
    )
    secure_cookies: Literal["auto", "always"] = Field(
        default="auto",
        description="auto: the session cookie is Secure when the request came over HTTPS; always: every time",
    )

    @field_validator("failures_per_name", "failures_per_address")
    @classmethod
    def _parsable_rates(cls, value: str) -> str:
        return parsable_rates(value)


class IdentityProviderSettings(BaseModel):
    """The ``identity_provider`` section of conf/local/credentials.yml: sign-in through the lender's OpenID
    Connect provider (docs/security.md). The provider says who the person is and which groups they belong to;
    ``roles`` maps those groups to roles here (the highest wins; a person in none is refused)."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="your organisation's account", description="the button: 'Sign in with …'")
    server_metadata_url: str = Field(description="the provider's /.well-known/openid-configuration")
    client_id: str
    client_secret: SecretStr
    scope: str = "openid profile email"
    username_claim: str = Field(default="preferred_username", description="the claim that names the person")
    roles_claim: str = Field(default="groups", description="the claim listing the person's groups or roles")
    roles: dict[str, Role] = Field(description="a value of roles_claim -> adviser, risk or admin")

    def role_for(self, claims: dict[str, object]) -> Role | None:
        """The highest role that the person's groups (``roles_claim`` of ``claims``) map to, or None."""
        groups = claims.get(self.roles_claim)
        values = [groups] if isinstance(groups, str) else groups if isinstance(groups, list) else []
        roles = {self.roles[value] for value in values if isinstance(value, str) and value in self.roles}
        return max(roles, key=ROLES.index) if roles else None


SignInResult = Literal["ok", "refused", "disabled", "throttled"]


@dataclass(frozen=True)
class SignInAttempt:
    """What became of an attempt: the user when ``ok``; the seconds to wait when ``throttled``; why, as
    recorded in the audit trail, when refused."""

    result: SignInResult
    user: User | None = None
    retry_after_s: int = 0
    reason: str = ""


class SignInThrottle:
    """Failed sign-ins counted per name and per address; see the module docstring."""

    def __init__(self, settings: SignInSettings, storage_uri: str = "memory://") -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._rules: list[tuple[str, list[RateLimitItem]]] = [
            ("name", parse_many(settings.failures_per_name)),
            ("address", parse_many(settings.failures_per_address)),
        ]

    def _keys(self, name: str, address: str) -> dict[str, str]:
        return {"name": name.casefold(), "address": address}

    def retry_after(self, name: str, address: str) -> int:
        """Seconds before ``name`` may try again from ``address`` (0: now)."""
        keys = self._keys(name, address)
        wait = 0.0
        for kind, items in self._rules:
            for item in items:
                if not self._limiter.test(item, "sign-in", kind, keys[kind]):
                    reset = self._limiter.get_window_stats(item, "sign-in", kind, keys[kind]).reset_time
                    wait = max(wait, reset - time.time())
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, name: str, address: str) -> None:
        keys = self._keys(name, address)
        for kind, items in self._rules:
            for item in items:
                self._limiter.hit(item, "sign-in", kind, keys[kind])

    def succeeded(self, name: str) -> None:
        """The person got in: the failures counted against their name are forgotten."""
        for kind, items in self._rules:
            if kind == "name":
                for item in items:
                    self._limiter.clear(item, "sign-in", kind, name.casefold())


@dataclass
class SignInDesk:
    """Checks names and passwords, throttles failures, records each attempt (actor: the name typed)."""

    users: UserStore
    trail: AuditTrail
    throttle: SignInThrottle

    def attempt(self, name: str, password: str, address: str) -> SignInAttempt:
        """Try ``name`` and ``password`` from ``address``; `AuditUnavailable` when it cannot be recorded (the
        caller refuses the sign-in then)."""
        wait = self.throttle.retry_after(name, address)
        if wait:
            self._record(name, address, "denied", {"reason": "throttled", "retry_after_s": wait})
            return SignInAttempt("throttled", retry_after_s=wait)
        if not _plausible_name(name) or len(password) > MAX_PASSWORD_LENGTH:
            self.throttle.failed(name, address)
            self._record(name, address, "denied", {"reason": "malformed"})
            return SignInAttempt("refused")
        check = self.users.authenticate(name, password)
        if check.outcome in ("unknown_user", "wrong_password"):
            self.throttle.failed(name, address)
            self._record(name, address, "denied", {"reason": check.outcome})
            return SignInAttempt("refused")
        if check.outcome == "disabled" or check.user is None:
            self._record(name, address, "denied", {"reason": "disabled"})
            return SignInAttempt("disabled")
        self.throttle.succeeded(name)
        self.trail.record(
            AuditEvent(
                name, "user", audit.SIGN_IN_SUCCESS, "ok", address=address, detail={"role": check.user.role}
            )
        )
        return SignInAttempt("ok", check.user)

    def attempt_external(self, name: str, role: Role | None, address: str, provider: str) -> SignInAttempt:
        """The person the identity provider vouched for (``name``, ``role`` from their groups), signed in
        unless they have no role here, an unusable name or a disabled account; recorded either way."""
        detail: dict[str, object] = {"provider": provider}
        if not _plausible_name(name):
            self._record(name, address, "denied", {**detail, "reason": "malformed"})
            return SignInAttempt("refused", reason="malformed")
        if role is None:
            self._record(name, address, "denied", {**detail, "reason": "no_role"})
            return SignInAttempt("refused", reason="no_role")
        user = self.users.sign_in_externally(name, role)
        if user.disabled:
            self._record(name, address, "denied", {**detail, "reason": "disabled"})
            return SignInAttempt("disabled")
        event = AuditEvent(
            name, "user", audit.SIGN_IN_SUCCESS, "ok", address=address, detail={**detail, "role": role}
        )
        self.trail.record(event)
        return SignInAttempt("ok", user)

    def _record(self, name: str, address: str, outcome: audit.Outcome, detail: dict[str, object]) -> None:
        self.trail.record(
            AuditEvent(
                name or audit.UNKNOWN_ACTOR,
                "anonymous",
                audit.SIGN_IN_FAILURE,
                outcome,
                address=address,
                detail=detail,
            )
        )


def _plausible_name(name: str) -> bool:
    try:
        check_name(name)
    except ValueError:
        return False
    return True
