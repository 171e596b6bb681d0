"""Reason texts: a model feature's plain-language label, its value formatted for people, and a sentence an
adviser can say, in English or French.

Everything is derived from the feature dictionary (`features.definitions.feature_infos`: label_en, label_fr,
unit, reading, source table), the one place a feature is named, so a new feature gets texts without code
here. Rules, in order:

- the label drops the "(days before the application)" style hint, because the value is shown in years, months
  or days ago instead, and its own colons (the sentence has one); history aggregates get the history they come
  from as a prefix when the label does not already say it ("Previous applications – annuity (mean)");
- the value is formatted by unit (currency with thousands separators, shares as %, flags as yes / no, days as
  days, months or years, "not provided" for a missing value);
- one sentence template per direction and language.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from credit_scoring.features.definitions import feature_infos
from credit_scoring.features.expressions import DAYS_PER_YEAR, FeatureInfo
from credit_scoring.raw.loans import format_money, group_digits
from credit_scoring.raw.wording import level_text

logger = logging.getLogger(__name__)

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "fr")
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
RAISES, LOWERS = "raises", "lowers"

#: One sentence per direction and language; {label} and {value} are filled in.
SENTENCE_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        RAISES: "{label}: {value}, which raises the risk.",
        LOWERS: "{label}: {value}, which lowers the risk.",
    },
    "fr": {
        RAISES: "{label} : {value}, ce qui augmente le risque.",
        LOWERS: "{label} : {value}, ce qui diminue le risque.",
    },
}

#: How a time value is read: "ago" (negative = before the application), "relative" (signed, from the
#: application), "age" (absolute value in whole years), "duration" (absolute value as a length of time).
TimeMode = str

# (English, French) prefix naming the history a feature comes from; words showing a label names it already.
_HISTORY_CONTEXT: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bureau": ("Credit bureau", "Bureau de crédit", ("bureau",)),
    "previous_application": ("Previous applications", "Demandes précédentes", ("previous", "précédent")),
    "installments_payments": ("Past instalments", "Échéances passées", ("instalment", "échéance")),
    "credit_card_balance": ("Credit card", "Carte de crédit", ("card", "carte")),
    "POS_CASH_balance": ("POS and cash loans", "Crédits POS et espèces", ("pos/cash", "pos ")),
}

_TIME_HINTS: tuple[tuple[str, TimeMode], ...] = (
    (r" ?\(days before the application\)", "ago"),
    (r" ?\(jours avant la demande\)", "ago"),
    (r" ?\(days from the application\)", "relative"),
    (r" ?\(jours depuis la demande\)", "relative"),
    (r" ?\(relative to the application\)", "ago"),
    (r" ?\(relatif à la demande\)", "ago"),
    (r" ?\(relative\)", "ago"),
    (r" ?\(relatif\)", "ago"),
)
# "Annuity: mean" reads as "Annuity (mean)" inside a sentence that has its own colon.
_STAT_SUFFIX = re.compile(r" ?: (mean|maximum|minimum|total|moyenne)$")

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "missing": "not provided",
        "yes": "yes",
        "no": "no",
        "day": "day",
        "days": "days",
        "month": "month",
        "months": "months",
        "year": "year",
        "years": "years",
        "ago": "{} ago",
        "in": "in {}",
        "at_application": "at the application",
    },
    "fr": {
        "missing": "non renseigné",
        "yes": "oui",
        "no": "non",
        "day": "jour",
        "days": "jours",
        "month": "mois",
        "months": "mois",
        "year": "an",
        "years": "ans",
        "ago": "il y a {}",
        "in": "dans {}",
        "at_application": "à la date de la demande",
    },
}


def check_language(language: str) -> str:
    """The language if supported; a ValueError naming the supported ones otherwise."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}: use one of {', '.join(SUPPORTED_LANGUAGES)}")
    return language


@dataclass(frozen=True)
class FeatureText:
    """How one feature is named and how its values are shown."""

    feature: str
    unit: str
    labels: dict[str, str]
    time_mode: TimeMode = ""
    in_dictionary: bool = True


def feature_text(info: FeatureInfo) -> FeatureText:
    """Labels and display rules of a dictionary entry."""
    label_en, mode_en = _strip_time_hint(info.label_en)
    label_fr, mode_fr = _strip_time_hint(info.label_fr)
    labels = {
        "en": _no_inner_colon(_STAT_SUFFIX.sub(r" (\1)", label_en)),
        "fr": _no_inner_colon(_STAT_SUFFIX.sub(r" (\1)", label_fr)),
    }
    context = _history_context(info.source_table)
    if context is not None:
        prefix_en, prefix_fr, words = context
        if not any(word in f"{labels['en']} {labels['fr']}".lower() for word in words):
            labels = {
                "en": f"{prefix_en} – {lower_first(labels['en'])}",
                "fr": f"{prefix_fr} – {lower_first(labels['fr'])}",
            }
    return FeatureText(info.feature, info.unit, labels, info.reading or mode_en or mode_fr)


def fallback_text(feature: str) -> FeatureText:
    """Texts for a feature missing from the dictionary: a readable name rather than a failure."""
    readable = feature.replace("_", " ").strip().capitalize()
    return FeatureText(feature, "", {"en": readable, "fr": readable}, in_dictionary=False)


