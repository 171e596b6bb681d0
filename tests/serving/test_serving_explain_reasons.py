"""Reason texts: every dictionary feature has labels and sentences in English and French; values read well."""

from __future__ import annotations

import math

import pytest

from credit_scoring.features.definitions import feature_infos
from credit_scoring.features.expressions import FeatureInfo
from credit_scoring.serving.reasons import LOWERS, RAISES, SUPPORTED_LANGUAGES, ReasonWriter, format_value

TYPICAL_VALUES = {
    "currency": 123456.0,
    "days": -4000.0,
    "months": -14.0,
    "years": 7.5,
    "flag": 1.0,
    "share": 0.25,
    "count": 3.0,
    "ratio": 0.42,
    "category": "Working",
}


@pytest.fixture(scope="module")
def writer() -> ReasonWriter:
    return ReasonWriter()


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_dictionary_feature_has_a_label_and_both_sentences(writer: ReasonWriter, language: str) -> None:
    problems = []
    for info in feature_infos():
        label = writer.label(info.feature, language)
        if not label.strip() or info.feature in label:
            problems.append(f"{info.feature}: label {label!r}")
        for value in (TYPICAL_VALUES.get(info.unit, 0.5), None):
            for direction in (RAISES, LOWERS):
                sentence = writer.sentence(info.feature, value, direction, language)
                if info.feature in sentence or label not in sentence or "{" in sentence:
                    problems.append(f"{info.feature}: sentence {sentence!r}")
    assert not problems, "\n".join(problems[:20])


def test_english_and_french_differ_and_say_the_direction(writer: ReasonWriter) -> None:
    raises_en = writer.sentence("INSTAL_RECENT_LATE_SHARE", 0.4, RAISES, "en")
    lowers_fr = writer.sentence("INSTAL_RECENT_LATE_SHARE", 0.4, LOWERS, "fr")
    assert raises_en == ("Share of instalments paid late in the last 12 months: 40%, which raises the risk.")
    assert lowers_fr == (
        "Part des échéances payées en retard sur les 12 derniers mois : 40 %, ce qui diminue le risque."
    )


def test_labels_drop_the_day_hint_and_name_the_history(writer: ReasonWriter) -> None:
    assert writer.label("DAYS_BIRTH", "en") == "Age"
    assert writer.label("BUREAU_DAYS_CREDIT_MAX", "en") == "Credit bureau – loan start (maximum)"
    assert writer.label("PREV_AMT_ANNUITY_MEAN", "fr") == "Demandes précédentes – annuité (moyenne)"
    assert writer.label("BUREAU_LOAN_COUNT", "en") == "Loans at the credit bureau"  # says it already
    assert writer.label("FLOORSMAX_AVG", "fr") == "Immeuble – étage le plus haut (moyenne)"


@pytest.mark.parametrize(
    ("feature", "value", "language", "expected"),
    [
        ("DAYS_BIRTH", -12000.0, "en", "32 years"),
        ("DAYS_BIRTH", -12000.0, "fr", "32 ans"),
        ("DAYS_EMPLOYED", -400.0, "en", "13 months"),
        ("DAYS_LAST_PHONE_CHANGE", -30.0, "en", "30 days ago"),
        ("DAYS_LAST_PHONE_CHANGE", -3000.0, "fr", "il y a 8,2 ans"),
        ("DAYS_LAST_PHONE_CHANGE", 0.0, "en", "at the application"),
        ("BUREAU_DAYS_CREDIT_ENDDATE_MAX", 900.0, "en", "in 2.5 years"),
        ("POS_MONTHS_BALANCE_MIN", -24.0, "en", "24 months ago"),
        ("AMT_CREDIT", 1234567.0, "en", "€1,234,567"),
        ("AMT_CREDIT", 1234567.0, "fr", "1\u202f234\u202f567\u00a0€"),
        ("INSTAL_LATE_SHARE", 0.05, "en", "5.0%"),
        ("FLAG_DOCUMENT_3", 1.0, "fr", "oui"),
        ("FLAG_OWN_CAR", "N", "en", "No"),
        ("NAME_INCOME_TYPE", "Pensioner", "fr", "Retraité"),
        ("ORGANIZATION_TYPE", "Trade: type 7", "fr", "Commerce, type 7"),
        ("CNT_CHILDREN", 2.0, "en", "2"),
        ("CREDIT_INCOME_RATIO", 3.14159, "fr", "3,14"),
        ("EXT_SOURCE_3", float("nan"), "en", "not provided"),
        ("EXT_SOURCE_3", None, "fr", "non renseigné"),
        ("EXT_SOURCE_3", 0.4567, "en", "0.46"),
        ("HOUR_APPR_PROCESS_START", 14.0, "fr", "14 h"),
    ],
)
def test_values_are_formatted_by_unit(
    writer: ReasonWriter, feature: str, value: object, language: str, expected: str
) -> None:
    assert writer.display_value(feature, value, language) == expected


def test_infinite_values_read_as_not_provided() -> None:
    assert format_value(math.inf, "ratio", "en") == "not provided"


def test_a_feature_missing_from_the_dictionary_gets_a_readable_label() -> None:
    writer = ReasonWriter([FeatureInfo("KNOWN", "application", "x", "count", "Known", "Connu")])
    assert writer.knows("KNOWN") and not writer.knows("NEW_FEATURE_X")
    assert writer.label("NEW_FEATURE_X", "en") == "New feature x"
    assert (
        writer.sentence("NEW_FEATURE_X", 2.0, RAISES, "en") == "New feature x: 2.00, which raises the risk."
    )


def test_bad_language_and_direction_are_refused(writer: ReasonWriter) -> None:
    with pytest.raises(ValueError, match="Unsupported language 'es': use one of en, fr"):
        writer.label("DAYS_BIRTH", "es")
    with pytest.raises(ValueError, match="direction"):
        writer.sentence("DAYS_BIRTH", -12000.0, "up", "en")
