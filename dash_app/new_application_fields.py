"""The new-application form's fields: which application columns, grouped as the client page groups them
(`client_fields.FIELD_GROUPS`), in readable units (years, euros, words), converted to and from the raw-data
contract's units (``DAYS_BIRTH`` negative days, ``DAYS_EMPLOYED`` with its "no date" code), and validated as
the API validates them: the same plausible ranges, integer columns and known categories, imported from the
contract (`credit_scoring.raw`), never copied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from credit_scoring.raw.loans import CURRENCY_SYMBOLS
from credit_scoring.raw.schema import DAYS_SENTINEL_COLUMNS, KNOWN_CATEGORIES, NULL_CODES, PLAUSIBLE_RANGES
from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES
from dash_app.client_fields import FIELD_GROUPS, field_label
from dash_app.i18n import format_number, t
from dash_app.wording import level_text

APPLICATION_TABLE = "application_test"  # what POST /predict takes: an application without its outcome
DAYS_PER_YEAR = 365.25
CATEGORY = "category"
NOT_GIVEN = "not-given"
"""A category's choice "not given" (dbc.Select keeps the value "" for its own hidden placeholder)."""
REQUIRED = frozenset({"DAYS_BIRTH", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY"})
"""What a new application cannot be scored without: the applicant's age and income, the credit and its
annuity (the alternatives and the letter work on the amounts)."""


@dataclass(frozen=True)
class FormField:
    column: str  # the application column (raw-data contract)
    kind: str  # "years" (age), "employment" (years in job), "currency", "count", "score" (0-1) or CATEGORY
    group: str  # the client page's group title key

    @property
    def id(self) -> str:
        return "newapp-" + self.column.lower().replace("_", "-")

    @property
    def feedback_id(self) -> str:
        return f"{self.id}-feedback"

    @property
    def required(self) -> bool:
        return self.column in REQUIRED

    @property
    def integer(self) -> bool:
        return RAW_TABLES[APPLICATION_TABLE][self.column] == "int64"

    @property
    def levels(self) -> frozenset[str]:
        return KNOWN_CATEGORIES[APPLICATION_TABLE].get(self.column, frozenset())

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """The contract's plausible range, in the contract's units."""
        return PLAUSIBLE_RANGES[APPLICATION_TABLE].get(self.column, (None, None))


def _kind(kind: str) -> str:
    return kind if kind in {"years", "employment", "currency", "count"} else CATEGORY


SCORE_GROUP = "newapp.group_scores"
SCORE_COLUMNS = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
"""The external data sources' scores (0 to 1): not on the client page, but among what weighs most in the
model; an adviser who has them enters them, else they stay missing, as for any applicant without them."""

FORM_FIELDS: tuple[FormField, ...] = (
    *(
        FormField(column, _kind(kind), group)
        for group, fields in FIELD_GROUPS.items()
        for _, column, kind in fields
        if column in RAW_TABLES[APPLICATION_TABLE]  # derived values (term, ratios) are not application fields
    ),
    *(FormField(column, "score", SCORE_GROUP) for column in SCORE_COLUMNS),
)
FIELDS_BY_COLUMN = {field.column: field for field in FORM_FIELDS}
if any(NOT_GIVEN in field.levels for field in FORM_FIELDS):  # pragma: no cover - a contract change
    raise ValueError(f"{NOT_GIVEN!r} is a recorded level: choose another value for 'not given'")
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(field.group for field in FORM_FIELDS))


# --- units ------------------------------------------------------------------------------------------------


def to_raw(field: FormField, value: float) -> float | int:
    """A readable number in the contract's units (years -> negative days)."""
    if field.kind in ("years", "employment"):
        return -round(value * DAYS_PER_YEAR)
    if field.integer:
        return round(value)
    return float(value)


def from_raw(field: FormField, value: Any) -> Any:
    """A contract value as the form shows it (negative days -> years; "no date" -> empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_GIVEN if field.kind == CATEGORY else None
    if field.kind == CATEGORY:
        return value if isinstance(value, str) else NOT_GIVEN
    if field.kind in ("years", "employment"):
        if value == DAYS_SENTINEL:
            return None
        return round(-float(value) / DAYS_PER_YEAR, 1)
    if field.integer:
        return int(value)
    number = round(float(value), 6 if field.kind == "score" else 2)  # amounts: to the cent
    return int(number) if field.kind == "currency" and number.is_integer() else number  # 402500, not 402500.0


def form_values(application: dict[str, Any]) -> dict[str, Any]:
    """The form's values for an application of the contract (e.g. an alternative's ``application``)."""
    return {field.column: from_raw(field, application.get(field.column)) for field in FORM_FIELDS}


def readable_bounds(field: FormField) -> tuple[float | None, float | None]:
    """The contract's range in the form's units, low first (days count backwards)."""
    low, high = field.bounds
    if field.kind in ("years", "employment"):
        ends = [None if end is None else -end / DAYS_PER_YEAR for end in (high, low)]
        return ends[0], ends[1]
    return low, high


# --- words --------------------------------------------------------------------------------------------------


def label(field: FormField, lang: str, currency: str = "EUR") -> str:
    """The field's label as the API words the feature, with its unit."""
    text = field_label(field.column, lang)
    if field.kind in ("years", "employment"):
        return t("newapp.unit_years", lang, label=text)
    if field.kind == "currency":
        return t("newapp.unit_currency", lang, label=text, symbol=CURRENCY_SYMBOLS.get(currency, currency))
    return text


