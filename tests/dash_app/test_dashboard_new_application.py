"""The new-application page: the form's units and validation (the raw-data contract's ranges and
categories, messages in both languages), the score as the client page shows it, what would change a
refusal, the letter."""

from __future__ import annotations

import base64
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pytest
from dash import html

from credit_scoring.raw.schema import KNOWN_CATEGORIES, NULL_CODES, PLAUSIBLE_RANGES
from credit_scoring.raw.tables import DAYS_SENTINEL
from dash_app import review_panel
from dash_app.api_client import ApiError
from dash_app.app import create_app
from dash_app.callbacks import new_application as callbacks
from dash_app.i18n import LANGUAGES, t
from dash_app.new_application_fields import (
    APPLICATION_TABLE,
    CATEGORY,
    FIELDS_BY_COLUMN,
    FORM_FIELDS,
    GROUPS,
    NOT_GIVEN,
    REQUIRED,
    application_from_form,
    aria_state,
    form_values,
    from_raw,
    label,
    options,
    parse_field,
    readable_bounds,
    to_raw,
)
from tests.dash_app.components_text import find, text_of, walk, words_of
from tests.dash_app.fakes import FakeApiClient
from tests.dash_app.signing import open_access
from tests.dash_app.test_dashboard_api_client import client_with

ENTERED = {  # an applicant as an adviser types it: years, euros, recorded categories
    "DAYS_BIRTH": 35,
    "CODE_GENDER": "F",
    "NAME_FAMILY_STATUS": "Married",
    "CNT_CHILDREN": 1,
    "NAME_EDUCATION_TYPE": "Higher education",
    "NAME_HOUSING_TYPE": "House / apartment",
    "FLAG_OWN_REALTY": "Y",
    "FLAG_OWN_CAR": "N",
    "NAME_INCOME_TYPE": "Working",
    "OCCUPATION_TYPE": "Managers",
    "ORGANIZATION_TYPE": "Business Entity Type 3",
    "DAYS_EMPLOYED": 4.5,
    "AMT_INCOME_TOTAL": 180000,
    "NAME_CONTRACT_TYPE": "Cash loans",
    "AMT_CREDIT": 450000,
    "AMT_ANNUITY": 22500,
    "AMT_GOODS_PRICE": 400000,
    "EXT_SOURCE_1": 0.5,
    "EXT_SOURCE_2": 0.61,
    "EXT_SOURCE_3": None,
}
"""The fake API refuses a credit of 200,000 or more (`fakes.FakeApiClient.predict`)."""


class NewApplicationApi(FakeApiClient):
    """The fake API with the adviser's routes: POST /counterfactual (contract of issue 24) and /letter."""

    def __init__(self, *, alternatives: bool = True, letter_error: ApiError | None = None) -> None:
        super().__init__()
        self.alternatives = alternatives
        self.letter_error = letter_error

    def predict(self, application, lang="en", top_k=6, *, simulation=False):
        answer = super().predict(application, lang, top_k, simulation=simulation)
        return {**answer, "client_id": None, "known_client": application.get("SK_ID_CURR") is not None}

    def counterfactual(self, application: dict[str, Any], lang: str = "en") -> dict[str, Any]:
        self._record("counterfactual", application, lang=lang)
        if application.get("AMT_CREDIT", 0) < 200_000:
            raise ApiError("The application is already granted.", 422, "already_granted")
        smaller = {**application, "AMT_CREDIT": 150_000.0, "AMT_ANNUITY": 7500.0}
        longer = {**application, "AMT_CREDIT": 190_000.0, "AMT_ANNUITY": 3958.33}
        sentences = {
            "en": (
                "A credit of €150,000 over 20 annuities would be granted.",
                "Over 48 annuities of €3,958.",
            ),
            "fr": ("Un crédit de 150 000 € sur 20 annuités serait accordé.", "Sur 48 annuités de 3 958 €."),
        }[lang]
        alternatives = [
            {
                "lever": lever,
                "changes": [
                    {"field": "AMT_CREDIT", "label": "Credit", "before": 450000.0, "after": 150000.0}
                ],
                "term": term,
                "probability": probability,
                "decision": "granted",
                "sentence": sentence,
                "application": changed,
            }
            for lever, term, probability, sentence, changed in (
                ("credit", 20.0, 0.0775, sentences[0], smaller),
                ("credit_term", 48.0, 0.0875, sentences[1], longer),
            )
        ]
        none = {"code": "none_within_bounds", "message": f"No change would be granted ({lang})."}
        return {
            "request_id": "r2",
            "probability": 0.1525,
            "threshold": 0.09,
            "decision": "refused",
            "alternatives": alternatives if self.alternatives else [],
            "none_reason": None if self.alternatives else none,
            "language": lang,
            "model": {"name": "credit-scoring", "version": "3", "alias": "champion"},
            "timestamp": "t",
            "latency_ms": 5.0,
        }

    def letter(self, application: dict[str, Any], lang: str = "en", fmt: str = "html") -> str | bytes:
        self._record("letter", application, lang=lang, fmt=fmt)
        if self.letter_error:
            raise self.letter_error
        if fmt == "pdf":
            return b"%PDF-1.7 letter"
        return f"<!DOCTYPE html><html lang='{lang}'><body><h1>Decision</h1></body></html>"


