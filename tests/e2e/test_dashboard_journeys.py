"""The seven journeys in a real headless Chromium against the served app (API + dashboard, tiny model):
journeys 1-6 signed in as an adviser, journey 7 (monitoring and the full report) as the risk user."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from credit_scoring.raw.wording import LEVELS
from dash_app.client_fields import LEVEL_FIELDS
from dash_app.i18n import t
from tests.e2e.browser import click, screenshot, wait_for, wait_until_idle

pytestmark = pytest.mark.browser
FRENCH = "label[for='_dbcprivate_radioitems_language_input_fr']"
"""The language switch's French option."""


def open_page(driver, served, path: str) -> None:
    driver.get(served.base_url + path)
    wait_until_idle(driver)


def text(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text


def visible_text(driver, selector: str, timeout: float = 20) -> str:
    def shown() -> str:
        return driver.find_element(By.CSS_SELECTOR, selector).text.strip()

    return wait_for(shown, timeout)


def first_client(served, **filters) -> dict:
    return served.api("clients", page_size=1, **filters)["items"][0]


def test_journey_1_find_a_client_by_number_and_by_filters(page, served) -> None:
    open_page(page, served, "/")
    assert page.title == "Find a client — Credit scoring"
    total = served.api("clients", page_size=1)["total"]
    assert f"{total} clients match" in visible_text(page, "#search-results p")
    refused = served.api("clients", page_size=50, decision="refused")
    Select(page.find_element(By.ID, "search-decision")).select_by_value("refused")
    click(page, page.find_element(By.ID, "search-submit"))
    wait_for(lambda: f"{refused['total']} clients match" in text(page, "#search-results"))
    badges = page.find_elements(By.CSS_SELECTOR, "#search-results .decision-badge")
    assert badges and all(badge.text == "✖ Refused" for badge in badges)
    screenshot(page, "journey1_search_refused")
    # by number, from the keyboard
    client_id = first_client(served)["client_id"]
    box = page.find_element(By.ID, "search-id")
    box.send_keys(str(client_id), Keys.ENTER)
    wait_for(lambda: page.current_url.endswith(f"/client?client={client_id}"))
    assert f"Score of client {client_id}" in visible_text(page, "h1")
    # a number that is not one
    open_page(page, served, "/")
    page.find_element(By.ID, "search-id").send_keys("12ab", Keys.ENTER)
    assert "digits only" in visible_text(page, "#search-id-feedback")


def test_journey_2_read_the_score_with_reasons(page, served) -> None:
    client = first_client(served, decision="refused")
    score = served.api(f"clients/{client['client_id']}/score", top_k=6)  # as many as the dashboard asks
    open_page(page, served, "/")
    click(page, page.find_element(By.LINK_TEXT, f"Open client {client['client_id']}"))
    sentence = visible_text(page, ".score-sentence")
    probability = f"{100 * score['probability']:.1f}%"
    threshold = f"{100 * score['threshold']:.1f}%"
    assert sentence == (
        f"The estimated risk is {probability}, above the {threshold} limit: the application would be refused."
    )
    assert text(page, "#score-gauge-decision") == "✖ Refused"
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#score-gauge .main-svg"))
    reasons = page.find_elements(By.CSS_SELECTOR, ".reason-list li")
    assert sorted(item.text[2:] for item in reasons) == sorted(
        reason["sentence"] for reason in score["reasons"]
    )
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#contributions .main-svg"))
    # the text alternative: the data table opens from the keyboard
    click(page, page.find_elements(By.CSS_SELECTOR, ".chart-data summary")[1])
    rows = wait_for(lambda: page.find_elements(By.CSS_SELECTOR, ".chart-data[open] tbody tr"))
    assert len(rows) == len(score["reasons"])
    screenshot(page, "journey2_score")


def plain(words: str) -> str:
    """``words`` with the no-break spaces of French numbers as Selenium reports them (plain spaces)."""
    return re.sub("[\u00a0\u202f]", " ", words)


def refusal_block_text(page, lang: str) -> list[str]:
    """The reasons of the refusal block in their order on the page, once its heading says what it is."""
    heading = wait_for(lambda: page.find_element(By.ID, "refusal-reasons-heading").text)
    assert heading == t("score.refusal_heading", lang)
    return [plain(item.text) for item in page.find_elements(By.CSS_SELECTOR, "#refusal-reasons li")]


def test_journey_2_a_refusal_gives_the_reasons_the_client_may_be_told_in_both_languages(page, served) -> None:
    """A refused client's page lists, under the full explanation, the reasons the lender's policy lets the
    adviser give (the API's refusal_reasons, strongest first), in English then in French; a granted client's
    page has no such block."""
    client_id = first_client(served, decision="refused")["client_id"]
    open_page(page, served, f"/client?client={client_id}")
    for lang in ("en", "fr"):
        score = served.api(f"clients/{client_id}/score", top_k=6, lang=lang)
        assert score["decision"] == "refused" and score["refusal_reasons"] is not None
        if lang == "fr":
            click(page, page.find_element(By.CSS_SELECTOR, FRENCH))
            wait_for(lambda: page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
            wait_until_idle(page)
        wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#contributions .main-svg"))
        told = [plain(reason["sentence"]) for reason in score["refusal_reasons"]]
        assert refusal_block_text(page, lang) == told
        block = text(page, "#refusal-reasons")
        assert t("score.refusal_full", lang) in block
        if told:
            assert t("score.refusal_intro", lang) in block
            assert all(reason["refusal_reason_allowed"] for reason in score["refusal_reasons"])
        else:
            assert t("score.refusal_none", lang) in block
        explained = text(page, "#score-section")
        above = explained.index(t("score.reasons_heading", lang))
        assert above < explained.index(t("score.refusal_heading", lang))
        assert "–" in explained and score["reasons"][0]["label"] in explained  # family labels, with values
        screenshot(page, f"journey2_refusal_reasons_{lang}")
    granted = first_client(served, decision="granted")["client_id"]
    open_page(page, served, f"/client?client={granted}")
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#contributions .main-svg"))
    assert not page.find_elements(By.ID, "refusal-reasons")


def test_journey_3_client_information_is_readable(page, served) -> None:
    client = first_client(served)
    info = served.api(f"clients/{client['client_id']}")
    open_page(page, served, f"/client?client={client['client_id']}")
    section = visible_text(page, "#info-section")
    assert f"Age\n{round(info['age_years'])} years" in section
    if info["income"]:
        assert f"€{info['income']:,.0f}" in section
    assert not re.search(r"-\d{3,} ?days", section)  # no negative day counts
    screenshot(page, "journey3_information")


def test_journey_4_compare_with_groups_and_two_features(page, served) -> None:
    client_id = first_client(served)["client_id"]
    open_page(page, served, f"/compare?client={client_id}")
    caption = visible_text(page, "#distribution-section figcaption")
    assert caption.startswith("Among ") and "(All clients)" in caption
    click(
        page,
        page.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_compare-group_input_similar']"),
    )
    wait_for(lambda: "most similar clients" in text(page, "#distribution-section"))
    feature = Select(page.find_element(By.ID, "compare-feature"))
    feature.select_by_index(1)
    wait_for(lambda: feature.first_selected_option.text.split(" ")[0] in text(page, "#distribution-section"))
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#scatter-graph .main-svg"))
    assert "This client" in text(page, "#scatter-section")
    click(
        page,
        page.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_compare-colour_input_score']"),
    )
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#scatter-graph .colorbar"))
    screenshot(page, "journey4_compare")


def test_journey_5_what_if(page, served) -> None:
    client_id = first_client(served, decision="refused")["client_id"]
    open_page(page, served, f"/what-if?client={client_id}")
    income = page.find_element(By.ID, "whatif-amt-income-total")
    wait_for(lambda: income.get_attribute("value"))
    income.clear()
    income.send_keys("900000")
    click(page, page.find_element(By.ID, "whatif-submit"))
    change = visible_text(page, "#whatif-change")
    assert change.startswith(("The decision stays", "The decision changes from Refused to Granted"))
    before = text(page, "#whatif-before-gauge-decision")
    assert before == "✖ Refused"
    assert "Simulated application" in text(page, "#whatif-result")
    screenshot(page, "journey5_what_if")


def test_journey_6_understand_the_model(page, served) -> None:
    info = served.api("model")
    open_page(page, served, "/model")
    identity = visible_text(page, "#model-section .lead")
    assert f"version {info['version']}" in identity and "decision limit 30.0%" in identity
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#importance-graph .main-svg"))
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#cost-graph .main-svg"))
    assert "Ranking quality" in text(page, "#model-section table")
    section = text(page, "#model-section")
    assert "Gini (2 × AUC − 1)" in section and "Default rate by risk band" in section
    assert "Low risk" in section and "10 to 1 (used)" in section
    captions = [caption.text for caption in page.find_elements(By.CSS_SELECTOR, "#model-section caption")]
    assert captions == [
        "Thin-file clients and the others",
        "Clients unknown to the credit bureau and the others",
        "By contract type",
    ]
    assert "Thin file 4 4.0% 25.0% 0.670 0.750 50.0%" in section and "Revolving loan 10" in section
    screenshot(page, "journey6_model")


def test_journey_7_monitoring_and_the_full_report(risk_page, served) -> None:
    page = risk_page
    summary = served.api("drift")
    open_page(page, served, "/")
    click(page, wait_for(lambda: page.find_element(By.LINK_TEXT, "Monitoring")))
    wait_for(lambda: page.current_url.endswith("/monitoring"))
    wait_until_idle(page)
    drifted, compared = summary["number_of_drifted_columns"], summary["number_of_columns"]
    assert f"{drifted} of {compared} characteristics drifted" in visible_text(
        page, "#monitoring-section .lead"
    )
    assert text(page, "#drift-action").startswith("Recommended action:")
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "#drift-graph .main-svg"))
    link = page.find_element(By.ID, "drift-report-link")
    assert link.get_attribute("target") == "_blank"
    screenshot(page, "journey7_monitoring")
    page.get(link.get_attribute("href"))
    assert page.title == "Data drift report"


