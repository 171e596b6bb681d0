"""Typing a new applicant into the new-application page, as an adviser does (its browser test and the
README's pictures)."""

from __future__ import annotations

from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from dash_app.new_application_fields import CATEGORY, FORM_FIELDS, NOT_GIVEN, form_values
from tests.e2e.browser import click, wait_for, wait_until_idle

PATH = "/new-application"


def open_form(driver: WebDriver, base_url: str) -> None:
    driver.get(base_url + PATH)
    wait_until_idle(driver)
    wait_for(lambda: driver.find_element(By.ID, "newapp-submit"))


def fill(driver: WebDriver, values: dict[str, Any]) -> None:
    """The form's fields set to ``values`` (readable units, `form_values`); a field not given is emptied."""
    for field in FORM_FIELDS:
        value = values.get(field.column)
        element = driver.find_element(By.ID, field.id)
        if field.kind == CATEGORY:
            Select(element).select_by_value(value or NOT_GIVEN)
        else:
            element.clear()
            if value is not None:
                element.send_keys(str(value))


def submit(driver: WebDriver) -> None:
    click(driver, driver.find_element(By.ID, "newapp-submit"))


def shown_sentence(driver: WebDriver) -> str:
    return wait_for(lambda: driver.find_element(By.CSS_SELECTOR, "#newapp-result .score-sentence").text, 30)


def fill_and_score(driver: WebDriver, application: dict[str, Any]) -> None:
    """The raw ``application`` typed into the open form and submitted, until its score is shown and, for a
    refusal, what would change the decision (or why nothing would)."""
    values = form_values(application)
    for field in FORM_FIELDS:  # a level the form does not offer (e.g. the raw data's XNA) is not given
        if field.kind == CATEGORY and values.get(field.column) is not None:
            options = Select(driver.find_element(By.ID, field.id)).options
            if values[field.column] not in {option.get_attribute("value") for option in options}:
                values[field.column] = None
    fill(driver, values)
    submit(driver)
    shown_sentence(driver)
    if "Refused" in driver.find_element(By.CSS_SELECTOR, "#newapp-gauge-decision").text:
        wait_for(lambda: driver.find_elements(By.ID, "newapp-alternatives-list"), 60)
    wait_until_idle(driver, timeout=60)
