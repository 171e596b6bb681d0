"""Dashboard settings: where the scoring API is and how to authenticate, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_API_URL = "http://127.0.0.1:8050/api/v1"


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard needs to reach the API; the key stays on the server, never in the browser."""

    api_url: str = DEFAULT_API_URL
    api_key: str = ""
    timeout_seconds: float = 10.0
    currency: str = "EUR"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> DashboardSettings:
        """Settings from ``DASHBOARD_API_URL``, ``DASHBOARD_API_KEY`` (or ``CREDIT_SCORING_API_KEY``), etc."""
        env = os.environ if environ is None else environ
        key = env.get("DASHBOARD_API_KEY") or env.get("CREDIT_SCORING_API_KEY", "")
        timeout = env.get("DASHBOARD_API_TIMEOUT", "")
        try:
            timeout_seconds = float(timeout) if timeout else cls.timeout_seconds
        except ValueError as error:
            raise ValueError(f"DASHBOARD_API_TIMEOUT must be a number of seconds, got {timeout!r}") from error
        return cls(
            api_url=env.get("DASHBOARD_API_URL", DEFAULT_API_URL).rstrip("/"),
            api_key=key,
            timeout_seconds=timeout_seconds,
            currency=env.get("DASHBOARD_CURRENCY", cls.currency),
        )