@pytest.fixture
def api() -> NewApplicationApi:
    return NewApplicationApi()


# --- units ----


def test_the_form_holds_the_client_pages_application_fields_in_its_groups() -> None:
    assert GROUPS == ("info.group_person", "info.group_work", "info.group_loan", "newapp.group_scores")
    assert set(ENTERED) == {field.column for field in FORM_FIELDS}
    assert set(FIELDS_BY_COLUMN) >= REQUIRED


@pytest.mark.parametrize(
    ("column", "readable", "raw"),
    [
        ("DAYS_BIRTH", 35, -12784),
        ("DAYS_BIRTH", 25.9, -9460),
        ("DAYS_EMPLOYED", 4.5, -1644),
        ("DAYS_EMPLOYED", 0, 0),
        ("CNT_CHILDREN", 2, 2),
        ("AMT_CREDIT", 450000, 450000.0),
    ],
)
def test_readable_units_convert_to_the_contracts_and_back(column: str, readable: float, raw: float) -> None:
    field = FIELDS_BY_COLUMN[column]
    assert to_raw(field, readable) == raw
    assert from_raw(field, raw) == pytest.approx(readable, abs=0.05)


def test_no_years_in_a_job_is_the_contracts_no_date_code_both_ways() -> None:
    field = FIELDS_BY_COLUMN["DAYS_EMPLOYED"]
    assert parse_field(field, None, "en") == (DAYS_SENTINEL, None)
    assert from_raw(field, DAYS_SENTINEL) is None


def test_an_application_comes_back_to_the_same_form() -> None:
    application, errors, message = application_from_form(ENTERED, "en")
    assert not errors and message is None
    assert "SK_ID_CURR" not in application  # a new applicant: no history
    assert application["DAYS_BIRTH"] == -12784 and isinstance(application["DAYS_BIRTH"], int)
    assert application["FLAG_OWN_REALTY"] == "Y" and application["AMT_CREDIT"] == 450000.0
    assert form_values(application) == {
        **ENTERED,
        "AMT_INCOME_TOTAL": 180000.0,
        "AMT_CREDIT": 450000.0,
        "AMT_ANNUITY": 22500.0,
        "AMT_GOODS_PRICE": 400000.0,
        "DAYS_BIRTH": 35.0,
    }


def test_optional_fields_may_stay_empty() -> None:
    entered = {column: ENTERED[column] for column in REQUIRED}
    application, errors, _ = application_from_form(entered, "en")
    assert not errors
    assert set(application) == REQUIRED | {"DAYS_EMPLOYED"}  # empty years in a job: not employed


def test_ranges_and_categories_are_the_contracts() -> None:
    age = FIELDS_BY_COLUMN["DAYS_BIRTH"]
    low, high = PLAUSIBLE_RANGES[APPLICATION_TABLE]["DAYS_BIRTH"]
    assert readable_bounds(age) == pytest.approx((-high / 365.25, -low / 365.25))
    for field in FORM_FIELDS:
        if field.kind == CATEGORY:
            offered = {option["value"] for option in options(field, "en")} - {NOT_GIVEN}
            assert offered == set(KNOWN_CATEGORIES[APPLICATION_TABLE][field.column]) - set(NULL_CODES)


