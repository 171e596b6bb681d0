"""Headless Chromium for the browser tests and the dashboard benchmark: driver, waits, axe-core audit."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

HERE = Path(__file__).parent
ARTIFACTS = HERE / "artifacts"
AXE_SCRIPT = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver",)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def find_binary(env_name: str, candidates: tuple[str, ...], name: str) -> str | None:
    """A browser binary from the environment, the usual Debian paths or the PATH."""
    explicit = os.environ.get(env_name)
    if explicit and Path(explicit).exists():
        return explicit
    for candidate in candidates:
        if Path(candidate).exists():
            return candidate
    return shutil.which(name)


def browser_missing() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not find_binary("CHROMIUM_BIN", CHROMIUM_CANDIDATES, "chromium"):
        return "Chromium is not installed (apt-get install chromium)"
    if not find_binary("CHROMEDRIVER_BIN", CHROMEDRIVER_CANDIDATES, "chromedriver"):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    if not AXE_SCRIPT.exists():
        return f"axe-core is not installed ({AXE_SCRIPT}; npm install --prefix tests/e2e axe-core)"
    return None


@contextmanager
def chromium(width: int = 1366, height: int = 900) -> Iterator[WebDriver]:
    """Headless Chromium with no network chatter, an empty profile, removed afterwards."""
    profile = tempfile.mkdtemp(prefix="dash-e2e-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = find_binary("CHROMIUM_BIN", CHROMIUM_CANDIDATES, "chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, CSP reports included
    service = Service(find_binary("CHROMEDRIVER_BIN", CHROMEDRIVER_CANDIDATES, "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(condition: Callable[[], object], timeout: float = 15.0, interval: float = 0.02) -> object:
    """Poll ``condition`` until it returns something truthy; raise TimeoutError with the last error."""
    deadline = time.perf_counter() + timeout
    last_error: Exception | None = None
    while time.perf_counter() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as error:  # elements come and go while Dash renders
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout} s (last error: {last_error})")


def wait_until_idle(driver: WebDriver, timeout: float = 15.0) -> None:
    """Wait until Dash has no callback in flight, no loading spinner is shown and every chart is drawn."""
    script = (
        "var r = document.querySelector('#react-entry-point');"
        "if (!r || document.querySelector('._dash-loading')) return false;"
        "if (document.querySelector('[data-dash-is-loading=\"true\"]')) return false;"
        "if (document.querySelector('.dash-spinner, .dash-default-spinner, ._dash-loading-callback'))"
        " return false;"
        "var graphs = Array.from(document.querySelectorAll('.chart'));"
        "if (!graphs.every(function (g) { return g.querySelector('.main-svg'); })) return false;"
        "return document.readyState === 'complete';"
    )
    wait_for(lambda: driver.execute_script(script), timeout)
    time.sleep(0.2)
    wait_for(lambda: driver.execute_script(script), timeout)


def axe_violations(driver: WebDriver) -> list[dict]:
    """axe-core's violations on the current page, for WCAG 2.1 A and AA plus best practices."""
    driver.execute_script(AXE_SCRIPT.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(function (r) { done(JSON.stringify(r.violations)); })"
        ".catch(function (e) { done(JSON.stringify([{id: 'axe-error', help: String(e), nodes: []}])); });",
        WCAG_TAGS,
    )
    return json.loads(result)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])[:5]]
        lines.append(f"{violation['id']}: {violation.get('help')} -> {targets}")
    return "\n".join(lines)


def screenshot(driver: WebDriver, name: str) -> Path:
    """A full-page PNG in tests/e2e/artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = driver.get_window_size()
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    driver.set_window_size(size["width"], min(int(height) + 120, 6000))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])
    return path


def click(driver: WebDriver, element) -> None:
    """A click that a loading overlay or a sticky header cannot intercept (the element is scrolled to)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)


def sign_in_with_form(
    driver: WebDriver, base_url: str, name: str, password: str, next_path: str = "/"
) -> None:
    """Sign in as a person does: open ``/login?next=...``, type the name and the password, press the button;
    return once the server has sent the browser on to ``next_path`` (TimeoutError if it stays on /login)."""
    driver.get(f"{base_url}/login?next={quote(next_path, safe='')}")
    submit_sign_in_form(driver, name, password)
    wait_for(lambda: urlsplit(driver.current_url).path == urlsplit(next_path).path)


def submit_sign_in_form(driver: WebDriver, name: str, password: str) -> None:
    """Type ``name`` and ``password`` into the sign-in form on screen and submit it."""
    for field, value in (("username", name), ("password", password)):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "form button[type='submit']").click()
