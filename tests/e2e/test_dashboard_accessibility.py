"""axe-core audit (WCAG 2.1 A/AA and best practices) with zero violations on every page, in both languages and
at laptop and tablet widths: the dashboard's pages signed in (those that need the ``risk`` role as the risk
user), the access-refused page an adviser gets, and the sign-in page signed out (with and without a notice); a
screenshot of each page is kept as a test artifact."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from dash_app.i18n import t
from tests.e2e.browser import (
    axe_violations,
    click,
    describe_violations,
    screenshot,
    wait_for,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

ADVISER_PAGES = ("/", "/client?client={client}", "/compare?client={client}", "/what-if?client={client}",
                 "/model", "/no-such-page")  # fmt: skip
RISK_PAGES = ("/monitoring", "/reviews")
ADMIN_PAGES = ("/admin",)
PAGES = ADVISER_PAGES + RISK_PAGES + ADMIN_PAGES
"""Every page of the dashboard (the administrator opens them all)."""
READY = {"model": "#model-section table caption", "monitoring": "#performance-drift-graph .main-svg"}
"""What a page shows before it is audited, by its name: the Model page's tables down to the segments', the
Monitoring page's live performance down to its last chart."""


class Audited(NamedTuple):
    """A page to audit: who opens it (None: signed out), its path, its name in the screenshots, and for a
    page the server writes (not Dash), the wording key of its title (its language is asked by ``?lang=``; a
    Dash page's is switched on the page)."""

    role: str | None
    path: str
    name: str
    server_title: str | None = None


AUDITED = (
    *(Audited("adviser", path, path.split("?")[0].strip("/") or "search") for path in ADVISER_PAGES),
    Audited("adviser", "/monitoring", "access-refused", "forbidden.title"),
    *(Audited("risk", path, path.strip("/")) for path in RISK_PAGES),
    *(Audited("admin", path, path.strip("/")) for path in ADMIN_PAGES),
    Audited(None, "/login", "login", "signin.title"),
    Audited(None, "/login?reason=expired", "login-expired", "signin.title"),
)


def open_in_language(driver: WebDriver, url: str, lang: str, dash: bool) -> None:
    """Open ``url`` in ``lang``: a Dash page through its language switch, a server page through ``lang=``."""
    if not dash:
        driver.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        return
    driver.get(url)
    wait_until_idle(driver)
    if lang == "fr":
        label = "label[for='_dbcprivate_radioitems_language_input_fr']"
        if driver.find_element(By.TAG_NAME, "html").get_attribute("lang") != "fr":
            click(driver, driver.find_element(By.CSS_SELECTOR, label))
        wait_for(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
        wait_until_idle(driver)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1366, 768])
def test_every_page_has_zero_axe_violations(page, browser, served, lang: str, width: int) -> None:
    client = served.api("clients", page_size=1)["items"][0]["client_id"]
    failures = []
    for audited in AUDITED:
        driver = browser.signed_in_as(audited.role)
        driver.set_window_size(width, 900)
        url = served.base_url + audited.path.format(client=client)
        open_in_language(driver, url, lang, dash=audited.server_title is None)
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang, audited
        assert driver.title and driver.find_element(By.TAG_NAME, "h1").text, audited
        if audited.name in READY:
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, READY[audited.name]))  # noqa: B023
        if audited.server_title:  # that page, not the dashboard after a redirect or without a refusal
            assert driver.title == t(audited.server_title, lang), audited
        violations = axe_violations(driver)
        screenshot(driver, f"axe_{lang}_{width}_{audited.name}")
        driver.set_window_size(width, 900)
        if violations:
            who = audited.role or "signed out"
            failures.append(f"{audited.path} ({who}):\n{describe_violations(violations)}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1366, 768])
def test_the_live_performance_with_every_table_open_has_zero_axe_violations(
    browser, served, lang: str, width: int
) -> None:
    """The Monitoring page's live performance (GET /performance): its four trend charts drawn, the table of
    each chart opened, the alerts and the loans by period, audited with nothing hidden."""
    driver = browser.fresh("risk")  # in English
    driver.set_window_size(width, 900)
    open_in_language(driver, served.base_url + "/monitoring", lang, dash=True)
    for graph in ("cost", "auc", "approval", "drift"):
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f"#performance-{graph}-graph .main-svg"))  # noqa: B023
    section = driver.find_element(By.ID, "performance-section")
    for details in section.find_elements(By.CSS_SELECTOR, "details.chart-data"):
        click(driver, details.find_element(By.TAG_NAME, "summary"))
    wait_for(lambda: len(section.find_elements(By.CSS_SELECTOR, "details[open] table")) == 4)
    heading = driver.find_element(By.ID, "performance-heading").text
    assert heading == t("perf.heading", lang)
    assert t("perf.alert_marker", lang) in driver.find_element(By.ID, "performance-cost-graph").text
    violations = axe_violations(driver)
    screenshot(driver, f"axe_{lang}_{width}_monitoring_performance_tables")
    assert not violations, describe_violations(violations)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1366, 768])
def test_a_refused_clients_page_with_its_refusal_reasons_has_zero_axe_violations(
    page, browser, served, lang: str, width: int
) -> None:
    """A refused client's page: the reasons by family, the contribution chart with its table open and the
    block of the reasons the client may be told, audited with nothing hidden."""
    client = served.api("clients", page_size=1, decision="refused")["items"][0]["client_id"]
    driver = browser.signed_in_as("adviser")
    driver.set_window_size(width, 900)
    open_in_language(driver, f"{served.base_url}/client?client={client}", lang, dash=True)
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#contributions .main-svg"))
    heading = wait_for(lambda: driver.find_element(By.ID, "refusal-reasons-heading").text)
    assert heading == t("score.refusal_heading", lang)
    section = driver.find_element(By.ID, "score-section")
    for details in section.find_elements(By.CSS_SELECTOR, "details.chart-data"):
        click(driver, details.find_element(By.TAG_NAME, "summary"))
    wait_for(lambda: len(section.find_elements(By.CSS_SELECTOR, "details[open] table")) == 2)
    assert t("score.col_values", lang) in section.text
    violations = axe_violations(driver)
    screenshot(driver, f"axe_{lang}_{width}_client_refusal_reasons")
    assert not violations, describe_violations(violations)