def test_categories_are_shown_with_the_apis_words() -> None:
    gender = FIELDS_BY_COLUMN["CODE_GENDER"]
    assert {o["label"] for o in options(gender, "en")} >= {"Woman", "Man"}
    assert {o["label"] for o in options(FIELDS_BY_COLUMN["FLAG_OWN_CAR"], "fr")} >= {"Oui", "Non"}
    assert label(FIELDS_BY_COLUMN["DAYS_BIRTH"], "fr") == "Âge (années)"
    assert label(FIELDS_BY_COLUMN["AMT_CREDIT"], "en") == "Credit amount (€)"


# --- validation: every field, both languages -------------------------------------------------------------

NUMBER_CASES = {  # column: (values out of range, the bounds as the message says them in English)
    "DAYS_BIRTH": ((14, 100.5, -3), ("15", "100")),
    "DAYS_EMPLOYED": ((-1, 100.5), ("0", "100")),
    "CNT_CHILDREN": ((-1, 51), ("0", "50")),
    "AMT_INCOME_TOTAL": ((-1,), ("0", None)),
    "AMT_CREDIT": ((-0.5,), ("0", None)),
    "AMT_ANNUITY": ((-100,), ("0", None)),
    "AMT_GOODS_PRICE": ((-1,), ("0", None)),
    "EXT_SOURCE_1": ((-0.1, 1.01), ("0", "1")),
    "EXT_SOURCE_2": ((2,), ("0", "1")),
    "EXT_SOURCE_3": ((-1,), ("0", "1")),
}


def test_every_number_field_has_a_case() -> None:
    assert set(NUMBER_CASES) == {field.column for field in FORM_FIELDS if field.kind != CATEGORY}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("column", sorted(NUMBER_CASES))
def test_a_number_out_of_range_is_refused_with_the_range_in_words(column: str, lang: str) -> None:
    field = FIELDS_BY_COLUMN[column]
    values, (low, high) = NUMBER_CASES[column]
    for value in values:
        raw, problem = parse_field(field, value, lang)
        assert raw is None and problem
        assert problem.startswith(label(field, lang))
        if lang == "en":
            expected = f"from {low} to {high}" if high else f"enter {low} or more"
            assert expected in problem, problem
        else:
            assert ("de " if high else "ou plus") in problem, problem


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("column", sorted(NUMBER_CASES))
def test_a_number_field_refuses_text(column: str, lang: str) -> None:
    field = FIELDS_BY_COLUMN[column]
    for value in ("abc", "12a", True, "nan", float("inf"), [3]):
        assert parse_field(field, value, lang) == (
            None,
            t("newapp.error_number", lang, field=label(field, lang)),
        )


def test_numbers_typed_as_text_are_read_in_both_conventions() -> None:
    credit = FIELDS_BY_COLUMN["AMT_CREDIT"]
    assert parse_field(credit, "450000.5", "en") == (450000.5, None)
    assert parse_field(credit, "450\u202f000,5", "fr") == (450000.5, None)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_children_must_be_a_whole_number(lang: str) -> None:
    field = FIELDS_BY_COLUMN["CNT_CHILDREN"]
    assert parse_field(field, 1.5, lang) == (None, t("newapp.error_whole", lang, field=label(field, lang)))
    assert parse_field(field, 2.0, lang) == (2, None)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("column", sorted(f.column for f in FORM_FIELDS if f.kind == CATEGORY))
def test_an_unknown_category_is_refused(column: str, lang: str) -> None:
    field = FIELDS_BY_COLUMN[column]
    expected = (None, t("newapp.error_category", lang, field=label(field, lang)))
    assert parse_field(field, "Martian", lang) == expected
    assert parse_field(field, 3, lang) == expected
    assert parse_field(field, sorted(field.levels)[0], lang) == (sorted(field.levels)[0], None)
    assert parse_field(field, NOT_GIVEN, lang) == parse_field(field, "", lang) == (None, None)  # not given


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_required_field_left_empty_is_named(lang: str) -> None:
    entered = {**ENTERED, "AMT_ANNUITY": None, "DAYS_BIRTH": "  "}
    application, errors, message = application_from_form(entered, lang)
    assert application == {} and set(errors) == {"AMT_ANNUITY", "DAYS_BIRTH"}
    assert errors["AMT_ANNUITY"] == t(
        "newapp.error_required", lang, field=label(FIELDS_BY_COLUMN["AMT_ANNUITY"], lang)
    )
    assert message == t("newapp.error_summary", lang, n=2)


