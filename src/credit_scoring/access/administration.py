"""What an administrator does to users and keys, without HTTP: each change checked, made and recorded in the
audit trail in the administrator's name. The dashboard's administration page (`dash_app.callbacks.admin`)
calls it; the command lines (`credit_scoring.users`, ``credit_scoring.api keys``) are the same operations
for an operator on the host.

No change may leave the deployment without an enabled administrator: the last one cannot be disabled or
given another role. New and reset passwords are random, shown once to the administrator, never stored in
clear nor recorded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from credit_scoring.access import audit
from credit_scoring.access.audit import AuditEvent, AuditTrail
from credit_scoring.access.keys import KeyStore
from credit_scoring.access.roles import Role, check_role
from credit_scoring.access.users import User, UserStore

UserChange = Literal["role", "disable", "enable", "reset_password"]
USER_CHANGES: tuple[UserChange, ...] = ("role", "disable", "enable", "reset_password")
_ACTIONS = {
    "role": audit.USER_ROLE,
    "disable": audit.USER_DISABLE,
    "enable": audit.USER_ENABLE,
    "reset_password": audit.USER_PASSWORD,
}


def random_password() -> str:
    """A password to hand over once: 16 URL-safe characters (96 random bits)."""
    return secrets.token_urlsafe(12)


@dataclass(frozen=True)
class Administrator:
    """The signed-in administrator acting, and where from (recorded with each change)."""

    name: str
    address: str | None = None


@dataclass
class Administration:
    """Users and keys of the application database, changed by administrators; see the module docstring."""

    users: UserStore
    keys: KeyStore
    trail: AuditTrail

    def _record(self, who: Administrator, action: str, detail: dict[str, object]) -> None:
        self.trail.record(AuditEvent(who.name, "user", action, "ok", address=who.address, detail=detail))

    def add_user(self, who: Administrator, name: str, role: str) -> tuple[User, str]:
        """A new user with a random password, returned once (a ValueError says what is wrong)."""
        password = random_password()
        user = self.users.add(name.strip(), check_role(role), password)
        self._record(who, audit.USER_ADD, {"user": user.name, "role": user.role})
        return user, password

    def change_user(
        self, who: Administrator, name: str, change: str, role: Role | None = None
    ) -> tuple[User, str | None]:
        """``change`` made to ``name``: the user as it is now, and the new password of a reset (else None)."""
        if change not in USER_CHANGES:
            raise ValueError(f"unknown change {change!r}: use one of {', '.join(USER_CHANGES)}")
        user = self.users.get(name)
        if user is None:
            raise ValueError(f"no user named {name!r}")
        if change in ("role", "disable") and user.role == "admin" and not user.disabled:
            leaves_admin = change == "disable" or role != "admin"
            if leaves_admin and self.users.count_admins() <= 1:
                raise ValueError(f"{name} is the only enabled administrator: add or enable another one first")
        password = None
        detail: dict[str, object] = {"user": name}
        if change == "role":
            user = self.users.set_role(name, check_role(role or ""))
            detail["role"] = user.role
        elif change == "disable":
            user = self.users.disable(name)
        elif change == "enable":
            user = self.users.enable(name)
        else:
            password = random_password()
            user = self.users.set_password(name, password)
        self._record(who, _ACTIONS[change], detail)
        return user, password

    def create_key(
        self, who: Administrator, name: str, scopes: list[str], expires_at: datetime | None
    ) -> str:
        """A new scoped key, returned once (only its hash is stored)."""
        name = name.strip()
        key = self.keys.create(name, scopes, expires_at)
        info = self.keys.get(name)
        expires = info.expires_at if info else None
        self._record(who, audit.KEY_CREATE, {"name": name, "scopes": sorted(scopes), "expires": expires})
        return key

    def revoke_key(self, who: Administrator, name: str) -> None:
        info = self.keys.revoke(name)
        self._record(who, audit.KEY_REVOKE, {"name": info.name})
