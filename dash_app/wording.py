"""The adviser's words, as the API says them (``GET /api/v1/wording``): every feature's label and every
recorded category. The dashboard holds no wording table of its own, so the client page, the simulation, the
filters, the search results and the comparisons say what the reasons say. The table is fetched once per
process and language; while the API cannot answer, features and levels are shown by their recorded names and
the table is asked for again next time.
"""

from __future__ import annotations

import threading
from typing import Any

from dash_app import api_client
from dash_app.api_client import ApiClient, ApiError
from dash_app.i18n import normalise_language

_tables: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def table(lang: str | None, client: ApiClient | None = None) -> dict[str, Any]:
    """The API's wording in ``lang``: ``features`` {feature: label} and ``levels`` {column: {level: words}}
    (empty while it cannot answer)."""
    language = normalise_language(lang)
    with _lock:
        cached = _tables.get(language)
    if cached is not None:
        return cached
    try:
        answer = (client or api_client.get_client()).wording(language)
        worded = {"features": dict(answer["features"]), "levels": dict(answer["levels"])}
    except (ApiError, KeyError, TypeError):
        return {}
    with _lock:
        _tables[language] = worded
    return worded


def forget() -> None:
    """Drop the fetched tables (a test, or a new API behind the same dashboard)."""
    with _lock:
        _tables.clear()


def feature_label(feature: str, lang: str | None) -> str:
    """A feature's label in ``lang`` (the reasons' words); its readable name while the API cannot answer."""
    label = table(lang).get("features", {}).get(feature)
    return label or feature.replace("_", " ").capitalize()


def levels_of(column: str, lang: str | None) -> dict[str, str]:
    """The recorded levels of ``column`` and their words."""
    return table(lang).get("levels", {}).get(column, {})


def level_text(column: str, level: Any, lang: str | None) -> str:
    """The adviser's wording of a recorded level in ``lang``; an unknown level is shown as recorded."""
    if not isinstance(level, str):
        return str(level)
    return levels_of(column, lang).get(level, level)
