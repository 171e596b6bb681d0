"""The descriptive fields an adviser reads, grouped, in readable units (years, currency, words)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash_app.i18n import format_currency, format_number, t
from dash_app.levels import level_text

# (ClientInfo field, label key, kind: a key of _FORMATTERS, or a categorical column, worded by the API)
FIELD_GROUPS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "info.group_person": (
        ("age_years", "info.DAYS_BIRTH", "years"),
        ("gender", "info.CODE_GENDER", "CODE_GENDER"),
        ("family_status", "info.NAME_FAMILY_STATUS", "NAME_FAMILY_STATUS"),
        ("children", "info.CNT_CHILDREN", "count"),
        ("education", "info.NAME_EDUCATION_TYPE", "NAME_EDUCATION_TYPE"),
        ("housing_type", "info.NAME_HOUSING_TYPE", "NAME_HOUSING_TYPE"),
        ("own_realty", "info.FLAG_OWN_REALTY", "flag"),
        ("own_car", "info.FLAG_OWN_CAR", "flag"),
    ),
    "info.group_work": (
        ("income_type", "info.NAME_INCOME_TYPE", "NAME_INCOME_TYPE"),
        ("occupation", "info.OCCUPATION_TYPE", "OCCUPATION_TYPE"),
        ("organization", "info.ORGANIZATION_TYPE", "ORGANIZATION_TYPE"),
        ("employment_years", "info.DAYS_EMPLOYED", "employment"),
        ("income", "info.AMT_INCOME_TOTAL", "currency"),
    ),
    "info.group_loan": (
        ("contract_type", "info.NAME_CONTRACT_TYPE", "NAME_CONTRACT_TYPE"),
        ("credit_amount", "info.AMT_CREDIT", "currency"),
        ("annuity", "info.AMT_ANNUITY", "currency"),
        ("term", "info.term", "number1"),
        ("goods_price", "info.AMT_GOODS_PRICE", "currency"),
        ("credit_income_ratio", "info.credit_income_ratio", "number2"),
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


def readable_fields(
    info: dict[str, Any], lang: str, currency: str = "EUR"
) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group title, [(label, value), ...]), ...]`` for a ClientInfo answer."""
    full = derived_fields(info)
    return [
        (
            t(group, lang),
            [
                (t(label, lang), display_value(full.get(field), kind, lang, currency))
                for field, label, kind in fields
            ],
        )
        for group, fields in FIELD_GROUPS.items()
    ]
