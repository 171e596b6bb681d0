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
from pydantic import BaseModel, ConfigDict, Field, field_validator

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail
from credit_scoring.access.users import MAX_PASSWORD_LENGTH, User, UserStore, check_name


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
        try:
            parse_many(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a rate such as '5 per minute; 20 per hour' ({error})"
            ) from None
        return value


SignInResult = Literal["ok", "refused", "disabled", "throttled"]


@dataclass(frozen=True)
class SignInAttempt:
    """What became of an attempt: the user when ``ok``; the seconds to wait when ``throttled``."""

    result: SignInResult
    user: User | None = None
    retry_after_s: int = 0


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
