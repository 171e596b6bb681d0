"""The generated files have the real columns, types and key integrity, and consistent dates and amounts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_scoring.raw.tables import CLIENT_HISTORY_TABLES, DAYS_SENTINEL, RAW_FILES, RAW_TABLES


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_columns_are_the_real_ones_in_the_real_order(small_run, profile, table):
    header = (small_run[0] / RAW_FILES[table]).read_text().split("\n", 1)[0].split(",")
    assert header == list(RAW_TABLES[table])
    assert header == profile["tables"][table]["column_order"]


@pytest.mark.parametrize("table", list(RAW_TABLES))
def test_value_types_follow_the_schema(tables, table):
    frame = tables[table]
    for column, kind in RAW_TABLES[table].items():
        if kind == "int64":
            assert frame[column].dtype == np.int64, f"{table}.{column} is not a complete integer column"
        elif kind == "float64":
            assert (
                pd.api.types.is_float_dtype(frame[column])
                or frame[column].isna().all()
                or (pd.api.types.is_integer_dtype(frame[column]))
            ), f"{table}.{column} is not numeric"
        else:
            assert not pd.api.types.is_numeric_dtype(frame[column].dropna()) or frame[column].isna().all(), (
                f"{table}.{column} should hold text"
            )


def test_application_test_has_no_target_and_train_has_a_binary_one(tables):
    assert "TARGET" not in tables["application_test"].columns
    assert set(tables["application_train"]["TARGET"].unique()) == {0, 1}


def test_client_ids_are_unique_across_train_and_test(tables):
    ids = pd.concat([tables["application_train"]["SK_ID_CURR"], tables["application_test"]["SK_ID_CURR"]])
    assert ids.is_unique
    assert ids.min() == 100_002


def test_history_rows_belong_to_known_clients_and_credits(tables):
    clients = set(tables["application_train"]["SK_ID_CURR"]) | set(tables["application_test"]["SK_ID_CURR"])
    for table in CLIENT_HISTORY_TABLES:
        assert set(tables[table]["SK_ID_CURR"]) <= clients, table
    assert tables["bureau"]["SK_ID_BUREAU"].is_unique
    assert set(tables["bureau_balance"]["SK_ID_BUREAU"]) <= set(tables["bureau"]["SK_ID_BUREAU"])
    assert tables["previous_application"]["SK_ID_PREV"].is_unique


def test_every_loan_id_belongs_to_one_client_everywhere(tables):
    owners = pd.concat(
        [
            tables[t][["SK_ID_PREV", "SK_ID_CURR"]]
            for t in (
                "previous_application",
                "POS_CASH_balance",
                "installments_payments",
                "credit_card_balance",
            )
        ]
    )
    assert (owners.drop_duplicates().groupby("SK_ID_PREV").size() == 1).all()


def test_a_few_loans_are_missing_from_previous_application_as_in_the_real_extract(tables):
    known = set(tables["previous_application"]["SK_ID_PREV"])
    loans = set(tables["POS_CASH_balance"]["SK_ID_PREV"]) | set(tables["credit_card_balance"]["SK_ID_PREV"])
    orphan_share = len(loans - known) / len(loans)
    assert 0.0 < orphan_share < 0.05


def test_bureau_dates_are_consistent(tables):
    bureau = tables["bureau"]
    assert (bureau["DAYS_CREDIT"] <= 0).all()
    closed = bureau[bureau["CREDIT_ACTIVE"] == "Closed"]
    assert closed["DAYS_ENDDATE_FACT"].notna().all()
    assert (closed["DAYS_ENDDATE_FACT"] < 0).all()
    assert (closed["DAYS_ENDDATE_FACT"] >= closed["DAYS_CREDIT"]).all()
    assert bureau.loc[bureau["CREDIT_ACTIVE"] != "Closed", "DAYS_ENDDATE_FACT"].isna().all()
    assert (bureau["DAYS_CREDIT_UPDATE"] >= bureau["DAYS_CREDIT"]).all()
    assert (bureau.loc[bureau["CREDIT_ACTIVE"] == "Closed", "AMT_CREDIT_SUM_DEBT"].fillna(0) == 0).all()


def test_bureau_balance_runs_over_the_credit_life(tables):
    balance = tables["bureau_balance"].merge(
        tables["bureau"][["SK_ID_BUREAU", "DAYS_CREDIT"]], on="SK_ID_BUREAU"
    )
    assert (balance["MONTHS_BALANCE"] <= 0).all()
    assert (balance["MONTHS_BALANCE"] >= np.floor(balance["DAYS_CREDIT"] / 30.4375) - 1).all()
    assert set(balance["STATUS"].astype(str)) <= {"C", "X", "0", "1", "2", "3", "4", "5"}


def test_previous_application_timeline_is_ordered(tables):
    prev = tables["previous_application"]
    assert (prev["DAYS_DECISION"] < 0).all()
    dated = prev[(prev["DAYS_FIRST_DUE"].notna()) & (prev["DAYS_FIRST_DUE"] != DAYS_SENTINEL)]
    assert (dated["DAYS_FIRST_DUE"] > dated["DAYS_DECISION"]).all()
    ended = dated[dated["DAYS_LAST_DUE"] != DAYS_SENTINEL]
    assert (ended["DAYS_LAST_DUE"] >= ended["DAYS_FIRST_DUE"]).all()
    assert (ended["DAYS_TERMINATION"] >= ended["DAYS_LAST_DUE"]).all()
    assert prev.loc[prev["NAME_CONTRACT_STATUS"] != "Approved", "DAYS_FIRST_DUE"].isna().all()


def test_instalments_are_paid_near_their_due_dates(tables):
    instalments = tables["installments_payments"]
    assert (instalments["DAYS_INSTALMENT"] < 0).all()
    paid = instalments.dropna(subset=["DAYS_ENTRY_PAYMENT"])
    assert (paid["DAYS_ENTRY_PAYMENT"] < 0).all()
    delay = paid["DAYS_ENTRY_PAYMENT"] - paid["DAYS_INSTALMENT"]
    assert delay.abs().median() <= 15
    assert 0.02 < (delay > 0).mean() < 0.3, "some payments, not most, are late"
    assert 0.005 < (paid["AMT_PAYMENT"] < paid["AMT_INSTALMENT"] - 1).mean() < 0.2, "some payments are short"
    assert set(instalments["NUM_INSTALMENT_VERSION"].unique()) >= {0.0, 1.0, 2.0}


def test_instalments_follow_the_loan_schedule(tables):
    instalments = tables["installments_payments"]
    schedule = instalments[instalments["NUM_INSTALMENT_VERSION"] == 1].merge(
        tables["previous_application"][["SK_ID_PREV", "DAYS_FIRST_DUE", "CNT_PAYMENT"]], on="SK_ID_PREV"
    )
    assert np.allclose(
        schedule["DAYS_INSTALMENT"], schedule["DAYS_FIRST_DUE"] + 30 * (schedule["NUM_INSTALMENT_NUMBER"] - 1)
    )
    assert (schedule["NUM_INSTALMENT_NUMBER"] <= schedule["CNT_PAYMENT"]).all()


def test_monthly_balances_stop_before_the_application_month(tables):
    assert (tables["POS_CASH_balance"]["MONTHS_BALANCE"] <= -1).all()
    assert (tables["credit_card_balance"]["MONTHS_BALANCE"] <= -1).all()
    cards = tables["credit_card_balance"]
    assert (cards["AMT_BALANCE"] >= 0).all()
    assert (cards.loc[cards["NAME_CONTRACT_STATUS"] == "Completed", "AMT_BALANCE"] == 0).all()


def test_current_loan_amounts_are_consistent(tables):
    app = pd.concat([tables["application_train"], tables["application_test"]])
    cash = app[app["NAME_CONTRACT_TYPE"] == "Cash loans"]
    payment_rate = cash["AMT_ANNUITY"] / cash["AMT_CREDIT"]
    assert payment_rate.between(0.015, 0.2).all()
    assert (cash["AMT_GOODS_PRICE"] <= cash["AMT_CREDIT"] * 1.01).mean() > 0.97
    revolving = app[app["NAME_CONTRACT_TYPE"] == "Revolving loans"]
    assert np.isin(np.round(revolving["AMT_ANNUITY"] / revolving["AMT_CREDIT"], 3), [0.05, 0.1]).all()


def test_previous_annuities_repay_the_credit_over_the_term(tables):
    prev = tables["previous_application"]
    loans = prev[(prev["NAME_CONTRACT_STATUS"] == "Approved") & (prev["CNT_PAYMENT"] > 0)]
    assert (loans["AMT_ANNUITY"] * loans["CNT_PAYMENT"] >= loans["AMT_CREDIT"] * 0.999).all()
    canceled = prev[prev["NAME_CONTRACT_STATUS"] == "Canceled"]
    assert (canceled["AMT_CREDIT"] == 0).all()


def test_household_and_employment_rules(tables):
    app = tables["application_train"]
    assert (app["CNT_FAM_MEMBERS"] >= app["CNT_CHILDREN"] + 1).all()
    no_job = app["DAYS_EMPLOYED"] == DAYS_SENTINEL
    assert app.loc[no_job, "NAME_INCOME_TYPE"].isin(["Pensioner", "Unemployed"]).all()
    assert (app.loc[no_job, "ORGANIZATION_TYPE"] == "XNA").all()
    assert (app.loc[~no_job, "ORGANIZATION_TYPE"] != "XNA").all()
    assert (app.loc[no_job, "FLAG_EMP_PHONE"] == 0).all()
    assert app.loc[no_job, "OCCUPATION_TYPE"].isna().all()
    assert (app.loc[~no_job, "DAYS_EMPLOYED"] >= app.loc[~no_job, "DAYS_BIRTH"] + 18 * 365).all()
    assert (app["DEF_30_CNT_SOCIAL_CIRCLE"].fillna(0) <= app["OBS_30_CNT_SOCIAL_CIRCLE"].fillna(0)).all()


def test_bureau_request_counts_are_missing_exactly_for_clients_unknown_to_the_bureau(tables):
    app = pd.concat([tables["application_train"], tables["application_test"]])
    known = app["SK_ID_CURR"].isin(tables["bureau"]["SK_ID_CURR"])
    assert (app["AMT_REQ_CREDIT_BUREAU_YEAR"].isna() == ~known).all()
