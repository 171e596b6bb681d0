"""The decision letter: GET /api/v1/clients/{id}/letter and POST /api/v1/letter. The issue's "done when": the
letter contains the decision, the reasons and the review right in both languages; and a refusal's
alternatives, the lender, the date, the client number or the application's date, the signer. PDF from the same
HTML (rendered once per module). Never in the decision log; audited as client.letter; scopes enforced."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from credit_scoring.access.acting import ACTING_USER_HEADER, sign_acting_user
from credit_scoring.access.audit import AuditTrail
from credit_scoring.access.keys import KeyStore
from credit_scoring.api import create_app
from credit_scoring.api.config import API_KEYS_ENV
from credit_scoring.serving.letter import TEXTS
from tests.api.burden import refused_application
from tests.api.project import API_KEY, api_config

PREFIX = "/api/v1"
MOMENT = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
DATES = {"en": ("15 March 2027", "14 April 2027"), "fr": ("15 mars 2027", "14 avril 2027")}
DECISION_WORDS = {
    "en": {"refused": "Refused", "granted": "Granted"},
    "fr": {"refused": "Refusé", "granted": "Accordé"},
}
SECRET = "s" * 40
JARGON = ("SHAP", "log-odds", "probabilit", "threshold", "seuil", "LightGBM", "EXT_SOURCE", "AMT_")


@pytest.fixture(autouse=True)
def _no_environment_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEYS_ENV, raising=False)


@pytest.fixture
def letter_app(api_project, burden, row_builder, tmp_path: Path) -> Flask:
    config = api_config(
        api_project, tmp_path / "prediction_log.db", auth={"api_keys": [API_KEY], "secret_key": SECRET}
    )
    app = create_app(config, served=burden, rows=row_builder, json_logs=False, clock=lambda: MOMENT)
    app.testing = True
    return app


def error_of(response) -> dict[str, Any]:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.get_json()["error"]


def text_of(html: str) -> str:
    """The page's words: tags dropped, spaces collapsed, the template's entities read."""
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S).replace("&#39;", "'")
    return re.sub(r"[ \t\r\n]+", " ", text)  # no-break spaces kept


def post_letter(client, application, lang="en", fmt="html", headers=None):
    return client.post(
        f"{PREFIX}/letter?lang={lang}&format={fmt}",
        json=application,
        headers=headers or {"X-API-Key": API_KEY},
    )


def clients_by_decision(client) -> dict[str, int]:
    """A production client of each decision (as the served model scores them)."""
    found = {}
    for decision in ("refused", "granted"):
        page = client.get(f"{PREFIX}/clients?decision={decision}&page_size=1", headers={"X-API-Key": API_KEY})
        items = page.get_json()["items"]
        if items:
            found[decision] = items[0]["client_id"]
    return found


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_new_applicant_s_refusal_letter(letter_app, refused, lang) -> None:
    """The decision, the reasons (the refusal reasons /predict gives, in plain words), the alternatives
    (/counterfactual's sentences), the review right with its contact and deadline, the application's date,
    the lender, the credit department's signature; no model jargon."""
    client = letter_app.test_client()
    headers = {"X-API-Key": API_KEY}
    response = post_letter(client, refused, lang)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    text = text_of(html)
    words = TEXTS[lang]
    assert f'<html lang="{lang}">' in html
    assert DECISION_WORDS[lang]["refused"] in text and words["refused"].replace("'", "'") in text
    predicted = client.post(f"{PREFIX}/predict?lang={lang}&simulation=true", json=refused, headers=headers)
    reasons = [reason["sentence"] for reason in predicted.get_json()["refusal_reasons"]][:3]
    assert reasons and words["reasons_heading"] in text
    for sentence in reasons:
        assert text_of(sentence) in text
    found = client.post(f"{PREFIX}/counterfactual?lang={lang}", json=refused, headers=headers).get_json()
    assert found["alternatives"] and words["alternatives_heading"] in text
    for alternative in found["alternatives"]:
        assert alternative["sentence"] in text
    application_day, deadline = DATES[lang]
    assert words["application"].format(date=application_day) in text
    assert words["review_heading"] in text and "22" in text and deadline in text
    assert "reexamen@pret-a-depenser.example" in text and "Prêt à dépenser" in text
    assert words["signed_department"] in text
    for jargon in JARGON:
        assert jargon not in text, jargon


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_known_client_s_letter_follows_the_client_page(letter_app, lang) -> None:
    client = letter_app.test_client()
    headers = {"X-API-Key": API_KEY}
    for decision, client_id in clients_by_decision(client).items():
        response = client.get(f"{PREFIX}/clients/{client_id}/letter?lang={lang}", headers=headers)
        assert response.status_code == 200
        text = text_of(response.get_data(as_text=True))
        score = client.get(f"{PREFIX}/clients/{client_id}/score?lang={lang}", headers=headers).get_json()
        assert score["decision"] == decision
        assert DECISION_WORDS[lang][decision] in text and TEXTS[lang][decision] in text
        assert TEXTS[lang]["client"].format(client_id=client_id) in text
        for reason in score["refusal_reasons"][:3]:
            assert text_of(reason["sentence"]) in text
        assert (TEXTS[lang]["alternatives_heading"] in text) == (decision == "refused")
        assert TEXTS[lang]["review_heading"] in text and DATES[lang][1] in text
        for jargon in JARGON:
            assert jargon not in text, jargon


def test_the_page_is_printable_and_accessible(letter_app, refused) -> None:
    html = post_letter(letter_app.test_client(), refused).get_data(as_text=True)
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "@media print" in html and "@page" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1 and len(re.findall(r"<h2[ >]", html)) >= 4
    assert re.search(r"<ul>\s*<li>", html)  # the reasons and the alternatives are lists
    assert "<title>" in html and "<main>" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html) and "http" not in html  # no external asset


