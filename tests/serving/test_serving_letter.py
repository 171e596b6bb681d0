"""The decision letter's pure part (`credit_scoring.serving.letter`): a `Letter` to HTML, no HTTP."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from pydantic import ValidationError

from credit_scoring.serving.letter import (
    TEXTS,
    Letter,
    LetterSettings,
    letter_filename,
    letter_html,
    long_date,
)

DAY = date(2027, 3, 1)


def refusal(**changes) -> Letter:
    values = {
        "language": "en",
        "decision": "refused",
        "issued": DAY,
        "reference": "req-1",
        "application_date": DAY,
        "reasons": ("Income: 12,000, which raises the risk.",) * 4,
        "alternatives": ("A credit of €420,000 would be granted.",),
    }
    return Letter(**{**values, **changes})


def words(page: str) -> str:
    """The page's text, entities read, spaces (not the no-break ones) collapsed."""
    text = html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", page, flags=re.S))
    return re.sub(r"[ \t\r\n]+", " ", text)


def test_both_languages_say_the_same_things() -> None:
    assert set(TEXTS["en"]) == set(TEXTS["fr"])


@pytest.mark.parametrize(
    ("day", "language", "text"),
    [
        (date(2027, 3, 1), "en", "1 March 2027"),
        (date(2027, 3, 1), "fr", "1er mars 2027"),
        (date(2026, 12, 7), "fr", "7 décembre 2026"),
        (date(2027, 8, 15), "fr", "15 août 2027"),
    ],
)
def test_long_dates(day, language, text) -> None:
    assert long_date(day, language) == text


def test_a_refusal_letter_says_everything_once() -> None:
    settings = LetterSettings(review_deadline_days=10, max_reasons=2, review_phone="+33 1 23 45 67 89")
    page = letter_html(refusal(), settings)
    text = words(page)
    assert '<html lang="en">' in page
    assert "Decision: Refused." in text and TEXTS["en"]["refused"] in text
    assert text.count("Income: 12,000, which raises the risk.") == 2  # max_reasons
    assert "A credit of €420,000 would be granted." in text
    assert "by 11 March 2027" in text and "within 10 days" in text and "quoting the reference above" in text
    assert "Your application of 1 March 2027" in text and "Reference: req-1" in text
    assert "+33 1 23 45 67 89" in text and "The credit department" in text
    assert text.count("75000 Paris") == 2  # the lender's address, and where to write for a review


def test_a_refusal_without_alternative_says_so_and_a_grant_shows_none() -> None:
    none = words(
        letter_html(refusal(alternatives=(), alternatives_none=True, language="fr"), LetterSettings())
    )
    assert TEXTS["fr"]["alternatives_none"] in none and "Décision\u00a0: Refusé." in none
    granted = words(letter_html(refusal(decision="granted", alternatives=(), client_id=42), LetterSettings()))
    assert TEXTS["en"]["alternatives_heading"] not in granted and "Decision: Granted." in granted
    assert "Client number: 42" in granted and "quoting your client number" in granted
    assert TEXTS["en"]["review_heading"] in granted  # the right to a review holds for any automated decision


def test_no_reason_is_said_in_words() -> None:
    text = words(letter_html(refusal(reasons=()), LetterSettings()))
    assert TEXTS["en"]["no_reasons"] in text


def test_what_comes_from_outside_is_text_never_markup() -> None:
    page = letter_html(
        refusal(signer="<script>alert(1)</script>", reasons=("<b>bold</b> & co",)),
        LetterSettings(lender_name="A & B <Bank>"),
    )
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert "A &amp; B &lt;Bank&gt;" in page


def test_the_adviser_signs_in_the_letter_s_language() -> None:
    assert "zoe, conseiller crédit" in words(
        letter_html(refusal(signer="zoe", language="fr"), LetterSettings())
    )


def test_bad_letters_and_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        refusal(language="de")
    with pytest.raises(ValueError, match="decision"):
        refusal(decision="maybe")
    with pytest.raises(ValidationError, match="review_deadline_days"):
        LetterSettings(review_deadline_days=0)
    with pytest.raises(ValidationError, match="surprise"):
        LetterSettings(surprise=1)


def test_the_pdf_file_name() -> None:
    assert letter_filename(None, "fr") == "decision-letter-new-fr.pdf"
    assert letter_filename(100001, "en") == "decision-letter-100001-en.pdf"
