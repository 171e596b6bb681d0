"""The client filters (decision, risk band, contract type, gender, age, income, credit), shared by the search
page and the comparison groups: controls, the matching callback states, and parsing into API filters."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import dash_bootstrap_components as dbc
from dash import State, html

from dash_app.i18n import t
from dash_app.wording import level_text

CHOICE_FILTERS: dict[str, tuple[str, ...]] = {
    "decision": ("granted", "refused"),
    "risk_band": ("low", "moderate", "high", "very_high"),
    "contract_type": ("Cash loans", "Revolving loans"),  # recorded codes; their words come from the API
    "gender": ("F", "M"),
}
RANGE_FILTERS = ("age", "income", "credit")
FILTER_KEYS = (
    *CHOICE_FILTERS,
    *(f"{name}_{end}" for name in RANGE_FILTERS for end in ("min", "max")),
)
_CHOICE_TEXT: dict[str, Callable[[str, str], str]] = {
    "decision": lambda level, lang: t(f"common.{level}", lang),
    "risk_band": lambda level, lang: t(f"band.{level}", lang),
    "contract_type": lambda level, lang: level_text("NAME_CONTRACT_TYPE", level, lang),
    "gender": lambda level, lang: level_text("CODE_GENDER", level, lang),
}
_LABEL_KEYS = {
    "decision": "search.decision",
    "risk_band": "search.risk_band",
    "contract_type": "search.contract_type",
    "gender": "search.gender",
    "age": "search.age",
    "income": "search.income",
    "credit": "search.credit",
}


def control_id(prefix: str, key: str) -> str:
    return f"{prefix}-{key.replace('_', '-')}"


def filter_states(prefix: str) -> list[State]:
    return [State(control_id(prefix, key), "value") for key in FILTER_KEYS]


def filter_controls(prefix: str, lang: str) -> html.Div:
    """Native selects and number inputs, each with a visible label; ranges grouped in a fieldset."""
    choices = []
    for key, levels in CHOICE_FILTERS.items():
        options = [{"label": t("common.any", lang), "value": ""}] + [
            {"label": _CHOICE_TEXT[key](level, lang), "value": level} for level in levels
        ]
        choices.append(
            dbc.Col(
                [
                    dbc.Label(t(_LABEL_KEYS[key], lang), html_for=control_id(prefix, key)),
                    dbc.Select(id=control_id(prefix, key), options=options, value=""),
                ],
                xs=12,
                sm=6,
                xl=3,
                className="mb-2",
            )
        )
    ranges = []
    for name in RANGE_FILTERS:
        inputs = []
        for end in ("min", "max"):
            field = control_id(prefix, f"{name}_{end}")
            inputs.append(
                dbc.Col(
                    [
                        dbc.Label(t(f"common.{end}", lang), html_for=field, className="small mb-0"),
                        dbc.Input(id=field, type="number", min=0, inputMode="decimal"),
                    ]
                )
            )
        ranges.append(
            dbc.Col(
                html.Fieldset(
                    [html.Legend(t(_LABEL_KEYS[name], lang), className="form-label fs-6"), dbc.Row(inputs)]
                ),
                xs=12,
                md=4,
                className="mb-2",
            )
        )
    return html.Div([dbc.Row(choices), dbc.Row(ranges)])


def parse_filters(values: list[Any] | tuple[Any, ...], lang: str) -> tuple[dict[str, Any], list[str]]:
    """API filters from the control values (in ``FILTER_KEYS`` order), and the problems found, in words."""
    raw = dict(zip(FILTER_KEYS, values, strict=True))
    filters: dict[str, Any] = {}
    errors: list[str] = []
    for key, levels in CHOICE_FILTERS.items():
        if raw[key] in levels:
            filters[key] = raw[key]
    for name in RANGE_FILTERS:
        low, high = (_number(raw[f"{name}_{end}"]) for end in ("min", "max"))
        if low is not None and high is not None and low > high:
            errors.append(t("search.range_error", lang, field=t(_LABEL_KEYS[name], lang)))
            continue
        for end, value in (("min", low), ("max", high)):
            if value is not None:
                filters[f"{name}_{end}"] = value
    return filters, errors


def _number(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def parse_client_id(value: Any) -> int | None:
    """A client number from a query parameter or a text field, or None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 15:
        return None
    number = int(text)
    return number if number > 0 else None