def test_the_signed_in_adviser_signs(letter_app, refused) -> None:
    token = sign_acting_user(SECRET, "zoe.martin", "adviser")
    headers = {"X-API-Key": API_KEY, ACTING_USER_HEADER: token}
    text = text_of(
        post_letter(letter_app.test_client(), refused, "fr", headers=headers).get_data(as_text=True)
    )
    assert "zoe.martin, conseiller crédit" in text and TEXTS["fr"]["signed_department"] not in text


@pytest.fixture(scope="module")
def pdf_letter(api_project, burden, row_builder, tmp_path_factory) -> dict[str, Any]:
    """One PDF of a refused new applicant, rendered once (WeasyPrint takes a second to warm up)."""
    root = tmp_path_factory.mktemp("pdf_letter")
    app = create_app(
        api_config(api_project, root / "log.db"), served=burden, rows=row_builder, json_logs=False
    )
    response = post_letter(app.test_client(), refused_application(api_project), "fr", "pdf")
    return {"status": response.status_code, "headers": dict(response.headers), "body": response.get_data()}


def pdf_streams(pdf: bytes) -> list[bytes]:
    """The PDF's streams, inflated (objects and object streams alike)."""
    found = []
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            found.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return found


def pdf_strings(pdf: bytes) -> list[str]:
    """The PDF's text strings written as UTF-16 (its title, its outline of headings), from every stream."""
    found = []
    for data in pdf_streams(pdf):
        found += [
            bytes.fromhex(h.decode()).decode("utf-16-be") for h in re.findall(rb"<feff([0-9a-f]+)>", data)
        ]
    return found


def test_the_pdf_is_the_same_letter(pdf_letter) -> None:
    assert pdf_letter["status"] == 200
    assert pdf_letter["headers"]["Content-Type"] == "application/pdf"
    assert pdf_letter["headers"]["Content-Disposition"] == 'attachment; filename="decision-letter-new-fr.pdf"'
    body = pdf_letter["body"]
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF") and len(body) > 5000
    strings = pdf_strings(body)
    words = TEXTS["fr"]
    assert f"{words['title']} — Refusé" in strings  # the document's title: the decision
    assert {words["decision_heading"], words["reasons_heading"], words["review_heading"]} <= set(strings)
    assert any(b"/StructTreeRoot" in stream for stream in pdf_streams(body))  # tagged, for screen readers


