"""Signing in and out of the served dashboard in a real headless Chromium: the form's error, the way back to
the page first asked for, what an adviser may not open, the Sign out button, and a session that ends while a
page is open (its next callback gets 401 and `dash_app/assets/20-session.js` sends it to the sign-in form)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By

from dash_app.sessions import SESSION_COOKIE
from tests.e2e.browser import click, submit_sign_in_form, wait_for, wait_until_idle
from tests.e2e.served import PASSWORD, USERS

pytestmark = pytest.mark.browser
LANGUAGE_FR = "label[for='_dbcprivate_radioitems_language_input_fr']"


@pytest.fixture(autouse=True)
def forget_the_sign_in(browser):
    """These tests sign in and out by themselves: the next test signs in again."""
    yield
    browser.forget()


def where(driver) -> tuple[str, dict[str, list[str]]]:
    """The browser's path and query."""
    url = urlsplit(driver.current_url)
    return url.path, parse_qs(url.query)


def message(driver) -> str:
    """The message above the sign-in form, once the (new) page shows it."""

    def shown() -> str:
        return driver.find_element(By.ID, "sign-in-message").text.strip()

    return wait_for(shown)


def test_a_wrong_password_is_refused_on_the_form(signed_out_page, served) -> None:
    page = signed_out_page
    page.get(served.base_url + "/login")
    submit_sign_in_form(page, USERS["adviser"], "not the password")
    assert message(page) == "Wrong user name or password."
    assert where(page)[0] == "/login"
    assert page.find_element(By.ID, "username").get_attribute("value") == USERS["adviser"]
    assert page.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    assert not page.get_cookie("_csrf_token"), "no signed-in session"


def test_signing_in_brings_you_to_the_page_you_asked_for(signed_out_page, served) -> None:
    page = signed_out_page
    page.get(served.base_url + "/model?client=1")
    assert where(page) == ("/login", {"next": ["/model?client=1"]})
    submit_sign_in_form(page, USERS["adviser"], PASSWORD)
    wait_for(lambda: where(page) == ("/model", {"client": ["1"]}))
    wait_until_idle(page)
    assert page.find_element(By.TAG_NAME, "h1").text == "The model"
    assert page.find_element(By.ID, "signed-in-as").text == f"Signed in: {USERS['adviser']}, adviser"


def test_an_adviser_has_no_monitoring_link_and_is_refused_the_page(page, browser, served) -> None:
    page.get(served.base_url + "/")
    wait_until_idle(page)
    links = wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#main-nav a"))
    assert "The model" in [link.text for link in links]
    assert "Monitoring" not in [link.text for link in links]
    page.get(served.base_url + "/monitoring")
    assert page.find_element(By.TAG_NAME, "h1").text == "Access refused"
    assert page.title == "Access refused — Credit scoring"
    risk = browser.signed_in_as("risk")  # the same page for the risk user: the link and the page
    risk.get(served.base_url + "/monitoring")
    wait_until_idle(risk)
    assert "Monitoring" in [link.text for link in risk.find_elements(By.CSS_SELECTOR, "#main-nav a")]
    assert risk.find_element(By.TAG_NAME, "h1").text == "Monitoring"


def test_the_sign_out_button_signs_out(page, served) -> None:
    page.get(served.base_url + "/model")
    wait_until_idle(page)
    click(page, page.find_element(By.ID, "sign-out"))
    wait_for(lambda: where(page) == ("/login", {"reason": ["signed_out"]}))
    assert message(page) == "You are signed out."
    page.get(served.base_url + "/model")
    assert where(page) == ("/login", {"next": ["/model"]})


def test_a_session_that_ends_sends_the_open_page_to_the_sign_in_form(page, served) -> None:
    page.get(served.base_url + "/model")
    wait_until_idle(page)
    page.delete_cookie(SESSION_COOKIE)  # as when the session ends on the server: it no longer opens
    click(page, page.find_element(By.CSS_SELECTOR, LANGUAGE_FR))  # a callback, answered 401
    wait_for(lambda: where(page)[0] == "/login")
    assert where(page)[1] == {"reason": ["expired"], "next": ["/model"]}
    assert message(page) == "Your session has ended. Sign in again."


def test_an_administrator_adds_an_adviser_who_then_signs_in(admin_page, browser, served) -> None:
    """Journey 8: on the Administration page, add a user; the password shown once lets them in, as an
    adviser (no Administration link for them)."""
    page = admin_page
    page.get(served.base_url + "/admin")
    wait_until_idle(page)
    assert "Administration" in page.find_element(By.ID, "main-nav").text
    page.find_element(By.ID, "admin-new-name").send_keys("new.adviser")
    click(page, page.find_element(By.ID, "admin-add-user"))

    def feedback() -> str:
        return page.find_element(By.ID, "admin-user-feedback").text.strip()

    answer = wait_for(feedback)
    assert answer.startswith("new.adviser added (adviser). Their password, shown only now:")
    password = page.find_element(By.CSS_SELECTOR, "#admin-user-feedback code").text
    wait_for(lambda: "new.adviser" in page.find_element(By.ID, "admin-users").text)
    browser.forget()
    page.delete_all_cookies()
    page.get(served.base_url + "/login")
    submit_sign_in_form(page, "new.adviser", password)
    wait_for(lambda: where(page)[0] == "/")
    wait_until_idle(page)
    assert "Signed in: new.adviser, adviser" in page.find_element(By.ID, "signed-in-as").text
    assert "Administration" not in page.find_element(By.ID, "main-nav").text
