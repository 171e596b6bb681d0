"""Dashboard settings: where the scoring API is and how to authenticate.

Read from the environment (``DASHBOARD_API_URL``, ``DASHBOARD_API_KEY``, ``DASHBOARD_API_TIMEOUT``,
``DASHBOARD_CURRENCY``), else from the ``dashboard`` section of ``conf/local/credentials.yml`` (git-ignored):

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

import yaml

DEFAULT_API_URL = "http://127.0.0.1:8050/api/v1"
CREDENTIALS_FILE = Path("conf/local/credentials.yml")


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard needs to reach the API; the key stays on the server, never in the browser."""

    api_url: str = DEFAULT_API_URL
    api_key: str = ""
    timeout_seconds: float = 10.0
    currency: str = "EUR"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, credentials_file: Path = CREDENTIALS_FILE
    ) -> DashboardSettings:
        """Settings from the environment, falling back on the credentials file, then on the defaults."""
        env = os.environ if environ is None else environ
        stored = _dashboard_credentials(credentials_file)
        timeout = env.get("DASHBOARD_API_TIMEOUT", "")
        try:
            timeout_seconds = float(timeout) if timeout else cls.timeout_seconds
        except ValueError as error:
            raise ValueError(f"DASHBOARD_API_TIMEOUT must be a number of seconds, got {timeout!r}") from error
        return cls(
            api_url=(env.get("DASHBOARD_API_URL") or stored.get("api_url") or DEFAULT_API_URL).rstrip("/"),
            api_key=env.get("DASHBOARD_API_KEY") or str(stored.get("api_key") or ""),
            timeout_seconds=timeout_seconds,
            currency=env.get("DASHBOARD_CURRENCY") or str(stored.get("currency") or cls.currency),
        )

    def with_key(self, api_key: str) -> DashboardSettings:
        return replace(self, api_key=api_key)


def _dashboard_credentials(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not valid YAML: {error}") from error
    section = content.get("dashboard") if isinstance(content, dict) else None
    return section if isinstance(section, dict) else {}