def test_a_known_client_s_pdf_is_named_after_the_client(letter_app, monkeypatch) -> None:
    rendered = []
    monkeypatch.setattr(
        "credit_scoring.api.adviser_routes.letter_pdf", lambda html: rendered.append(html) or b"%PDF-1.7"
    )
    client = letter_app.test_client()
    client_id = next(iter(clients_by_decision(client).values()))
    response = client.get(
        f"{PREFIX}/clients/{client_id}/letter?lang=en&format=pdf", headers={"X-API-Key": API_KEY}
    )
    assert response.status_code == 200 and response.get_data() == b"%PDF-1.7"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="decision-letter-{client_id}-en.pdf"'
    )
    html = client.get(f"{PREFIX}/clients/{client_id}/letter?lang=en", headers={"X-API-Key": API_KEY})

    def unreferenced(page: str) -> str:  # each request has its own reference (its request id)
        return re.sub(r"Reference: [^<]+", "", page)

    assert [unreferenced(page) for page in rendered] == [unreferenced(html.get_data(as_text=True))]


def test_an_unknown_client_is_a_json_404(letter_app) -> None:
    response = letter_app.test_client().get(
        f"{PREFIX}/clients/999999999/letter", headers={"X-API-Key": API_KEY}
    )
    assert response.status_code == 404 and error_of(response)["details"][0]["field"] == "client_id"


@pytest.mark.parametrize(
    ("query", "field"), [("format=docx", "format"), ("lang=de", "lang"), ("fmt=pdf", "fmt")]
)
def test_a_bad_format_or_language_is_a_422_naming_it(letter_app, refused, query, field) -> None:
    client = letter_app.test_client()
    headers = {"X-API-Key": API_KEY}
    client_id = next(iter(clients_by_decision(client).values()))
    for response in (
        client.get(f"{PREFIX}/clients/{client_id}/letter?{query}", headers=headers),
        client.post(f"{PREFIX}/letter?{query}", json=refused, headers=headers),
    ):
        assert response.status_code == 422
        assert field in {detail["field"] for detail in error_of(response)["details"]}


def test_a_bad_application_is_a_422_as_for_predict(letter_app, refused) -> None:
    response = post_letter(letter_app.test_client(), {**refused, "AMT_CREDIT": -1.0})
    assert response.status_code == 422 and error_of(response)["details"][0]["field"] == "AMT_CREDIT"


def test_scopes_are_enforced(letter_app, refused, tmp_path) -> None:
    store = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}")
    scoring_only, clients_only = store.create("scoring", "score"), store.create("crm", "clients")
    client = letter_app.test_client()
    client_id = next(iter(clients_by_decision(client).values()))
    assert (
        client.get(f"{PREFIX}/clients/{client_id}/letter", headers={"X-API-Key": scoring_only}).status_code
        == 403
    )
    assert post_letter(client, refused, headers={"X-API-Key": clients_only}).status_code == 403
    assert (
        client.get(f"{PREFIX}/clients/{client_id}/letter", headers={"X-API-Key": clients_only}).status_code
        == 200
    )
    assert post_letter(client, refused, headers={"X-API-Key": scoring_only}).status_code == 200


def test_audited_as_a_letter_and_never_in_the_decision_log(letter_app, refused, tmp_path) -> None:
    key = KeyStore(f"sqlite:///{tmp_path / 'prediction_log.db'}").create("adviser-desk", "clients,score")
    client = letter_app.test_client()
    client_id = next(iter(clients_by_decision(client).values()))
    one = client.get(f"{PREFIX}/clients/{client_id}/letter?lang=fr", headers={"X-API-Key": key})
    two = post_letter(client, refused, headers={"X-API-Key": key})
    assert one.status_code == two.status_code == 200
    assert letter_app.extensions["credit_scoring_api"].decision_log.records() == []
    events = AuditTrail(f"sqlite:///{tmp_path / 'prediction_log.db'}").export(user="adviser-desk")
    assert [(event["action"], event["client_id"]) for event in events] == [
        ("client.letter", client_id),
        ("client.letter", None),
    ]
    assert events[0]["detail"]["format"] == "html" and events[0]["detail"]["language"] == "fr"
    assert (
        events[1]["detail"]["decision"] == "refused"
        and events[1]["request_id"] == two.headers["X-Request-ID"]
    )
