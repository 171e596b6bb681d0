"""Browser tests: one served app (tiny project, ``make serve``'s entry point) and one headless Chromium per
session, signed in through the real ``/login`` form as the user of the role a test needs (again only when the
role changes: a sign-in costs an argon2 hash). Marked ``browser``; they skip without Chromium, chromedriver or
axe-core (and fail under CI=true)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.api.project import API_KEY
from tests.e2e.browser import browser_missing, chromium, sign_in_with_form
from tests.e2e.served import PASSWORD, USERS

NEUTRAL_PATH = "/assets/10-app.css"
"""A public page of the served app's origin (no session needed, no Dash app to load): where the browser
clears its cookies and storage between tests."""


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


@dataclass
class Browser:
    """The session's browser and whom it is signed in as (None: nobody, or not known)."""

    driver: WebDriver
    base_url: str
    role: str | None = None

    def signed_in_as(self, role: str | None) -> WebDriver:
        """The browser signed in as the user of ``role`` through the sign-in form (None: signed out); it
        signs in again only when the role changes."""
        if role is None or role != self.role:
            self.driver.get(self.base_url + NEUTRAL_PATH)  # cookies can only be deleted on their site
            self.driver.delete_all_cookies()
            self.role = None
        if role is not None and self.role is None:
            sign_in_with_form(self.driver, self.base_url, USERS[role], PASSWORD, next_path=NEUTRAL_PATH)
            self.role = role
        return self.driver

    def forget(self) -> None:
        """After a test that signed in or out by itself: the next one signs in again."""
        self.role = None

    def fresh(self, role: str | None) -> WebDriver:
        """At laptop size, signed in as ``role``, in English, with no selected client (empty storage)."""
        self.driver.set_window_size(1366, 900)
        self.signed_in_as(role)
        self.driver.get(self.base_url + NEUTRAL_PATH)
        self.driver.execute_script("window.localStorage.clear(); window.sessionStorage.clear();")
        return self.driver


@pytest.fixture(scope="session")
def browser(driver, served) -> Browser:
    return Browser(driver, served.base_url)


@pytest.fixture
def page(browser: Browser) -> WebDriver:
    """The browser signed in as an adviser, at laptop size, in English, on a fresh session (no client)."""
    return browser.fresh("adviser")


@pytest.fixture
def risk_page(browser: Browser) -> WebDriver:
    """As ``page``, signed in as the risk user (monitoring and the drift report)."""
    return browser.fresh("risk")


@pytest.fixture
def admin_page(browser: Browser) -> WebDriver:
    """As ``page``, signed in as the administrator (everything, and the Administration page)."""
    return browser.fresh("admin")


@pytest.fixture
def signed_out_page(browser: Browser) -> WebDriver:
    """As ``page``, signed out: the next test that needs a user signs in again."""
    driver = browser.fresh(None)
    yield driver
    browser.forget()
