"""The small preset has thin-file clients (no bureau record and no previous application) as the real data has:
about 14 % of clients without a bureau record, 3 % without a previous application, and riskier for it.

The real profile gives the share of clients with rows in each history table; the default rate of the clients
the credit bureau does not know is read from the missing AMT_REQ_CREDIT_BUREAU_YEAR (missing exactly for them,
13.4 % of the real clients, default rate 11.1 % against 8.1 % overall). Tolerances allow for the small sample
(4,800 clients, about 660 without a bureau record).
"""

from __future__ import annotations

import pandas as pd
import pytest

from credit_scoring.features.segments import BUREAU_COUNT, PREVIOUS_COUNT, has_no_record, is_thin_file


@pytest.fixture(scope="module")
def clients(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every client (train and test) with its rows in bureau and previous_application, as the model input
    counts them, and TARGET (missing for the test clients)."""
    applications = pd.concat([tables["application_train"], tables["application_test"]], ignore_index=True)
    counts = {
        BUREAU_COUNT: tables["bureau"].groupby("SK_ID_CURR").size(),
        PREVIOUS_COUNT: tables["previous_application"].groupby("SK_ID_CURR").size(),
    }
    frame = applications[["SK_ID_CURR", "TARGET", "DAYS_BIRTH", "AMT_REQ_CREDIT_BUREAU_YEAR"]].set_index(
        "SK_ID_CURR"
    )
    for column, per_client in counts.items():
        frame[column] = per_client.reindex(frame.index).fillna(0.0)
    return frame


def test_shares_without_bureau_record_and_without_previous_application_are_the_real_ones(clients, profile):
    real = profile["tables"]
    no_bureau = has_no_record(clients[BUREAU_COUNT]).mean()
    no_previous = has_no_record(clients[PREVIOUS_COUNT]).mean()
    with_previous = real["previous_application"]["share_of_clients_with_rows"]
    assert no_bureau == pytest.approx(1 - real["bureau"]["share_of_clients_with_rows"], abs=0.02)
    assert no_previous == pytest.approx(1 - with_previous, abs=0.01)


def test_thin_file_clients_exist_in_realistic_proportion(clients):
    thin = is_thin_file(clients)
    no_bureau = has_no_record(clients[BUREAU_COUNT])
    no_previous = has_no_record(clients[PREVIOUS_COUNT])
    # the two absences are drawn apart (the real profile gives no joint share): about their product, 0.4 %
    assert thin.sum() >= 5, "the thin-file segment must not be empty"
    assert thin.mean() == pytest.approx(no_bureau.mean() * no_previous.mean(), abs=0.004)


def test_the_bureau_knows_exactly_the_clients_with_bureau_requests(clients):
    """AMT_REQ_CREDIT_BUREAU_* are missing for the clients without a bureau record, as in the real data."""
    no_bureau = has_no_record(clients[BUREAU_COUNT])
    assert (clients["AMT_REQ_CREDIT_BUREAU_YEAR"].isna() == no_bureau).all()


def test_clients_without_bureau_record_default_more_as_in_the_real_data(clients, profile):
    train = clients[clients["TARGET"].notna()]
    no_bureau = has_no_record(train[BUREAU_COUNT])
    rate_without, rate_with = train.loc[no_bureau, "TARGET"].mean(), train.loc[~no_bureau, "TARGET"].mean()
    real = profile["tables"]["application_train"]["columns"]["AMT_REQ_CREDIT_BUREAU_YEAR"]
    assert rate_without == pytest.approx(real["default_rate_when_missing"], abs=0.035)
    assert rate_without > rate_with


def test_thin_file_clients_are_younger(clients):
    thin = is_thin_file(clients)
    age = -clients["DAYS_BIRTH"] / 365.25
    assert age[thin].mean() < age[~thin].mean()