def test_journey_7_live_performance_per_model_version_in_both_languages(risk_page, served) -> None:
    """The Monitoring page's live performance, from GET /performance: the status, the four trend charts with
    one estimated and one realised trace per model version, the alert, the loans by period; then in French."""
    page = risk_page
    summary = served.api("performance")
    alerts = [row for row in summary["periods"] if row["alert"]["status"] == "alert"]
    versions = sorted({row["model_version"] for row in summary["periods"] if row["model_version"]})
    open_page(page, served, "/monitoring")
    for lang in ("en", "fr"):
        if lang == "fr":
            click(page, page.find_element(By.CSS_SELECTOR, FRENCH))
            wait_for(lambda: page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr")
            wait_until_idle(page)
        status = visible_text(page, "#performance-status")
        assert status == t("perf.status_alert", lang, n=len(alerts))
        for graph in ("cost", "auc", "approval", "drift"):
            wait_for(lambda: page.find_elements(By.CSS_SELECTOR, f"#performance-{graph}-graph .main-svg"))  # noqa: B023
        legend = text(page, "#performance-cost-graph")
        for version in versions:
            name = t("perf.version", lang, version=version)
            for kind in ("perf.estimated", "perf.realised"):
                assert t("perf.trace", lang, version=name, kind=t(kind, lang)) in legend
        assert t("perf.alert_marker", lang) in legend
        items = page.find_elements(By.CSS_SELECTOR, "#performance-alerts li")
        fired = [item for item in items if item.text.startswith(t("perf.alert_marker", lang))]
        assert [item.text.split(",")[0] for item in fired] == [
            f"{t('perf.alert_marker', lang)} — {row['period']}" for row in alerts
        ]
        section = text(page, "#performance-section")
        assert t("perf.granted_only", lang) in section and t("perf.col_refused", lang) in section
        screenshot(page, f"journey7_performance_{lang}")


def test_the_french_client_page_shows_categories_in_french(page, served) -> None:
    client = first_client(served)
    info = served.api(f"clients/{client['client_id']}")
    open_page(page, served, f"/client?client={client['client_id']}")
    click(page, page.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_language_input_fr']"))
    wait_for(lambda: "Informations du client" in text(page, "main"))
    wait_for(lambda: "Âge" in text(page, "#info-section"))
    lines = text(page, "#info-section").split("\n")
    for field, column in LEVEL_FIELDS.items():
        level = info[field]
        if level is not None:
            french = LEVELS[column][level][1]
            assert french in lines, (field, level)
            assert french == level or level not in lines, (field, level)  # no English level left
    screenshot(page, "journey3_information_fr")


def test_language_switch_translates_and_persists(page, served) -> None:
    open_page(page, served, "/model")
    click(page, page.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_language_input_fr']"))
    wait_for(lambda: text(page, "h1") == "Le modèle")
    wait_for(lambda: page.title == "Le modèle — Score de crédit")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Trouver un client" in text(page, "#main-nav")
    # Selenium reports the no-break space before % as a plain space
    assert "limite de décision 30,0 %" in visible_text(page, "#model-section .lead")
    open_page(page, served, "/")
    assert text(page, "h1") == "Trouver un client"
    click(page, page.find_element(By.CSS_SELECTOR, "label[for='_dbcprivate_radioitems_language_input_en']"))
    wait_for(lambda: text(page, "h1") == "Find a client")


def test_keyboard_only_from_skip_link_to_a_score(page, served) -> None:
    client_id = first_client(served)["client_id"]
    open_page(page, served, "/")
    body = page.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert page.switch_to.active_element.get_attribute("id") == "skip-link"
    page.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: page.switch_to.active_element.get_attribute("id") == "main-content")
    for _ in range(5):
        page.switch_to.active_element.send_keys(Keys.TAB)
        if page.switch_to.active_element.get_attribute("id") == "search-id":
            break
    assert page.switch_to.active_element.get_attribute("id") == "search-id"
    page.switch_to.active_element.send_keys(str(client_id), Keys.ENTER)
    assert visible_text(page, ".score-sentence").startswith("The estimated risk is")


def test_tablet_width_menu_and_200_percent_text(page, served) -> None:
    page.set_window_size(800, 1024)
    open_page(page, served, "/")
    toggler = page.find_element(By.ID, "nav-toggler")
    assert toggler.is_displayed()
    toggler.click()
    wait_for(lambda: page.find_element(By.LINK_TEXT, "The model").is_displayed())
    screenshot(page, "tablet_menu")
    page.set_window_size(1280, 900)
    for path in ("/", f"/client?client={first_client(served)['client_id']}", "/model"):
        open_page(page, served, path)
        page.execute_script("document.documentElement.style.fontSize = '200%'")
        wait_until_idle(page)
        overflow = page.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path}: horizontal scrolling at 200% text ({overflow}px)"
        assert page.find_element(By.TAG_NAME, "h1").is_displayed()
    screenshot(page, "text_200_percent_model")
