"""The README's pictures of the dashboard: every page as an adviser sees it (monitoring and the review queue
as the risk user), taken by headless Chromium from a served app.

``make screenshots`` (``python -m tests.e2e.screenshots``) serves this checkout's demo data and model like
``make serve``, with a throw-away application database holding one adviser and one risk user (the project's
own users, decisions and audit trail are not touched), and writes ``docs/images/<page>.png``.
``tests/e2e/test_screenshots.py`` takes the same pictures from the tiny test project on every test run, so
a page that stops rendering fails there, not in the README.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from dash_app.new_application_fields import application_from_form, form_values
from tests.e2e.browser import browser_missing, chromium, click, sign_in_with_form, wait_for, wait_until_idle
from tests.e2e.served import PASSWORD, PROJECT_ROOT, USERS, demo_project_missing, served_demo

IMAGES = PROJECT_ROOT / "docs" / "images"
WIDTH, HEIGHT = 1280, 860
"""A laptop's viewport: what an adviser sees first on each page (the pictures are not full-page)."""
NEUTRAL_PATH = "/assets/10-app.css"


@dataclass(frozen=True)
class Subject:
    """What the pictures show: a refused production client, and a new applicant typed into the form."""

    client_id: int
    new_applicant: dict[str, object]


@dataclass(frozen=True)
class Shot:
    name: str
    role: str
    take: Callable[[WebDriver, str, Subject], None]
    """Opens the page at the base URL (and fills what it needs) until it shows what the picture is of."""
    anchor: str | None = None
    """The element shown at the top of the picture (None: the top of the page)."""


def _open(path: str) -> Callable[[WebDriver, str, Subject], None]:
    def take(driver: WebDriver, base_url: str, subject: Subject) -> None:
        driver.get(base_url + path.format(client=subject.client_id))
        wait_until_idle(driver, timeout=60)

    return take


def _what_if(driver: WebDriver, base_url: str, subject: Subject) -> None:
    """The client's application with the credit cut by a third, scored beside the original."""
    _open("/what-if?client={client}")(driver, base_url, subject)
    credit = driver.find_element(By.ID, "whatif-amt-credit")
    wait_for(lambda: credit.get_attribute("value"), timeout=30)
    lower = round(float(credit.get_attribute("value")) * 2 / 3)
    credit.clear()
    credit.send_keys(str(lower))
    click(driver, driver.find_element(By.ID, "whatif-submit"))
    wait_for(lambda: driver.find_elements(By.ID, "whatif-change"), timeout=60)
    wait_until_idle(driver, timeout=60)


def _new_application(driver: WebDriver, base_url: str, subject: Subject) -> None:
    """The new-application form filled with a new applicant, scored, with what would change a refusal."""
    from tests.e2e.new_application_form import fill_and_score  # noqa: PLC0415 - the page's own test helper

    _open("/new-application")(driver, base_url, subject)
    fill_and_score(driver, subject.new_applicant)
    wait_until_idle(driver, timeout=60)


def _letter(driver: WebDriver, base_url: str, subject: Subject, *, api_key: str, folder: Path) -> None:
    """The refused client's decision letter, as the API renders it for printing."""
    answer = requests.get(
        f"{base_url}/api/v1/clients/{subject.client_id}/letter",
        params={"lang": "en", "format": "html"},
        headers={"X-API-Key": api_key},
        timeout=120,
    )
    answer.raise_for_status()
    page = folder / "letter.html"
    page.write_text(answer.text, encoding="utf-8")
    driver.get(page.as_uri())
    wait_for(lambda: driver.find_elements(By.TAG_NAME, "h1"), timeout=30)


SHOTS: tuple[Shot, ...] = (
    Shot("search", "adviser", _open("/")),
    Shot("client", "adviser", _open("/client?client={client}")),
    Shot("compare", "adviser", _open("/compare?client={client}")),
    Shot("what_if", "adviser", _what_if),
    Shot("new_application", "adviser", _new_application, anchor="#newapp-result"),
    Shot("model", "adviser", _open("/model")),
    Shot("monitoring", "risk", _open("/monitoring")),
    Shot("reviews", "risk", _open("/reviews")),
)
LETTER = "letter"
NAMES = (*(shot.name for shot in SHOTS), LETTER)


def subject_of(base_url: str, api_key: str) -> Subject:
    """A refused production client whose application gives its credit and annuity and passes the
    new-application form's checks (the first the API lists), and a new applicant: that client's application
    without its identifier, so the page shows alternatives or why there are none."""
    headers = {"X-API-Key": api_key}

    def get(path: str, **params: object) -> dict:
        answer = requests.get(f"{base_url}/api/v1/{path}", params=params, headers=headers, timeout=60)
        answer.raise_for_status()
        return answer.json()

    for item in get("clients", decision="refused", page_size=50)["items"]:
        application = get(f"clients/{item['client_id']}")["application"]
        new = {k: v for k, v in application.items() if k != "SK_ID_CURR"}
        _, problems, _ = application_from_form(form_values(new), "en")
        if application.get("AMT_CREDIT") and application.get("AMT_ANNUITY") and not problems:
            return Subject(int(item["client_id"]), new)
    raise RuntimeError("no refused client whose application the form takes, with credit and annuity")


def take_screenshots(driver: WebDriver, base_url: str, api_key: str, folder: Path) -> list[Path]:
    """Every picture of `NAMES`, as PNG files in ``folder``; the browser is signed in through the form as
    each shot's role needs (and left signed out)."""
    folder.mkdir(parents=True, exist_ok=True)
    subject = subject_of(base_url, api_key)
    driver.set_window_size(WIDTH, HEIGHT)
    written, role = [], None
    for shot in SHOTS:
        if shot.role != role:
            _sign_out(driver, base_url)
            sign_in_with_form(driver, base_url, USERS[shot.role], PASSWORD, next_path=NEUTRAL_PATH)
            role = shot.role
        shot.take(driver, base_url, subject)
        written.append(_save(driver, folder / f"{shot.name}.png", shot.anchor))
    _sign_out(driver, base_url)
    with tempfile.TemporaryDirectory() as scratch:
        _letter(driver, base_url, subject, api_key=api_key, folder=Path(scratch))
        written.append(_save(driver, folder / f"{LETTER}.png"))
    return written


def _sign_out(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + NEUTRAL_PATH)  # cookies can only be deleted on their site
    driver.delete_all_cookies()


def _save(driver: WebDriver, path: Path, anchor: str | None = None) -> Path:
    driver.execute_script(
        "document.activeElement && document.activeElement.blur();"
        "var anchor = arguments[0] && document.querySelector(arguments[0]);"
        "if (anchor) { anchor.scrollIntoView({block: 'start', behavior: 'instant'}); }"
        "else { window.scrollTo({top: 0, behavior: 'instant'}); }",  # Bootstrap's scrolling is smooth
        anchor,
    )
    time.sleep(0.3)  # the scroll and the lost focus painted
    driver.save_screenshot(str(path))
    return path


# --- make screenshots: the demo data, served ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder of the PNG files (docs/images)")
    args = parser.parse_args(argv)
    missing = browser_missing() or demo_project_missing()
    if missing:
        raise SystemExit(missing)
    with (
        tempfile.TemporaryDirectory(prefix="credit-scoring-screenshots-") as scratch,
        served_demo(Path(scratch)) as served,
        chromium(WIDTH, HEIGHT) as driver,
    ):
        written = take_screenshots(driver, served.base_url, served.api_key, args.out)
    sizes = {path.name: path.stat().st_size for path in written}
    print(json.dumps({"folder": str(args.out), "bytes": sizes}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
