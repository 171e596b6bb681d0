"""The new-application page in a real headless Chromium against the served app (API + dashboard, tiny
model): a new applicant scored from the form, a refused one with what would change the decision (and an
alternative used), a close call overridden with its justification, the decision letter, and axe-core clean
in both languages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By

from dash_app.i18n import format_percent, t
from dash_app.new_application_fields import (
    REQUIRED,
    application_from_form,
    form_values,
)
from tests.e2e.browser import (
    axe_violations,
    click,
    describe_violations,
    screenshot,
    wait_for,
    wait_until_idle,
)
from tests.e2e.new_application_form import fill, shown_sentence, submit
from tests.e2e.new_application_form import open_form as open_page_form

pytestmark = pytest.mark.browser
FRENCH = "label[for='_dbcprivate_radioitems_language_input_fr']"


def post(served, path: str, body: dict[str, Any], **params: Any) -> requests.Response:
    return requests.post(
        f"{served.base_url}/api/v1/{path}",
        json=body,
        params=params,
        headers={"X-API-Key": served.api_key},
        timeout=60,
    )


def typed(application: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an adviser types for a client's application (the form's fields, readable units), and the
    application the page sends for it (empty when the form would refuse it, e.g. a required field
    missing)."""
    values = form_values(application)
    sent, _, _ = application_from_form(values, "en")
    return values, sent


def candidates(served):
    """Applications to type: each production client's (the form's fields only, no history), with an
    external score or not, with its credit and annuity or three times them (the tiny model refuses or
    grants on these)."""
    for item in served.api("clients", page_size=100)["items"]:
        base, sent = typed(served.api(f"clients/{item['client_id']}")["application"])
        if not sent or any(sent.get(column) is None for column in REQUIRED):
            continue
        for score in (None, 0.5, 0.9):
            for factor in (1, 3):
                values = {**base, "EXT_SOURCE_1": score}
                values["AMT_CREDIT"] = round(factor * base["AMT_CREDIT"], 2)
                values["AMT_ANNUITY"] = round(factor * base["AMT_ANNUITY"], 2)
                yield values, application_from_form(values, "en")[0]


def find_applicant(served, decision: str, with_alternatives: bool = False) -> tuple[dict, dict, dict]:
    """An application typed into the form that the served model gives ``decision`` (and, for a refusal,
    alternatives): (form values, the application sent, its score)."""
    for values, sent in candidates(served):
        score = post(served, "predict", sent, simulation="true", top_k=6).json()  # as the page asks
        if score["decision"] != decision:
            continue
        if with_alternatives and not post(served, "counterfactual", sent).json()["alternatives"]:
            continue
        return values, sent, score
    pytest.fail(f"no form application is {decision} by the tiny model (alternatives: {with_alternatives})")


def find_close_call(served) -> tuple[dict, dict]:
    """An application typed into the form that the served model refuses within the review band: (form
    values, its score)."""
    for values, sent in candidates(served):
        score = post(served, "predict", sent, simulation="true").json()
        if score["decision"] == "refused" and score["to_review"]:
            return values, score
    pytest.fail("no form application is refused within the review band by the tiny model")


def open_form(driver, served) -> None:
    open_page_form(driver, served.base_url)


def expected_sentence(score: dict[str, Any], lang: str = "en") -> str:
    return t(
        f"score.sentence_{score['decision']}",
        lang,
        probability=format_percent(score["probability"], lang, 1),
        threshold=format_percent(score["threshold"], lang, 1),
    )