@pytest.mark.parametrize(("lang", "words"), [("en", "The form is empty"), ("fr", "Le formulaire est vide")])
def test_an_empty_form_gets_a_clear_message(lang: str, words: str) -> None:
    application, errors, message = application_from_form(dict.fromkeys(ENTERED, None), lang)
    assert application == {} and set(errors) == REQUIRED
    assert message.startswith(words)
    assert all(label(FIELDS_BY_COLUMN[column], lang) in message for column in REQUIRED)


def test_aria_state_marks_the_invalid_fields_and_names_their_feedback() -> None:
    state = aria_state({"AMT_CREDIT": "bad"}, focus=True)
    by_id = {item["id"]: item for item in state["fields"]}
    assert by_id["newapp-amt-credit"] == {
        "id": "newapp-amt-credit",
        "invalid": True,
        "describedby": "newapp-amt-credit-feedback",
    }
    assert by_id["newapp-days-employed"]["describedby"] == "newapp-days-employed-help"
    assert state["focus"] and not aria_state({}, focus=True)["focus"]


# --- the page ----


@pytest.fixture(scope="module")
def new_application_page(tmp_path_factory) -> dict[str, Any]:
    create_app(FakeApiClient(), access=open_access(tmp_path_factory.mktemp("access")))
    [registered] = [p for p in dash.page_registry.values() if p["path"] == "/new-application"]
    return registered


def test_the_page_is_registered_with_its_title(new_application_page) -> None:
    assert new_application_page["title"]() == t("title.new_application", "en")
    assert new_application_page.get("role", "adviser") == "adviser"  # every signed-in person


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_has_a_labelled_control_and_a_feedback_for_every_field(new_application_page, lang) -> None:
    layout = new_application_page["layout"](lang=lang)
    text = text_of(layout)
    assert t("newapp.heading", lang) in text and t("newapp.no_history", lang) in text
    labels = {item.html_for: item for item in walk(layout) if isinstance(item, dbc.Label)}
    for field in FORM_FIELDS:
        control = find(layout, field.id)
        assert isinstance(control, dbc.Select if field.kind == CATEGORY else dbc.Input)
        assert field.id in labels
        assert isinstance(find(layout, field.feedback_id), dbc.FormFeedback)
    legends = [item for item in walk(layout) if isinstance(item, html.Legend)]
    assert [text_of(legend) for legend in legends] == [t(group, lang) for group in GROUPS]
    assert t("newapp.required_mark", lang, label=label(FIELDS_BY_COLUMN["AMT_CREDIT"], lang)) in text


# --- scoring ----


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_new_applicant_is_scored_as_a_real_decision(api: NewApplicationApi, lang: str) -> None:
    answer = callbacks.submit_application(api, ENTERED, lang)
    [(name, (sent,), options_)] = api.calls
    assert name == "predict" and options_ == {"lang": lang, "simulation": False}
    assert "SK_ID_CURR" not in sent and sent["DAYS_BIRTH"] == -12784
    result = answer["result"]
    words = words_of(result)
    assert t("common.refused", lang) in words
    assert find(result, "newapp-gauge") is not None and find(result, "newapp-contributions") is not None
    assert find(result, "newapp-refusal-reasons") is not None  # as the client page shows a refusal
    assert t("newapp.known_client", lang) not in words
    assert answer["scored"] == {"application": sent, "decision": "refused"}
    assert find(answer["letter"], "newapp-letter-show") is not None and answer["errors"] == {}


CLOSE_CALL = {**ENTERED, "AMT_CREDIT": 250000}
"""Refused within the review band: p = 0.1025, 0.8 t <= p < 1.25 t with t = 0.09 (`fakes.FakeApiClient`)."""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_close_call_is_reviewable_right_below_its_score(api: NewApplicationApi, lang: str) -> None:
    result = callbacks.submit_application(api, CLOSE_CALL, lang)["result"]
    score, panel = result  # the panel follows the score it reviews
    assert score.id == "newapp-score" and panel.id == "newapp-review-panel"
    mark = find(panel, "newapp-review-mark")
    assert isinstance(mark, dbc.Alert) and text_of(mark) == t("review.to_review", lang)
    subject = find(panel, "newapp-review-subject").data
    assert subject == {"client_id": None, "request_id": "r1", "decision": "refused", "lang": lang}
    choices = [option["value"] for option in find(panel, "newapp-review-decision").options]
    assert choices == ["refused", "granted"]  # confirm the refusal, or override it
    assert isinstance(find(panel, "newapp-review-justification"), dbc.Textarea)


