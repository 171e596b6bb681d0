"""Recorded categories in the adviser's words, as the API says them (``GET /api/v1/wording``): the dashboard
holds no wording table of its own, so the client page, the filters, the search results and the comparisons
say what the reasons say. The table is fetched once per process and language; while the API cannot answer,
levels are shown as recorded and the table is asked for again next time.
"""

from __future__ import annotations

import threading
from typing import Any

from dash_app import api_client
from dash_app.api_client import ApiClient, ApiError
from dash_app.i18n import normalise_language

_tables: dict[str, dict[str, dict[str, str]]] = {}
_lock = threading.Lock()


def table(lang: str | None, client: ApiClient | None = None) -> dict[str, dict[str, str]]:
    """{column: {recorded level: words}} in ``lang``, from the API (empty while it cannot answer)."""
    language = normalise_language(lang)
    with _lock:
        cached = _tables.get(language)
    if cached is not None:
        return cached
    try:
        levels = (client or api_client.get_client()).wording(language)["levels"]
    except (ApiError, KeyError, TypeError):
        return {}
    with _lock:
        _tables[language] = levels
    return levels


def forget() -> None:
    """Drop the fetched tables (a test, or a new API behind the same dashboard)."""
    with _lock:
        _tables.clear()


def levels_of(column: str, lang: str | None) -> dict[str, str]:
    """The recorded levels of ``column`` and their words."""
    return table(lang).get(column, {})


def level_text(column: str, level: Any, lang: str | None) -> str:
    """The adviser's wording of a recorded level in ``lang``; an unknown level is shown as recorded."""
    if not isinstance(level, str):
        return str(level)
    return levels_of(column, lang).get(level, level)