def test_a_new_applicant_is_scored_from_the_form(page, served) -> None:
    open_form(page, served)
    assert page.title == t("title.new_application", "en")
    link = page.find_element(By.ID, "main-nav").find_element(By.LINK_TEXT, t("nav.new_application", "en"))
    wait_for(lambda: "active" in link.get_attribute("class"))
    # an empty form: a clear message, the required fields marked invalid and described by their message
    submit(page)
    message = wait_for(lambda: page.find_element(By.ID, "newapp-feedback").text)
    assert message.startswith("The form is empty")
    credit = page.find_element(By.ID, "newapp-amt-credit")
    wait_for(lambda: credit.get_attribute("aria-invalid") == "true")
    assert credit.get_attribute("aria-describedby") == "newapp-amt-credit-feedback"
    assert "required" in page.find_element(By.ID, "newapp-amt-credit-feedback").text
    assert page.switch_to.active_element.get_attribute("id") == "newapp-days-birth"  # the first invalid
    click(page, page.find_element(By.ID, "newapp-clear"))  # a new form: the old messages go
    wait_for(lambda: credit.get_attribute("aria-invalid") == "false")
    assert page.find_element(By.ID, "newapp-feedback").text == ""
    # out of range: the message next to the field, nothing scored
    values, _, score = find_applicant(served, "granted")
    fill(page, {**values, "DAYS_BIRTH": 12})
    submit(page)
    age = wait_for(lambda: page.find_element(By.ID, "newapp-days-birth-feedback").text)
    assert "from 15 to 100" in age and not page.find_elements(
        By.CSS_SELECTOR, "#newapp-result .score-sentence"
    )
    # the applicant's own values: scored, a decision like the API's, no history, no alternatives
    fill(page, values)
    started = time.perf_counter()
    submit(page)
    assert shown_sentence(page) == expected_sentence(score)
    elapsed = time.perf_counter() - started
    assert page.find_element(By.ID, "newapp-days-birth").get_attribute("aria-invalid") == "false"
    assert page.find_element(By.ID, "newapp-feedback").text == ""
    assert t("newapp.no_history", "en") in page.find_element(By.ID, "newapp-no-history").text
    assert page.find_element(By.CSS_SELECTOR, "#newapp-gauge-decision").text == "✔ Granted"
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#newapp-contributions .main-svg"))
    reasons = page.find_elements(By.CSS_SELECTOR, "#newapp-result .reason-list li")
    assert sorted(item.text[2:] for item in reasons) == sorted(r["sentence"] for r in score["reasons"])
    wait_until_idle(page)
    assert not page.find_elements(By.ID, "newapp-alternatives-list")
    screenshot(page, "new_application_granted")
    print(f"submit to score: {1000 * elapsed:.0f} ms")  # the benchmark measures it (benchmarks/)


def test_a_refused_applicant_gets_what_would_change_the_decision(page, served) -> None:
    values, sent, score = find_applicant(served, "refused", with_alternatives=True)
    answer = post(served, "counterfactual", sent, lang="en").json()
    open_form(page, served)
    fill(page, values)
    submit(page)
    assert shown_sentence(page) == expected_sentence(score)
    assert page.find_element(By.CSS_SELECTOR, "#newapp-gauge-decision").text == "✖ Refused"
    items = wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#newapp-alternatives-list li"), 30)
    shown = [item.find_element(By.CSS_SELECTOR, ".alternative-sentence").text for item in items]
    assert shown == [alternative["sentence"] for alternative in answer["alternatives"]]
    assert all("Granted" in item.text for item in items)
    screenshot(page, "new_application_refused_alternatives")
    # use the first: the form holds its application, which is then granted
    click(page, items[0].find_element(By.TAG_NAME, "button"))
    wait_for(lambda: page.find_element(By.ID, "newapp-status").text == t("newapp.used", "en"))
    first = answer["alternatives"][0]["application"]
    for column in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"):
        element = page.find_element(By.ID, f"newapp-{column.lower().replace('_', '-')}")
        assert float(element.get_attribute("value") or "nan") == pytest.approx(first[column], abs=0.01)
    submit(page)
    wait_for(lambda: page.find_element(By.CSS_SELECTOR, "#newapp-gauge-decision").text == "✔ Granted", 30)
    wait_until_idle(page)
    assert not page.find_elements(By.ID, "newapp-alternatives-list")


