"""Every text exists in English and French; numbers, percentages and amounts are formatted per language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dash_app import i18n
from dash_app.i18n import TEXTS, format_currency, format_number, format_percent, t, t_or

DASH_APP = Path(__file__).resolve().parents[2] / "dash_app"


def test_every_text_has_both_languages_and_the_same_placeholders() -> None:
    for key, texts in TEXTS.items():
        assert set(texts) == set(i18n.LANGUAGES), key
        assert all(texts[lang].strip() for lang in i18n.LANGUAGES), key
        placeholders = {lang: set(re.findall(r"{(\w+)}", texts[lang])) for lang in i18n.LANGUAGES}
        assert placeholders["en"] == placeholders["fr"], key


def test_every_literal_key_used_in_the_code_exists() -> None:
    used = set()
    for path in DASH_APP.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    assert used, "the scan found no t() call"
    assert sorted(used - set(TEXTS)) == []


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1234567.891, "en", "1,234,568"),
        (1234567.891, "fr", "1\u202f234\u202f568"),
        (None, "en", "not provided"),
    ],
)
def test_format_number(value, lang, expected) -> None:
    assert format_number(value, lang) == expected


def test_percent_and_currency_follow_the_language() -> None:
    assert format_percent(0.1412, "en", 1) == "14.1%"
    assert format_percent(0.1412, "fr", 1) == "14,1\u00a0%"
    assert format_currency(12500, "en") == "€12,500"
    assert format_currency(12500, "fr") == "12\u202f500\u00a0€"
    assert format_currency(float("nan"), "fr") == "non renseigné"


def test_unknown_language_falls_back_to_english_and_unknown_key_fails() -> None:
    assert t("common.granted", "de") == "Granted"
    assert t("common.granted", "fr") == "Accordé"
    assert t_or("level.Nonexistent", "fr", "Nonexistent") == "Nonexistent"
    with pytest.raises(KeyError):
        t("no.such.key", "en")