def options(field: FormField, lang: str) -> list[dict[str, str]]:
    """A category's known levels (no "not available" codes), worded by the API, alphabetically; first the
    choice "not given"."""
    levels = sorted(
        (level_text(field.column, level, lang), level) for level in field.levels if level not in NULL_CODES
    )
    return [{"label": t("newapp.choose", lang), "value": NOT_GIVEN}] + [
        {"label": words, "value": level} for words, level in levels
    ]


def _bound_text(value: float, lang: str) -> str:
    return format_number(value, lang, 0 if float(value).is_integer() or abs(value) > 1 else 2)


def range_message(field: FormField, lang: str, currency: str = "EUR") -> str:
    low, high = readable_bounds(field)
    name = label(field, lang, currency)
    if low is not None and high is not None:
        return t(
            "newapp.error_range",
            lang,
            field=name,
            low=_bound_text(low, lang),
            high=_bound_text(high, lang),
        )
    return t("newapp.error_min", lang, field=name, low=_bound_text(low or 0, lang))


# --- validation -----------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """A number from what the form holds (a number, or text with a decimal point or comma); None if not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace("\u202f", "").replace(" ", "").replace(",", "."))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _empty(value: Any) -> bool:
    return value is None or value == NOT_GIVEN or (isinstance(value, str) and not value.strip())


def _in_bounds(field: FormField, raw: float) -> bool:
    low, high = field.bounds
    return (low is None or raw >= low) and (high is None or raw <= high)


def parse_field(field: FormField, value: Any, lang: str, currency: str = "EUR") -> tuple[Any, str | None]:
    """The contract value of one entry (None: not given) and the problem found, in words."""
    name = label(field, lang, currency)
    if _empty(value):
        if field.required:
            return None, t("newapp.error_required", lang, field=name)
        if field.column in DAYS_SENTINEL_COLUMNS.get(APPLICATION_TABLE, ()):
            return DAYS_SENTINEL, None  # no years in a job: not employed (pension or other)
        return None, None
    return _parse_given(field, value, name, lang, currency)


def _parse_given(field: FormField, value: Any, name: str, lang: str, currency: str) -> tuple[Any, str | None]:
    if field.kind == CATEGORY:
        known = isinstance(value, str) and value in field.levels
        return (value, None) if known else (None, t("newapp.error_category", lang, field=name))
    number = _number(value)
    if number is None:
        return None, t("newapp.error_number", lang, field=name)
    if field.kind == "count" and not number.is_integer():
        return None, t("newapp.error_whole", lang, field=name)
    raw = to_raw(field, number)
    if not _in_bounds(field, raw):
        return None, range_message(field, lang, currency)
    return raw, None


def application_from_form(
    entered: dict[str, Any], lang: str, currency: str = "EUR"
) -> tuple[dict[str, Any], dict[str, str], str | None]:
    """The application to score (no SK_ID_CURR: a new applicant, no history), the problem of each field
    (column -> words) and the form's own message (an empty form, or how many fields need attention)."""
    if all(_empty(value) for value in entered.values()):
        required = ", ".join(label(FIELDS_BY_COLUMN[c], lang, currency) for c in _required_in_order())
        errors = {
            field.column: t("newapp.error_required", lang, field=label(field, lang, currency))
            for field in FORM_FIELDS
            if field.required
        }
        return {}, errors, t("newapp.error_empty", lang, fields=required)
    application: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FORM_FIELDS:
        raw, problem = parse_field(field, entered.get(field.column), lang, currency)
        if problem:
            errors[field.column] = problem
        elif raw is not None:
            application[field.column] = raw
    if errors:
        return {}, errors, t("newapp.error_summary", lang, n=len(errors))
    return application, {}, None


def _required_in_order() -> list[str]:
    return [field.column for field in FORM_FIELDS if field.required]


def aria_state(errors: dict[str, str], focus: bool = False) -> dict[str, Any]:
    """What the page's clientside callback sets on each control (dbc controls take no aria attributes):
    aria-invalid, aria-describedby (its help and its feedback), and whether to move the focus to the first
    invalid one."""
    fields = []
    for field in FORM_FIELDS:
        described = [f"{field.id}-help"] if field.kind in ("employment", "score") else []
        invalid = field.column in errors
        if invalid:
            described.append(field.feedback_id)
        fields.append({"id": field.id, "invalid": invalid, "describedby": " ".join(described)})
    return {"fields": fields, "focus": focus and bool(errors)}
