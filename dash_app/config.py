"""Dashboard settings: where the scoring API is and how to authenticate.

Read from the environment (``DASHBOARD_API_URL``, ``DASHBOARD_API_KEY``, ``DASHBOARD_API_TIMEOUT``,
``DASHBOARD_CURRENCY``), else from the ``dashboard`` section of the project's credentials (any
``credentials*`` file of ``conf/local/``, read as Kedro reads it, e.g. ``conf/local/credentials.yml``):

    dashboard:
      api_url: <base URL of the remote API, ending in /api/v1>
      api_key: <key>
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from credit_scoring.project_config import read_config

DEFAULT_API_URL = "http://127.0.0.1:8050/api/v1"
API_URL_ENV = "DASHBOARD_API_URL"


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard needs to reach the API; the key stays on the server, never in the browser."""

    api_url: str = DEFAULT_API_URL
    api_key: str = ""
    timeout_seconds: float = 10.0
    currency: str = "EUR"
    max_callbacks: int | None = None
    """Callbacks answered at once by one process (``DASHBOARD_MAX_CALLBACKS``); more wait, then get a 503."""
    callback_wait_seconds: float = 0.2

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, root: Path | None = None
    ) -> DashboardSettings:
        """Settings from the environment, falling back on the credentials of the project at ``root`` (default:
        the working directory), then on the defaults."""
        env = os.environ if environ is None else environ
        stored = _dashboard_credentials(root or Path.cwd())
        timeout = env.get("DASHBOARD_API_TIMEOUT", "")
        try:
            timeout_seconds = float(timeout) if timeout else cls.timeout_seconds
        except ValueError as error:
            raise ValueError(f"DASHBOARD_API_TIMEOUT must be a number of seconds, got {timeout!r}") from error
        bound = env.get("DASHBOARD_MAX_CALLBACKS", "")
        if bound and not (bound.isdigit() and int(bound) > 0):
            raise ValueError(f"DASHBOARD_MAX_CALLBACKS must be a positive integer, got {bound!r}")
        wait = env.get("DASHBOARD_CALLBACK_WAIT_SECONDS", "")
        try:
            wait_seconds = float(wait) if wait else cls.callback_wait_seconds
        except ValueError as error:
            raise ValueError(f"DASHBOARD_CALLBACK_WAIT_SECONDS must be a number, got {wait!r}") from error
        return cls(
            max_callbacks=int(bound) if bound else None,
            callback_wait_seconds=wait_seconds,
            api_url=(env.get(API_URL_ENV) or stored.get("api_url") or DEFAULT_API_URL).rstrip("/"),
            api_key=env.get("DASHBOARD_API_KEY") or str(stored.get("api_key") or ""),
            timeout_seconds=timeout_seconds,
            currency=env.get("DASHBOARD_CURRENCY") or str(stored.get("currency") or cls.currency),
        )

    def with_key(self, api_key: str) -> DashboardSettings:
        return replace(self, api_key=api_key)

    def with_url(self, api_url: str) -> DashboardSettings:
        return replace(self, api_url=api_url.rstrip("/"))


def _dashboard_credentials(root: Path) -> dict[str, Any]:
    section = read_config(root, "credentials").get("dashboard")
    return section if isinstance(section, Mapping) else {}