def test_a_clear_decision_can_still_be_reviewed_but_is_not_marked(api: NewApplicationApi) -> None:
    _, panel = callbacks.submit_application(api, ENTERED, "en")["result"]  # p = 0.1525: far above t
    assert text_of(find(panel, "newapp-review-mark")) == t("review.not_to_review", "en")


def test_the_new_applicants_override_is_sent_with_its_request_id(api: NewApplicationApi) -> None:
    from tests.dash_app.test_dashboard_reviews import WHY, ReviewingFake  # noqa: PLC0415

    _, panel = callbacks.submit_application(api, CLOSE_CALL, "fr")["result"]
    subject = find(panel, "newapp-review-subject").data
    reviewing = ReviewingFake()
    error, invalid, saved, history = review_panel.submit_review(
        reviewing, subject, "granted", WHY, callbacks.REVIEW_PREFIX
    )
    assert (error, invalid) == ("", False)
    assert reviewing.calls == [("review", ("granted", WHY), {"client_id": None, "request_id": "r1"})]
    assert saved.id == "newapp-review-saved" and WHY in text_of(history)


def test_the_panels_form_is_wired_once_for_advisers(tmp_path) -> None:
    from dash_app.sign_in import CALLBACK_ROLES  # noqa: PLC0415

    app = create_app(NewApplicationApi(), access=open_access(tmp_path))
    roles = app.server.extensions[CALLBACK_ROLES]
    wired = [output for output in roles if "newapp-review-result.children" in output]
    assert len(wired) == 1 and roles[wired[0]] == "adviser"


def test_form_problems_are_not_sent(api: NewApplicationApi) -> None:
    answer = callbacks.submit_application(api, {**ENTERED, "AMT_CREDIT": -3}, "fr")
    assert api.calls == [] and answer["result"] is None and answer["scored"] is None
    assert set(answer["errors"]) == {"AMT_CREDIT"} and answer["message"] == t(
        "newapp.error_summary", "fr", n=1
    )


def test_an_api_refusal_is_an_alert_not_a_trace() -> None:
    api = NewApplicationApi()
    api.fail = ApiError("the application fails the raw-data validation", 422, "validation_error")
    answer = callbacks.submit_application(api, ENTERED, "en")
    assert isinstance(answer["result"], dbc.Alert) and "raw-data validation" in text_of(answer["result"])
    assert answer["scored"] is None


# --- what would change the decision ----


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_shows_its_alternatives_in_plain_words(api: NewApplicationApi, lang: str) -> None:
    scored = callbacks.submit_application(api, ENTERED, lang)["scored"]
    section, applications = callbacks.alternatives_view(api, scored, lang)
    assert api.calls[-1] == ("counterfactual", (scored["application"],), {"lang": lang})
    words = words_of(section)
    assert t("newapp.alternatives_heading", lang) in words
    answer = api.counterfactual(scored["application"], lang)
    for index, alternative in enumerate(answer["alternatives"]):
        assert alternative["sentence"] in words
        button = find(section, {"type": "newapp-use", "index": index})
        assert text_of(button) == t("newapp.use", lang)
    assert t("common.granted", lang) in words and ("7.8%" in words or "7,8\u00a0%" in words)
    assert applications == [alternative["application"] for alternative in answer["alternatives"]]


def test_using_an_alternative_fills_the_form_with_its_application(api: NewApplicationApi) -> None:
    scored = callbacks.submit_application(api, ENTERED, "en")["scored"]
    _, applications = callbacks.alternatives_view(api, scored, "en")
    status, shown = callbacks.filled_form({"type": "newapp-use", "index": 1}, [None, 1], applications, "fr")
    assert status == t("newapp.used", "fr")
    filled = dict(zip([field.column for field in FORM_FIELDS], shown, strict=True))
    assert filled["AMT_CREDIT"] == 190000.0 and filled["AMT_ANNUITY"] == 3958.33
    assert filled["DAYS_BIRTH"] == 35.0 and filled["NAME_CONTRACT_TYPE"] == "Cash loans"
    assert filled["EXT_SOURCE_3"] is None and filled["EXT_SOURCE_1"] == 0.5
    application, errors, _ = application_from_form(filled, "en")
    assert not errors and application == applications[1]


