"""axe-core audit (WCAG 2.1 A/AA and best practices) with zero violations on every page, in both languages and
at laptop and tablet widths; a screenshot of each page is kept as a test artifact."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.browser import (
    axe_violations,
    click,
    describe_violations,
    screenshot,
    wait_for,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

PAGES = ("/", "/client?client={client}", "/compare?client={client}", "/what-if?client={client}", "/model",
         "/monitoring", "/no-such-page")  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1366, 768])
def test_every_page_has_zero_axe_violations(page, served, lang: str, width: int) -> None:
    client = served.api("clients", page_size=1)["items"][0]["client_id"]
    page.set_window_size(width, 900)
    failures = []
    for path in PAGES:
        page.get(served.base_url + path.format(client=client))
        wait_until_idle(page)
        if lang == "fr":
            label = "label[for='_dbcprivate_radioitems_language_input_fr']"
            if page.find_element(By.TAG_NAME, "html").get_attribute("lang") != "fr":
                click(page, page.find_element(By.CSS_SELECTOR, label))
            wait_for(lambda: page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
            wait_until_idle(page)
        assert page.title and page.find_element(By.TAG_NAME, "h1").text, path
        violations = axe_violations(page)
        name = f"axe_{lang}_{width}_" + (path.split("?")[0].strip("/") or "search")
        screenshot(page, name)
        page.set_window_size(width, 900)
        if violations:
            failures.append(f"{path}:\n{describe_violations(violations)}")
    assert not failures, "\n".join(failures)
