"""The human review in a real headless Chromium against the served app (API + dashboard, tiny model): an
adviser overrides a client's automated decision (a missing justification is said next to the field first),
a risk user approves the override on the Reviews page; axe-core clean on the panel and on the new page, in
both languages."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from dash_app.i18n import t
from tests.e2e.browser import (
    axe_violations,
    click,
    describe_violations,
    screenshot,
    wait_for,
    wait_until_idle,
)
from tests.e2e.served import USERS
from tests.e2e.test_dashboard_accessibility import open_in_language

pytestmark = pytest.mark.browser
WHY = "Payslips checked in branch: stable income for ten years, the bureau record is outdated."


def radio(driver, component_id: str, value: str):
    return driver.find_element(
        By.CSS_SELECTOR, f"label[for='_dbcprivate_radioitems_{component_id}_input_{value}']"
    )


def refused_client(served) -> int:
    return int(served.api("clients", page_size=1, decision="refused")["items"][0]["client_id"])


def test_an_override_with_its_justification_then_its_approval_by_risk(browser, served) -> None:
    client_id = refused_client(served)
    driver = browser.fresh("adviser")
    driver.get(f"{served.base_url}/client?client={client_id}")
    wait_until_idle(driver)
    submit = wait_for(lambda: driver.find_element(By.ID, "review-submit"))
    click(driver, radio(driver, "review-decision", "granted"))
    click(driver, submit)  # no justification yet: said next to the field, nothing sent
    error = wait_for(lambda: driver.find_element(By.ID, "review-justification-error").text or None)
    assert error == t("review.error_required", "en")
    field = driver.find_element(By.ID, "review-justification")
    wait_for(lambda: field.get_attribute("aria-invalid") == "true")
    assert "review-justification-error" in field.get_attribute("aria-describedby")
    assert served.api(f"clients/{client_id}/reviews")["total"] == 0

    field.send_keys(WHY)
    click(driver, driver.find_element(By.ID, "review-submit"))
    saved = wait_for(lambda: driver.find_element(By.ID, "review-saved").text)
    assert saved == t("review.saved_override", "en", before="Refused", after="Granted")
    history = driver.find_element(By.ID, "review-history").text
    assert WHY in history and USERS["adviser"] in history and "awaiting approval" in history
    screenshot(driver, "review_override_recorded")
    [review] = served.api(f"clients/{client_id}/reviews")["items"]
    assert (review["reviewer"], review["status"], review["justification"]) == (
        USERS["adviser"],
        "pending_approval",
        WHY,
    )

    driver = browser.fresh("risk")
    driver.get(f"{served.base_url}/reviews")
    wait_until_idle(driver)
    queue = wait_for(lambda: driver.find_element(By.ID, "reviews-pending").text)
    assert f"Client {client_id}: Refused → Granted, by {USERS['adviser']}" in queue and WHY in queue
    violations = axe_violations(driver)  # the queue with an override awaiting approval
    screenshot(driver, "axe_en_reviews_page_pending")
    assert not violations, describe_violations(violations)
    click(driver, radio(driver, "approval-choice", review["review_id"]))
    driver.find_element(By.ID, "approval-note").send_keys("Payslips seen, agreed.")
    click(driver, driver.find_element(By.ID, "approval-approve"))
    done = wait_for(lambda: driver.find_element(By.ID, "approval-done").text)
    assert done == t("reviews.done_approved", "en")
    wait_for(lambda: driver.find_elements(By.ID, "reviews-none"))
    approved = served.api(f"clients/{client_id}/reviews")["items"][0]
    assert (approved["status"], approved["approver"], approved["approval_note"]) == (
        "approved",
        USERS["risk"],
        "Payslips seen, agreed.",
    )
    summary = served.api("reviews/summary")
    assert summary["overrides"] >= 1 and USERS["adviser"] in {
        row["reviewer"] for row in summary["by_reviewer"]
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_review_panel_and_the_reviews_page_have_zero_axe_violations(browser, served, lang: str) -> None:
    client_id = refused_client(served)
    driver = browser.signed_in_as("adviser")
    browser.fresh("adviser")
    open_in_language(driver, f"{served.base_url}/client?client={client_id}", lang, dash=True)
    submit = wait_for(lambda: driver.find_element(By.ID, "review-submit"))
    click(driver, submit)  # the error shown next to the field is audited too
    wait_for(lambda: driver.find_element(By.ID, "review-justification-error").text or None)
    assert driver.find_element(By.ID, "review-heading").text == t("review.heading", lang)
    violations = axe_violations(driver)
    screenshot(driver, f"axe_{lang}_review_panel")
    assert not violations, describe_violations(violations)

    driver = browser.fresh("risk")
    open_in_language(driver, f"{served.base_url}/reviews", lang, dash=True)
    wait_for(lambda: driver.find_element(By.ID, "reviews-queue").text)
    assert driver.find_element(By.TAG_NAME, "h1").text == t("reviews.heading", lang)
    violations = axe_violations(driver)
    screenshot(driver, f"axe_{lang}_reviews_page")
    assert not violations, describe_violations(violations)