class ReasonWriter:
    """Labels, formatted values and sentences of model features, from the feature dictionary."""

    def __init__(self, infos: Iterable[FeatureInfo] | None = None):
        self._texts = {
            info.feature: feature_text(info) for info in (feature_infos() if infos is None else infos)
        }
        self._warned: set[str] = set()

    def text(self, feature: str) -> FeatureText:
        found = self._texts.get(feature)
        if found is None:
            if feature not in self._warned:
                logger.warning(
                    "Feature %r is not in the feature dictionary: its reason texts are generic", feature
                )
                self._warned.add(feature)
            found = self._texts[feature] = fallback_text(feature)
        return found

    def labels(self, language: str) -> dict[str, str]:
        """{feature: label} of every feature of the dictionary, in ``language``."""
        check_language(language)
        return {name: text.labels[language] for name, text in self._texts.items() if text.in_dictionary}

    def knows(self, feature: str) -> bool:
        return feature in self._texts and self._texts[feature].in_dictionary

    def label(self, feature: str, language: str) -> str:
        return self.text(feature).labels[check_language(language)]

    def display_value(self, feature: str, value: Any, language: str) -> str:
        text = self.text(feature)
        return format_value(value, text.unit, check_language(language), text.time_mode, feature)

    def sentence(self, feature: str, value: Any, direction: str, language: str) -> str:
        """The adviser's sentence for a feature, its value and the direction it pushes the risk."""
        if direction not in (RAISES, LOWERS):
            raise ValueError(f"direction must be {RAISES!r} or {LOWERS!r}, got {direction!r}")
        return SENTENCE_TEMPLATES[check_language(language)][direction].format(
            label=self.label(feature, language), value=self.display_value(feature, value, language)
        )


@functools.cache
def dictionary_writer() -> ReasonWriter:
    """The writer of the package's feature dictionary (one per process: it is immutable)."""
    return ReasonWriter()


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' missing markers are missing; anything else is a value."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(
    value: Any, unit: str, language: str, time_mode: TimeMode = "", column: str | None = None
) -> str:
    """A feature value as people read it, given the dictionary unit (a category: the wording table's words
    for ``column``)."""
    if is_missing(value):
        return _WORDS[language]["missing"]
    if isinstance(value, str) or unit == "category":
        return level_text(column, str(value), language)
    number = float(value)
    if math.isinf(number):
        return _WORDS[language]["missing"]
    formatter = _FORMATTERS.get(unit, _format_plain)
    return formatter(number, language, time_mode)


def format_number(number: float, decimals: int, language: str) -> str:
    """12,345.6 in English, 12 345,6 in French: `credit_scoring.raw.loans.group_digits`, the dashboard's and
    the letters' format."""
    return group_digits(number, decimals, language)


def _format_share(number: float, language: str, _: TimeMode) -> str:
    percent = format_number(100 * number, 0 if abs(number) >= 0.1 or number == 0 else 1, language)
    return f"{percent} %" if language == "fr" else f"{percent}%"


def _format_flag(number: float, language: str, _: TimeMode) -> str:
    return _WORDS[language]["yes" if number >= 0.5 else "no"]


def _format_hour(number: float, language: str, _: TimeMode) -> str:
    hour = round(number)
    return f"{hour} h" if language == "fr" else f"{hour}:00"


def _format_days(days: float, language: str, mode: TimeMode) -> str:
    words = _WORDS[language]
    if mode == "age":
        years = int(abs(days) // DAYS_PER_YEAR)
        return f"{years} {words['years'] if years != 1 else words['year']}"
    length = _format_length(abs(days), language)
    if mode in {"ago", "relative"}:
        if round(days) == 0:
            return words["at_application"]
        return words["ago"].format(length) if days < 0 else words["in"].format(length)
    if mode == "duration" or days >= 0:
        return length
    return f"-{length}"


def _format_length(days: float, language: str) -> str:
    words = _WORDS[language]
    if days < 60:
        count = round(days)
        return f"{count} {words['days'] if count != 1 else words['day']}"
    months = round(days / DAYS_PER_MONTH)
    if months <= 24:
        return f"{months} {words['months'] if months != 1 else words['month']}"
    return f"{format_number(days / DAYS_PER_YEAR, 1, language)} {words['years']}"


def _format_plain(number: float, language: str, _: TimeMode) -> str:
    magnitude = abs(number)
    if magnitude == 0 or magnitude >= 100:
        decimals = 0
    elif magnitude >= 1:
        decimals = 2 if magnitude < 10 else 1
    else:
        decimals = 3 if magnitude < 0.01 else 2
    return format_number(number, decimals, language)


def _format_count(number: float, language: str, _: TimeMode) -> str:
    return format_number(number, 0 if number == round(number) else 1, language)


_FORMATTERS: dict[str, Callable[[float, str, TimeMode], str]] = {
    "currency": lambda number, language, _: format_money(number, language),
    "share": _format_share,
    "flag": _format_flag,
    "days": _format_days,
    "months": lambda number, language, mode: _format_days(number * DAYS_PER_MONTH, language, mode),
    "years": lambda number, language, mode: _format_days(
        number * DAYS_PER_YEAR, language, mode or "duration"
    ),
    "hour": _format_hour,
    "count": _format_count,
    "rating": _format_count,
    "status": _format_count,
    "ratio": lambda number, language, _: format_number(number, 2, language),
}


def _strip_time_hint(label: str) -> tuple[str, TimeMode]:
    for pattern, mode in _TIME_HINTS:
        stripped, count = re.subn(pattern, "", label)
        if count:
            return stripped, mode
    return label, ""


def _history_context(source_table: str) -> tuple[str, str, tuple[str, ...]] | None:
    sources = [part.strip() for part in source_table.split(",")]
    if "application" in sources:
        return None
    for source in sources:
        if source in _HISTORY_CONTEXT:
            return _HISTORY_CONTEXT[source]
    return None


def _no_inner_colon(label: str) -> str:
    # "Building: lowest floor" reads as "Building – lowest floor" inside a sentence that has its own colon
    return re.sub(r" ?: ", " – ", label)


def lower_first(text: str) -> str:
    # keep acronyms (POS, XNA) as they are
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
