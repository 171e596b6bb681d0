"""Rate limits on the API, per caller, with Flask-Limiter (a well-kept limiter: fixed windows in memory by
default, Redis or Memcached by URL for several workers and hosts).

The caller is the presented key, identified by a hash of it (the key itself is never a storage key), or the
address when there is no key: the limit is counted before the key is checked, so a flood of wrong keys is
limited too. Above ``auth.rate_limit`` the API answers 429 in its JSON error shape, with ``Retry-After``.
``/health`` is not limited: load balancers poll it.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Flask, request
from flask_limiter import Limiter

from credit_scoring.api.config import AuthSettings
from credit_scoring.api.security import API_KEY_HEADER

UNLIMITED_ENDPOINTS = frozenset({"health"})


def caller_identity() -> str:
    """``key:<sha256 prefix>`` of the presented key, else ``address:<remote address>``."""
    presented = request.headers.get(API_KEY_HEADER)
    if presented:
        return "key:" + hashlib.sha256(presented.encode("utf-8")).hexdigest()[:32]
    return f"address:{request.remote_addr}"


def _unlimited() -> bool:
    return (request.endpoint or "").split(".")[-1] in UNLIMITED_ENDPOINTS


def install_rate_limits(app: Flask, blueprint: Blueprint, auth: AuthSettings) -> Limiter:
    """Limit every route of ``blueprint`` on ``app`` to ``auth.rate_limit`` per caller."""
    limiter = Limiter(
        caller_identity,
        app=app,
        storage_uri=auth.rate_limit_storage,
        headers_enabled=True,
        key_prefix="credit-scoring-api",
    )
    limiter.limit(auth.rate_limit, exempt_when=_unlimited)(blueprint)
    return limiter