def test_a_close_call_is_overridden_with_its_justification_right_below_its_score(page, served) -> None:
    values, score = find_close_call(served)
    why = "Guarantor met in branch: a parent with a stable income signs for the whole credit."
    open_form(page, served)
    fill(page, values)
    submit(page)
    assert shown_sentence(page) == expected_sentence(score)
    mark = wait_for(lambda: page.find_element(By.ID, "newapp-review-mark"))
    assert mark.text == t("review.to_review", "en")
    label = "label[for='_dbcprivate_radioitems_newapp-review-decision_input_granted']"
    click(page, page.find_element(By.CSS_SELECTOR, label))
    page.find_element(By.ID, "newapp-review-justification").send_keys(why)
    click(page, page.find_element(By.ID, "newapp-review-submit"))
    saved = wait_for(lambda: page.find_element(By.ID, "newapp-review-saved").text)
    assert saved == t("review.saved_override", "en", before="Refused", after="Granted")
    assert why in page.find_element(By.ID, "newapp-review-history").text
    pending = served.api("reviews", status="pending_approval", page_size=100)["items"]
    [review] = [item for item in pending if item["justification"] == why]
    assert (review["subject_kind"], review["client_id"], review["automated_decision"]) == (
        "decision",
        None,
        "refused",
    )
    assert review["in_review_band"] and review["probability"] == pytest.approx(score["probability"])


def test_the_decision_letter_is_shown_and_downloaded_as_pdf(page, served, tmp_path: Path) -> None:
    values, _, _ = find_applicant(served, "refused")
    page.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    open_form(page, served)
    fill(page, values)
    submit(page)
    shown_sentence(page)
    click(page, wait_for(lambda: page.find_element(By.ID, "newapp-letter-show")))
    frame = wait_for(lambda: page.find_element(By.ID, "newapp-letter-frame"), 30)
    assert frame.get_attribute("title") == t("newapp.letter_frame", "en")
    page.switch_to.frame(frame)
    letter = wait_for(lambda: page.find_element(By.TAG_NAME, "body").text)
    page.switch_to.default_content()
    assert "review" in letter.lower()
    click(page, page.find_element(By.ID, "newapp-letter-pdf"))
    pdf = wait_for(lambda: [p for p in tmp_path.glob("*.pdf") if p.stat().st_size > 0], 60)[0]
    assert pdf.name == "decision-letter.pdf" and pdf.read_bytes().startswith(b"%PDF")
    assert page.find_element(By.ID, "newapp-letter-error").text == ""
    screenshot(page, "new_application_letter")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("width", [1366, 768])
def test_the_new_application_page_has_zero_axe_violations(page, served, lang: str, width: int) -> None:
    """The page empty, with its errors shown, and with a refusal, its alternatives and the letter, at
    laptop and tablet widths."""
    values, _, _ = find_applicant(served, "refused", with_alternatives=True)
    page.set_window_size(width, 900)
    open_form(page, served)
    if lang == "fr":
        click(page, page.find_element(By.CSS_SELECTOR, FRENCH))
        wait_for(lambda: page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
        wait_until_idle(page)
        assert page.title == t("title.new_application", "fr")
    failures = []
    violations = axe_violations(page)
    if violations:
        failures.append(f"empty:\n{describe_violations(violations)}")
    submit(page)
    wait_for(lambda: page.find_element(By.ID, "newapp-feedback").text)
    violations = axe_violations(page)
    if violations:
        failures.append(f"errors:\n{describe_violations(violations)}")
    fill(page, values)
    submit(page)
    wait_for(
        lambda: page.find_elements(By.CSS_SELECTOR, "#newapp-alternatives-list, #newapp-no-alternative"), 30
    )
    click(page, page.find_element(By.ID, "newapp-letter-show"))
    wait_for(lambda: page.find_element(By.ID, "newapp-letter-frame"), 30)
    wait_until_idle(page)
    violations = axe_violations(page)
    screenshot(page, f"axe_{lang}_{width}_new_application")
    if violations:
        failures.append(f"scored:\n{describe_violations(violations)}")
    assert not failures, "\n".join(failures)
