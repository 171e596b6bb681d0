"""API keys: the ``X-API-Key`` header, compared in constant time with every configured key."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from pydantic import SecretStr

API_KEY_HEADER = "X-API-Key"


def key_is_valid(presented: str | None, keys: Sequence[SecretStr]) -> bool:
    """True when ``presented`` equals one of ``keys``; the time taken does not depend on where they differ,
    and every key is compared (no early exit revealing which one matched)."""
    if not presented:
        return False
    candidate = presented.encode("utf-8")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key.get_secret_value().encode("utf-8"))
    return matched
