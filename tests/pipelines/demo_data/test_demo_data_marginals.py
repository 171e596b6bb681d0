"""Marginals of the small preset stay within stated tolerances of the real profile.

Tolerances allow for the small sample (4,000 train and 800 test clients): missing rates within 0.03 (0.06 on
the test side), level shares within 0.05, medians within a fifth of the real inter-quantile range (q0.8-q0.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.raw.tables import DAYS_SENTINEL

HISTORY_TABLES = (
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "credit_card_balance",
)
SIDES_AND_HISTORY = ["application_train", "application_test", *HISTORY_TABLES]


def _numeric_columns(profile, table):
    return [c for c, p in profile["tables"][table]["columns"].items() if p.get("kind") == "numeric"]


@pytest.mark.parametrize(
    ("table", "tolerance"),
    [("application_train", 0.03), ("application_test", 0.06), *[(t, 0.05) for t in HISTORY_TABLES]],
)
def test_missing_rates_follow_the_profile(tables, profile, table, tolerance):
    off = {}
    for column, real in profile["tables"][table]["columns"].items():
        if real.get("kind") == "id":
            continue
        generated = float(tables[table][column].isna().mean())
        if abs(generated - real["missing_rate"]) > tolerance:
            off[column] = (round(generated, 3), real["missing_rate"])
    assert not off, f"{table}: missing rate (generated, real) out of tolerance: {off}"


@pytest.mark.parametrize("table", SIDES_AND_HISTORY)
def test_level_shares_follow_the_profile(tables, profile, table):
    off = {}
    for column, real in profile["tables"][table]["columns"].items():
        if real.get("kind") != "categorical":
            continue
        shares = tables[table][column].dropna().astype(str).value_counts(normalize=True)
        for level, share in real["levels"].items():
            if abs(shares.get(level, 0.0) - share) > 0.05:
                off[f"{column}={level}"] = (round(float(shares.get(level, 0.0)), 3), share)
    assert not off, f"{table}: level share (generated, real) out of tolerance: {off}"


@pytest.mark.parametrize("table", SIDES_AND_HISTORY)
def test_medians_follow_the_profile(tables, profile, table):
    off = {}
    for column in _numeric_columns(profile, table):
        real = profile["tables"][table]["columns"][column]
        if "quantiles" not in real:
            continue
        values = tables[table][column].dropna()
        values = values[~values.isin([DAYS_SENTINEL, 99999, -99999])]
        spread = max(real["quantiles"]["0.8"] - real["quantiles"]["0.2"], 1e-9)
        if len(values) and abs(values.median() - real["quantiles"]["0.5"]) > 0.2 * spread:
            off[column] = (float(values.median()), real["quantiles"]["0.5"])
    assert not off, f"{table}: median (generated, real) out of tolerance: {off}"


def test_target_rate_and_sentinels(tables, profile):
    app = tables["application_train"]
    assert abs(app["TARGET"].mean() - profile["tables"]["application_train"]["target_rate"]) < 0.015
    for table in ("application_train", "application_test"):
        share = (tables[table]["DAYS_EMPLOYED"] == DAYS_SENTINEL).mean()
        assert abs(share - profile["tables"][table]["columns"]["DAYS_EMPLOYED"]["sentinels"]["365243"]) < 0.03
    prev = tables["previous_application"]
    for column in ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE", "DAYS_TERMINATION"):
        real = profile["tables"]["previous_application"]["columns"][column]["sentinels"]["365243"]
        share = (prev[column].dropna() == DAYS_SENTINEL).mean()
        assert abs(share - real) < 0.12, column


@pytest.mark.parametrize(
    "table", ["bureau", "previous_application", "POS_CASH_balance", "credit_card_balance"]
)
def test_share_of_clients_with_history(tables, profile, table):
    clients = len(tables["application_train"]) + len(tables["application_test"])
    share = tables[table]["SK_ID_CURR"].nunique() / clients
    assert abs(share - profile["tables"][table]["share_of_clients_with_rows"]) < 0.06


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_rows_per_parent(tables, profile, table):
    expected = profile["tables"][table]["rows_per_parent"]
    mean = tables[table].groupby(expected["parent_key"]).size().mean()
    assert abs(mean - expected["mean"]) / expected["mean"] < 0.25


def test_default_rate_by_decile_of_the_strongest_columns(tables, profile):
    """The default rate across deciles of the external scores and age follows the real curves (±0.06)."""
    app = tables["application_train"]
    for column in ("EXT_SOURCE_2", "EXT_SOURCE_3", "DAYS_BIRTH"):
        valid = app[column].notna()
        rates = app.loc[valid, "TARGET"].groupby(pd.qcut(app.loc[valid, column], 10)).mean().to_numpy()
        real = np.array(profile["tables"]["application_train"]["columns"][column]["default_rate_by_decile"])
        assert np.abs(rates - real).max() < 0.06, (column, rates.round(3), real)