def test_clearing_empties_the_form_and_nothing_asked_changes_nothing() -> None:
    status, shown = callbacks.filled_form("newapp-clear", [], None, "en")
    assert status == "" and all(value in (None, NOT_GIVEN) for value in shown)
    assert callbacks.filled_form({"type": "newapp-use", "index": 0}, [None], [{}], "en") is None
    assert callbacks.filled_form({"type": "newapp-use", "index": 3}, [1], [{}], "en") is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_alternative_says_why(lang: str) -> None:
    api = NewApplicationApi(alternatives=False)
    scored = callbacks.submit_application(api, ENTERED, lang)["scored"]
    section, applications = callbacks.alternatives_view(api, scored, lang)
    assert text_of(find(section, "newapp-no-alternative")) == f"No change would be granted ({lang})."
    assert applications == []


def test_a_granted_application_shows_no_alternatives(api: NewApplicationApi) -> None:
    scored = callbacks.submit_application(api, {**ENTERED, "AMT_CREDIT": 100000}, "en")["scored"]
    assert scored["decision"] == "granted"
    assert callbacks.alternatives_view(api, scored, "en") == (None, [])
    assert [name for name, _, _ in api.calls] == ["predict"]
    assert callbacks.alternatives_view(api, None, "en") == (None, [])
    # a decision the API sees granted by the time it is asked: nothing to show either
    assert callbacks.alternatives_view(api, {**scored, "decision": "refused"}, "en") == (None, [])


def test_an_alternatives_error_is_an_alert() -> None:
    api = NewApplicationApi()
    scored = callbacks.submit_application(api, ENTERED, "en")["scored"]
    api.fail = ApiError("The scoring service cannot be reached.")
    section, applications = callbacks.alternatives_view(api, scored, "en")
    assert isinstance(section, dbc.Alert) and applications == []


# --- the letter ----


def test_the_letter_is_shown_in_a_titled_frame(api: NewApplicationApi) -> None:
    scored = callbacks.submit_application(api, ENTERED, "fr")["scored"]
    view = callbacks.letter_view(api, scored, "fr")
    frame = find(view, "newapp-letter-frame")
    assert "lang='fr'" in frame.srcDoc and frame.title == t("newapp.letter_frame", "fr")
    assert api.calls[-1] == ("letter", (scored["application"],), {"lang": "fr", "fmt": "html"})
    assert find(view, "newapp-letter-print") is not None


def test_the_pdf_letter_is_a_download(api: NewApplicationApi) -> None:
    scored = callbacks.submit_application(api, ENTERED, "en")["scored"]
    download, error = callbacks.letter_pdf(api, scored, "en")
    assert error is None and download["filename"] == "decision-letter.pdf"
    assert base64.b64decode(download["content"]) == b"%PDF-1.7 letter" and download["base64"]
    assert api.calls[-1][2] == {"lang": "en", "fmt": "pdf"}


def test_a_letter_error_is_an_alert() -> None:
    api = NewApplicationApi(letter_error=ApiError("No letter today.", 503))
    scored = callbacks.submit_application(api, ENTERED, "en")["scored"]
    assert "No letter today." in text_of(callbacks.letter_view(api, scored, "en"))
    _, error = callbacks.letter_pdf(api, scored, "en")
    assert "No letter today." in text_of(error)


# --- the API client's new routes ------------------------------------------------------------------------


def test_the_client_posts_the_application_to_the_counterfactual_and_letter_routes() -> None:
    client, session = client_with((200, {"alternatives": []}), (200, "<html></html>"), (200, "%PDF"))
    application = {"AMT_CREDIT": 450000.0}
    assert client.counterfactual(application, "fr") == {"alternatives": []}
    assert client.letter(application, "fr", "html") == "<html></html>"
    assert client.letter(application, "en", "pdf") == b"%PDF"
    urls = [(sent["method"], sent["url"], sent["params"], sent["json"]) for sent in session.sent]
    assert urls == [
        ("POST", "http://api.test/api/v1/counterfactual", {"lang": "fr"}, application),
        ("POST", "http://api.test/api/v1/letter", {"lang": "fr", "format": "html"}, application),
        ("POST", "http://api.test/api/v1/letter", {"lang": "en", "format": "pdf"}, application),
    ]


def test_a_granted_application_is_an_already_granted_error_from_the_client() -> None:
    body = {"error": {"code": "already_granted", "message": "The application is granted."}}
    client, _ = client_with((422, body))
    with pytest.raises(ApiError) as raised:
        client.counterfactual({"AMT_CREDIT": 1.0})
    assert raised.value.code == "already_granted" and raised.value.status == 422
