"""Parsing what advisers type: client numbers, filters, what-if fields; the dashboard's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dash_app.config import DEFAULT_API_URL, DashboardSettings
from dash_app.forms import FILTER_KEYS, parse_client_id, parse_filters
from dash_app.whatif_fields import DAYS_NOT_EMPLOYED, form_values, simulated_application
from tests.dash_app.fakes import APPLICATION


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100002", 100002),
        (" 42 ", 42),
        (7, 7),
        ("0", None),
        ("-3", None),
        ("12a", None),
        ("", None),
        (None, None),
        (True, None),
        ("1" * 16, None),
    ],
)
def test_parse_client_id(text, expected) -> None:
    assert parse_client_id(text) == expected


def filter_values(**given) -> list:
    return [given.get(key) for key in FILTER_KEYS]


def test_parse_filters_keeps_known_choices_and_valid_ranges() -> None:
    filters, errors = parse_filters(
        filter_values(
            decision="refused", gender="X", age_min=30, age_max="50", income_min=-5, credit_max="abc"
        ),
        "en",
    )
    assert errors == []
    assert filters == {"decision": "refused", "age_min": 30.0, "age_max": 50.0}


def test_parse_filters_names_an_inverted_range() -> None:
    filters, errors = parse_filters(filter_values(income_min=5000, income_max=100), "fr")
    assert errors == ["Revenu total : le minimum dépasse le maximum."]
    assert "income_min" not in filters


def test_form_values_derive_term_and_years_in_job() -> None:
    values = form_values(APPLICATION)
    assert values["term"] == round(406597.5 / 24700.5, 1)
    assert values["YEARS_EMPLOYED"] == 1.7
    assert form_values({**APPLICATION, "DAYS_EMPLOYED": DAYS_NOT_EMPLOYED})["YEARS_EMPLOYED"] is None


def test_simulated_application_applies_changes_and_keeps_the_rest() -> None:
    entered = {**form_values(APPLICATION), "AMT_CREDIT": 200000, "CNT_CHILDREN": 2.0, "YEARS_EMPLOYED": 5}
    application, errors = simulated_application(APPLICATION, entered, "en")
    assert errors == []
    assert application["AMT_CREDIT"] == 200000.0 and application["AMT_ANNUITY"] == 24700.5
    assert application["CNT_CHILDREN"] == 2 and isinstance(application["CNT_CHILDREN"], int)
    assert application["DAYS_EMPLOYED"] == -1826 and application["DAYS_BIRTH"] == APPLICATION["DAYS_BIRTH"]


def test_a_new_term_recomputes_the_annuity() -> None:
    entered = {**form_values(APPLICATION), "term": 20}
    application, _ = simulated_application(APPLICATION, entered, "en")
    assert application["AMT_ANNUITY"] == round(406597.5 / 20, 2)


def test_simulated_application_refuses_negative_or_zero_term() -> None:
    entered = {**form_values(APPLICATION), "AMT_INCOME_TOTAL": -1, "term": 0}
    application, errors = simulated_application(APPLICATION, entered, "en")
    assert application == {}
    assert errors == [
        "Term (number of annuities): enter a positive number.",
        "Total income: enter a positive number.",
    ]


def test_settings_from_environment_then_credentials_file(tmp_path: Path) -> None:
    (tmp_path / "conf" / "base").mkdir(parents=True)
    (tmp_path / "conf" / "local").mkdir()
    assert DashboardSettings.from_env({}, tmp_path) == DashboardSettings(api_url=DEFAULT_API_URL)
    # any credentials* file of the environment, as Kedro reads them
    credentials = tmp_path / "conf" / "local" / "credentials_dashboard.yml"
    credentials.write_text("dashboard:\n  api_url: http://remote/api/v1/\n  api_key: from-file\n")
    stored = DashboardSettings.from_env({}, tmp_path)
    assert (stored.api_url, stored.api_key) == ("http://remote/api/v1", "from-file")
    env = {
        "DASHBOARD_API_URL": "http://other/api/v1",
        "DASHBOARD_API_KEY": "k",
        "DASHBOARD_API_TIMEOUT": "2.5",
    }
    settings = DashboardSettings.from_env(env, tmp_path)
    assert (settings.api_url, settings.api_key, settings.timeout_seconds) == ("http://other/api/v1", "k", 2.5)
    with pytest.raises(ValueError, match="DASHBOARD_API_TIMEOUT"):
        DashboardSettings.from_env({"DASHBOARD_API_TIMEOUT": "soon"}, tmp_path)
