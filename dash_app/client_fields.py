"""The descriptive fields an adviser reads, grouped, in readable units (years, currency, words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_app.i18n import format_currency, format_number, t
from dash_app.wording import feature_label, level_text

# (ClientInfo field, label: a feature, worded by the API, or a dashboard text key; kind: a key of
# _FORMATTERS, or a categorical column, worded by the API)
FIELD_GROUPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "info.group_person": (
        ("age_years", "DAYS_BIRTH", "years"),
        ("gender", "CODE_GENDER", "CODE_GENDER"),
        ("family_status", "NAME_FAMILY_STATUS", "NAME_FAMILY_STATUS"),
        ("children", "CNT_CHILDREN", "count"),
        ("education", "NAME_EDUCATION_TYPE", "NAME_EDUCATION_TYPE"),
        ("housing_type", "NAME_HOUSING_TYPE", "NAME_HOUSING_TYPE"),
        ("own_realty", "FLAG_OWN_REALTY", "flag"),
        ("own_car", "FLAG_OWN_CAR", "flag"),
    ),
    "info.group_work": (
        ("income_type", "NAME_INCOME_TYPE", "NAME_INCOME_TYPE"),
        ("occupation", "OCCUPATION_TYPE", "OCCUPATION_TYPE"),
        ("organization", "ORGANIZATION_TYPE", "ORGANIZATION_TYPE"),
        ("employment_years", "DAYS_EMPLOYED", "employment"),
        ("income", "AMT_INCOME_TOTAL", "currency"),
    ),
    "info.group_loan": (
        ("contract_type", "NAME_CONTRACT_TYPE", "NAME_CONTRACT_TYPE"),
        ("credit_amount", "AMT_CREDIT", "currency"),
        ("annuity", "AMT_ANNUITY", "currency"),
        ("term", "info.term", "number1"),
        ("goods_price", "AMT_GOODS_PRICE", "currency"),
        ("credit_income_ratio", "CREDIT_INCOME_RATIO", "number2"),
    ),
}


def derived_fields(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` plus the term (credit ÷ annuity) and the credit-to-income ratio, when they can be computed."""
    credit, annuity, income = info.get("credit_amount"), info.get("annuity"), info.get("income")
    return {
        **info,
        "term": credit / annuity if credit and annuity else None,
        "credit_income_ratio": credit / income if credit and income else None,
    }


_FORMATTERS: dict[str, Callable[[Any, str, str], str]] = {
    "years": lambda value, lang, _: t("common.years", lang, value=format_number(value, lang)),
    "employment": lambda value, lang, _: t("common.years", lang, value=format_number(value, lang, 1)),
    "currency": format_currency,
    "flag": lambda value, lang, _: t("common.yes" if value else "common.no", lang),
    "count": lambda value, lang, _: format_number(value, lang),
    "number1": lambda value, lang, _: format_number(value, lang, 1),
    "number2": lambda value, lang, _: format_number(value, lang, 2),
}


LEVEL_FIELDS: dict[str, str] = {
    field: kind for fields in FIELD_GROUPS.values() for field, _, kind in fields if kind not in _FORMATTERS
}
"""The ClientInfo fields shown as recorded categories, with their raw column."""


def display_value(value: Any, kind: str, lang: str, currency: str = "EUR") -> str:
    """A field's value as an adviser reads it (``kind``: a key of ``_FORMATTERS``, or a categorical column
    whose levels are worded by `levels.level_text`)."""
    if value is None or value == "":
        return t("info.not_employed", lang) if kind == "employment" else t("common.missing", lang)
    if kind in LEVEL_FIELDS.values():
        return level_text(kind, value, lang)
    return _FORMATTERS[kind](value, lang, currency)


def field_label(label: str, lang: str) -> str:
    """A feature's label as the API words it (``AMT_CREDIT``), or a dashboard text (``info.term``)."""
    return feature_label(label, lang) if label.isupper() else t(label, lang)


def readable_fields(
    info: dict[str, Any], lang: str, currency: str = "EUR"
) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group title, [(label, value), ...]), ...]`` for a ClientInfo answer."""
    full = derived_fields(info)
    return [
        (
            t(group, lang),
            [
                (field_label(label, lang), display_value(full.get(field), kind, lang, currency))
                for field, label, kind in fields
            ],
        )
        for group, fields in FIELD_GROUPS.items()
    ]
