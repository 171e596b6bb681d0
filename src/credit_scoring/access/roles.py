"""Roles of the people who sign in, and scopes of the service keys: what each may use, enforced on the server.

A role includes the roles below it: ``adviser`` (find a client, score and profile, compare, what-if, the model
page) < ``risk`` (plus monitoring and the drift report) < ``admin`` (plus users and keys).

A scope is what a service key may call: ``score`` (POST /predict, /predict/batch), ``clients`` (the clients
and the population), ``model`` (the model and the wording), ``drift`` (the drift summary and report),
``metrics`` (the operators' Prometheus metrics; no role grants it: a monitoring system's key, not a person's),
``review`` (the human review of decisions: every role holds it, and the acting person's role decides the rest:
an adviser confirms or overrides a decision, a risk user approves overrides; a key without a person may read
the reviews, never make one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["adviser", "risk", "admin"]
ROLES: tuple[Role, ...] = ("adviser", "risk", "admin")

Scope = Literal["score", "clients", "model", "drift", "metrics", "review"]
SCOPES: tuple[Scope, ...] = ("score", "clients", "model", "drift", "metrics", "review")

#: The API scopes a signed-in person's role grants when the dashboard calls the API on their behalf.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    "adviser": frozenset({"score", "clients", "model", "review"}),
    "risk": frozenset({"score", "clients", "model", "drift", "review"}),
    "admin": frozenset({"score", "clients", "model", "drift", "review"}),
}


@dataclass(frozen=True)
class Person:
    """Someone known by name and role: the dashboard's signed-in person, the API's acting user."""

    name: str
    role: Role


def check_role(role: str) -> Role:
    """``role`` if it is one; a ValueError naming the roles otherwise."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]


def role_includes(role: str, required: str) -> bool:
    """True when ``role`` is ``required`` or above it."""
    return ROLES.index(check_role(role)) >= ROLES.index(check_role(required))


def parse_scopes(text: str) -> frozenset[Scope]:
    """``score,clients`` -> {score, clients}; a ValueError naming an unknown scope or an empty list."""
    scopes = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(scopes - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}: use {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError(f"give at least one scope among {', '.join(SCOPES)}")
    return frozenset(scopes)  # type: ignore[arg-type]
