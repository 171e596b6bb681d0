"""Browser tests: one served app (tiny project, ``make serve``'s entry point) and one headless Chromium per
session. Marked ``browser``; they skip without Chromium, chromedriver or axe-core (and fail under CI=true)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.api.project import API_KEY
from tests.e2e.browser import browser_missing, chromium


@pytest.fixture(scope="session")
def served_server(tmp_path_factory: pytest.TempPathFactory):
    """The tiny project served by ``scripts/serve`` as ``make serve`` runs it (no browser needed)."""
    from tests.e2e.served import ServedApp, served_app  # noqa: PLC0415 - builds a model: only when needed

    running = os.environ.get("DASHBOARD_E2E_URL")  # an app already served by tests.e2e.served (development)
    if running:
        yield ServedApp(running.rstrip("/"), API_KEY, {}, Path(os.devnull))
        return

    with served_app(tmp_path_factory.mktemp("served_dashboard")) as app:
        yield app


@pytest.fixture(scope="session")
def served(served_server):
    """The served app, for the browser tests (they skip without Chromium, chromedriver or axe-core)."""
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    return served_server


@pytest.fixture(scope="session")
def driver(served):
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(driver, served):
    """The browser at laptop size, in English, on a fresh session (no selected client)."""
    driver.set_window_size(1366, 900)
    driver.get(served.base_url + "/404-reset")
    driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
    return driver
