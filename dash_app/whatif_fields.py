"""The application fields an adviser may change in a simulation, and how they map to the API's fields."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dash_app.client_fields import field_label
from dash_app.i18n import t

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class EditableField:
    name: str  # the API's application column, or ``term`` / ``YEARS_EMPLOYED`` (derived)
    label: str  # a feature, worded by the API, or a dashboard text key (see `client_fields.field_label`)
    step: float


EDITABLE_FIELDS = (
    EditableField("AMT_CREDIT", "AMT_CREDIT", 1),
    EditableField("term", "info.term", 0.1),
    EditableField("AMT_ANNUITY", "AMT_ANNUITY", 1),
    EditableField("AMT_INCOME_TOTAL", "AMT_INCOME_TOTAL", 1),
    EditableField("AMT_GOODS_PRICE", "AMT_GOODS_PRICE", 1),
    EditableField("CNT_CHILDREN", "CNT_CHILDREN", 1),
    EditableField("YEARS_EMPLOYED", "EMPLOYMENT_YEARS", 0.1),
)
INTEGER_FIELDS = {"CNT_CHILDREN", "DAYS_EMPLOYED"}
DAYS_NOT_EMPLOYED = 365243  # the raw data's "no date" code for DAYS_EMPLOYED (pensioners, unemployed)


def field_id(name: str) -> str:
    return f"whatif-{name.lower().replace('_', '-')}"


def form_values(application: dict[str, Any]) -> dict[str, float | None]:
    """The form's values for a client's raw application (term and years in job derived)."""
    credit, annuity = application.get("AMT_CREDIT"), application.get("AMT_ANNUITY")
    days = application.get("DAYS_EMPLOYED")
    years = None if days is None or days == DAYS_NOT_EMPLOYED else round(-days / DAYS_PER_YEAR, 1)
    values: dict[str, float | None] = {
        field.name: application.get(field.name) for field in EDITABLE_FIELDS if field.name.isupper()
    }
    values["term"] = round(credit / annuity, 1) if credit and annuity else None
    values["YEARS_EMPLOYED"] = years
    return values


def simulated_application(
    original: dict[str, Any], entered: dict[str, Any], lang: str
) -> tuple[dict[str, Any], list[str]]:
    """The application to score: the client's own with the entered changes, and the problems found.

    A changed term recomputes the annuity as credit ÷ term (no interest), since the term is not an
    application field of its own.
    """
    errors = []
    numbers: dict[str, float | None] = {}
    for field in EDITABLE_FIELDS:
        value = entered.get(field.name)
        if value in (None, ""):
            numbers[field.name] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if not math.isfinite(number) or number < 0 or (field.name == "term" and number == 0):
            errors.append(t("whatif.invalid", lang, field=field_label(field.label, lang)))
        numbers[field.name] = number
    if errors:
        return {}, errors
    application = dict(original)
    for name in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_INCOME_TOTAL", "AMT_GOODS_PRICE", "CNT_CHILDREN"):
        application[name] = numbers[name]
    before = form_values(original)
    if numbers["term"] is not None and numbers["term"] != before["term"] and numbers["AMT_CREDIT"]:
        application["AMT_ANNUITY"] = round(numbers["AMT_CREDIT"] / numbers["term"], 2)
    years = numbers["YEARS_EMPLOYED"]
    if years != before["YEARS_EMPLOYED"]:
        application["DAYS_EMPLOYED"] = DAYS_NOT_EMPLOYED if years is None else -round(years * DAYS_PER_YEAR)
    for name in INTEGER_FIELDS:
        if application.get(name) is not None:
            application[name] = round(float(application[name]))
    return application, []
