"""The person a trusted client (the dashboard) acts for, told to the API in a signed header.

The dashboard calls the API with its service key; with each call it sends ``X-Acting-User``: the signed-in
person's name and role, signed with the deployment's secret (HMAC-SHA256 by itsdangerous, Flask's own signing
library) and stamped with the time. The API trusts that header only when the signature verifies and the stamp
is recent: an unsigned or forged name, or one replayed later, is refused. The API then allows what both the
key's scopes and the person's role allow, and records the person in the audit trail.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from credit_scoring.access.roles import Person, check_role
from credit_scoring.access.users import check_name

ACTING_USER_HEADER = "X-Acting-User"
MAX_AGE_SECONDS = 120
"""How long a signed header stays valid: a call, with room for clocks a little apart across hosts."""
MIN_SECRET_LENGTH = 32
_SALT = "credit-scoring.acting-user"


class ActingUserRefused(ValueError):
    """The header cannot be trusted; the message says why (never the secret)."""


def _serializer(secret: str) -> URLSafeTimedSerializer:
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the secret key must have at least {MIN_SECRET_LENGTH} characters")
    return URLSafeTimedSerializer(secret, salt=_SALT)


def sign_acting_user(secret: str, name: str, role: str) -> str:
    """The header's value for ``name`` in ``role`` (a ValueError for an invalid name or role)."""
    return _serializer(secret).dumps({"name": check_name(name), "role": check_role(role)})


def verify_acting_user(secret: str, token: str, max_age_s: int = MAX_AGE_SECONDS) -> Person:
    """The person ``token`` names, if this deployment signed it less than ``max_age_s`` ago."""
    try:
        content = _serializer(secret).loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise ActingUserRefused(f"the signature is older than {max_age_s} s") from None
    except BadSignature:
        raise ActingUserRefused("not signed by this deployment") from None
    if not isinstance(content, dict):
        raise ActingUserRefused("not a user and a role")
    try:
        return Person(check_name(str(content.get("name", ""))), check_role(str(content.get("role", ""))))
    except ValueError as error:
        raise ActingUserRefused(str(error)) from None
