"""History aggregates on tiny hand-computed tables: counts, means, extremes, recency, shares, zeros."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from credit_scoring.features.bureau import bureau_features
from credit_scoring.features.credit_card import credit_card_features
from credit_scoring.features.installments import installments_features
from credit_scoring.features.pos_cash import pos_cash_features
from credit_scoring.features.previous_application import previous_application_features
from credit_scoring.raw.tables import DAYS_SENTINEL


def _row(features, client: int = 1) -> dict:
    frame = features.to_pandas()
    rows = frame[frame["SK_ID_CURR"] == client].to_dict(orient="records")
    assert len(rows) == 1, "one row per client"
    return rows[0]


def _assert_values(row: dict, expected: dict) -> None:
    for name, value in expected.items():
        if value is None:
            assert row[name] is None or math.isnan(row[name]), name
        else:
            assert row[name] == pytest.approx(value), name


@pytest.fixture
def bureau_tables(make_typed):
    bureau = make_typed(
        "bureau",
        [
            dict(
                SK_ID_CURR=1,
                SK_ID_BUREAU=11,
                CREDIT_ACTIVE="Active",
                CREDIT_TYPE="Consumer credit",
                DAYS_CREDIT=-100,
                CREDIT_DAY_OVERDUE=0,
                AMT_CREDIT_SUM=1000.0,
                AMT_CREDIT_SUM_DEBT=400.0,
                AMT_CREDIT_SUM_OVERDUE=0.0,
                AMT_ANNUITY=50.0,
                CNT_CREDIT_PROLONG=1,
                DAYS_CREDIT_ENDDATE=200.0,
            ),
            dict(
                SK_ID_CURR=1,
                SK_ID_BUREAU=12,
                CREDIT_ACTIVE="Closed",
                CREDIT_TYPE="Credit card",
                DAYS_CREDIT=-1000,
                CREDIT_DAY_OVERDUE=10,
                AMT_CREDIT_SUM=3000.0,
                AMT_CREDIT_SUM_DEBT=0.0,
                AMT_CREDIT_SUM_OVERDUE=100.0,
                CNT_CREDIT_PROLONG=0,
                DAYS_CREDIT_ENDDATE=-500.0,
                DAYS_ENDDATE_FACT=-400.0,
            ),
            dict(
                SK_ID_CURR=1,
                SK_ID_BUREAU=13,
                CREDIT_ACTIVE="Active",
                CREDIT_TYPE="Microloan",
                DAYS_CREDIT=-50,
                CREDIT_DAY_OVERDUE=0,
                AMT_CREDIT_SUM=0.0,
                AMT_CREDIT_SUM_DEBT=100.0,
                AMT_CREDIT_SUM_OVERDUE=0.0,
                CNT_CREDIT_PROLONG=0,
            ),
            dict(
                SK_ID_CURR=2,
                SK_ID_BUREAU=21,
                CREDIT_ACTIVE=None,
                CREDIT_TYPE="Car loan",
                DAYS_CREDIT=-10,
                CREDIT_DAY_OVERDUE=0,
                AMT_CREDIT_SUM=500.0,
                CNT_CREDIT_PROLONG=0,
            ),
        ],
    )
    balance = make_typed(
        "bureau_balance",
        [
            dict(SK_ID_BUREAU=11, MONTHS_BALANCE=0, STATUS="0"),
            dict(SK_ID_BUREAU=11, MONTHS_BALANCE=-1, STATUS="1"),
            dict(SK_ID_BUREAU=11, MONTHS_BALANCE=-2, STATUS="X"),
            dict(SK_ID_BUREAU=11, MONTHS_BALANCE=-20, STATUS="3"),
            dict(SK_ID_BUREAU=12, MONTHS_BALANCE=0, STATUS="C"),
            dict(SK_ID_BUREAU=12, MONTHS_BALANCE=-13, STATUS="2"),
            dict(
                SK_ID_BUREAU=99, MONTHS_BALANCE=0, STATUS="5"
            ),  # a loan absent from bureau: claimed by no client
        ],
    )
    return bureau, balance


def test_bureau_counts_amounts_and_ratios(bureau_tables):
    row = _row(bureau_features(*bureau_tables))

    _assert_values(
        row,
        {
            "BUREAU_LOAN_COUNT": 3,
            "BUREAU_ACTIVE_LOAN_COUNT": 2,
            "BUREAU_CLOSED_LOAN_COUNT": 1,
            "BUREAU_ACTIVE_LOAN_SHARE": 2 / 3,
            "BUREAU_CREDIT_TYPE_COUNT": 3,
            "BUREAU_CREDIT_CARD_COUNT": 1,
            "BUREAU_MICROLOAN_COUNT": 1,
            "BUREAU_OVERDUE_LOAN_COUNT": 1,
            "BUREAU_RECENT_LOAN_COUNT": 2,
            "BUREAU_DAYS_CREDIT_MIN": -1000,
            "BUREAU_DAYS_CREDIT_MAX": -50,
            "BUREAU_CLOSED_DAYS_CREDIT_MAX": -1000,
            "BUREAU_AMT_CREDIT_SUM_SUM": 4000,
            "BUREAU_ACTIVE_AMT_CREDIT_SUM_DEBT_SUM": 500,
            "BUREAU_DEBT_CREDIT_RATIO": 500 / 4000,
            "BUREAU_ACTIVE_DEBT_CREDIT_RATIO": 500 / 1000,
            "BUREAU_DEBT_CREDIT_RATIO_MEAN": 0.2,  # (0.4 + 0.0) / 2: the zero-amount loan has no ratio
            "BUREAU_OVERDUE_DEBT_RATIO": 100 / 500,
            "BUREAU_CNT_CREDIT_PROLONG_SUM": 1,
            "BUREAU_AMT_ANNUITY_SUM": 50,
            "BUREAU_CREDIT_DURATION_DAYS_MEAN": (300 + 500) / 2,
            "BUREAU_ENDDATE_GAP_DAYS_MEAN": 100,
            "BUREAU_RECENT_AMT_CREDIT_SUM_SUM": 1000,  # loans 11 and 13 opened in the last 12 months
        },
    )


def test_bureau_monthly_status_history(bureau_tables):
    row = _row(bureau_features(*bureau_tables))

    _assert_values(
        row,
        {
            "BUREAU_BALANCE_LOAN_COUNT": 2,
            "BUREAU_BALANCE_MONTHS_SUM": 6,
            "BUREAU_BALANCE_FIRST_MONTH_MIN": -20,
            "BUREAU_BALANCE_DPD_MONTHS_SUM": 3,
            "BUREAU_BALANCE_RECENT_DPD_MONTHS_SUM": 1,
            "BUREAU_BALANCE_SEVERE_DPD_MONTHS_SUM": 2,
            "BUREAU_BALANCE_WORST_STATUS_MAX": 3,
            "BUREAU_BALANCE_RECENT_WORST_STATUS_MAX": 1,
            "BUREAU_BALANCE_LAST_DPD_MONTH_MAX": -1,
            "BUREAU_BALANCE_DPD_MONTH_SHARE": 3 / 5,
            "BUREAU_BALANCE_UNKNOWN_MONTH_SHARE": 1 / 6,
            # last 12 months: loan 11 has months 0 (on time) and -1 (late), -2 unknown; loan 12 month 0 closed
            "BUREAU_BALANCE_RECENT_DPD_MONTH_SHARE": 1 / 3,
        },
    )


def test_unknown_status_of_a_loan_gives_zero_counts_not_nulls(bureau_tables):
    row = _row(bureau_features(*bureau_tables), client=2)

    _assert_values(
        row,
        {
            "BUREAU_LOAN_COUNT": 1,
            "BUREAU_ACTIVE_LOAN_COUNT": 0,
            "BUREAU_ACTIVE_LOAN_SHARE": 0.0,
            "BUREAU_CAR_OR_MORTGAGE_COUNT": 1,
            "BUREAU_BALANCE_LOAN_COUNT": 0,
            "BUREAU_BALANCE_MONTHS_SUM": None,
        },
    )


def test_installments_lateness_payment_ratio_and_recency(make_typed):
    instalments = make_typed(
        "installments_payments",
        [
            dict(
                SK_ID_PREV=7,
                SK_ID_CURR=1,
                NUM_INSTALMENT_VERSION=1.0,
                NUM_INSTALMENT_NUMBER=2,
                DAYS_INSTALMENT=-100.0,
                DAYS_ENTRY_PAYMENT=-90.0,
                AMT_INSTALMENT=100.0,
                AMT_PAYMENT=100.0,
            ),
            dict(
                SK_ID_PREV=7,
                SK_ID_CURR=1,
                NUM_INSTALMENT_VERSION=1.0,
                NUM_INSTALMENT_NUMBER=1,
                DAYS_INSTALMENT=-500.0,
                DAYS_ENTRY_PAYMENT=-510.0,
                AMT_INSTALMENT=200.0,
                AMT_PAYMENT=150.0,
            ),
            dict(
                SK_ID_PREV=8,
                SK_ID_CURR=1,
                NUM_INSTALMENT_VERSION=1.0,
                NUM_INSTALMENT_NUMBER=1,
                DAYS_INSTALMENT=-50.0,
                DAYS_ENTRY_PAYMENT=None,
                AMT_INSTALMENT=100.0,
                AMT_PAYMENT=None,
            ),
            dict(
                SK_ID_PREV=8,
                SK_ID_CURR=1,
                NUM_INSTALMENT_VERSION=1.0,
                NUM_INSTALMENT_NUMBER=2,
                DAYS_INSTALMENT=-30.0,
                DAYS_ENTRY_PAYMENT=-30.0,
                AMT_INSTALMENT=0.0,
                AMT_PAYMENT=0.0,
            ),
        ],
    )
    row = _row(installments_features(instalments))

    _assert_values(
        row,
        {
            "INSTAL_COUNT": 4,
            "INSTAL_LOAN_COUNT": 2,
            "INSTAL_LATE_COUNT": 1,
            "INSTAL_LATE_SHARE": 0.25,
            "INSTAL_SHORT_PAYMENT_COUNT": 1,
            "INSTAL_UNPAID_COUNT": 1,
            "INSTAL_DPD_MEAN": 10 / 3,
            "INSTAL_DPD_MAX": 10,
            "INSTAL_DBD_MAX": 10,  # the unpaid one has no DPD
            "INSTAL_PAYMENT_RATIO_MEAN": (1 + 0.75) / 2,
            "INSTAL_PAYMENT_RATIO_MIN": 0.75,  # 0 due: no ratio
            "INSTAL_PAYMENT_SHORTFALL_SUM": 50,
            "INSTAL_RECENT_COUNT": 3,
            "INSTAL_RECENT_LATE_SHARE": 1 / 3,
            "INSTAL_OLD_LATE_SHARE": 0.0,
            "INSTAL_OLD_PAYMENT_RATIO_MEAN": 0.75,
            "INSTAL_DAYS_ENTRY_PAYMENT_MAX": -30,
        },
    )


def _payment(number: int, paid_on: float | None, amount: float | None, **instalment) -> dict:
    due = dict(
        SK_ID_PREV=7, SK_ID_CURR=1, NUM_INSTALMENT_VERSION=1.0, DAYS_INSTALMENT=-100.0, AMT_INSTALMENT=90.0
    )
    return {
        **due,
        **instalment,
        "NUM_INSTALMENT_NUMBER": number,
        "DAYS_ENTRY_PAYMENT": paid_on,
        "AMT_PAYMENT": amount,
    }


def test_a_split_payment_is_one_instalment_paid_in_full_on_its_last_payment_date(make_typed):
    instalments = make_typed(
        "installments_payments",
        [
            # Instalment 1, split in three payments that settle it (0.1 + 0.2 is not 0.3 in floats).
            _payment(1, -105.0, 29.9),
            _payment(1, -101.0, 60.0),
            _payment(1, -95.0, 0.1),
            # Instalment 2 of a new version, split in two payments that fall short together.
            _payment(2, -80.0, 40.0, NUM_INSTALMENT_VERSION=2.0, DAYS_INSTALMENT=-70.0),
            _payment(2, -75.0, 30.0, NUM_INSTALMENT_VERSION=2.0, DAYS_INSTALMENT=-70.0),
            # Instalment 3, paid at once, on time.
            _payment(3, -40.0, 90.0, DAYS_INSTALMENT=-40.0),
        ],
    )
    row = _row(installments_features(instalments))

    _assert_values(
        row,
        {
            "INSTAL_COUNT": 3,  # instalments, not payment rows
            "INSTAL_LATE_COUNT": 1,  # instalment 1, settled 5 days late by its last payment
            "INSTAL_LATE_SHARE": 1 / 3,
            "INSTAL_DPD_MAX": 5,
            "INSTAL_DBD_MAX": 5,  # instalment 2 settled 5 days early
            "INSTAL_SHORT_PAYMENT_COUNT": 1,  # only instalment 2, short of 20 in total
            "INSTAL_SHORT_PAYMENT_SHARE": 1 / 3,
            "INSTAL_RECENT_SHORT_PAYMENT_SHARE": 1 / 3,
            "INSTAL_PAYMENT_RATIO_MIN": 70 / 90,
            "INSTAL_PAYMENT_RATIO_MEAN": (1 + 70 / 90 + 1) / 3,
            "INSTAL_PAYMENT_SHORTFALL_SUM": 20,
            "INSTAL_AMT_INSTALMENT_SUM": 270,
            "INSTAL_AMT_PAYMENT_SUM": 250,
            "INSTAL_UNPAID_COUNT": 0,
        },
    )


def test_credit_card_utilisation_guards_a_zero_limit(make_typed):
    cards = make_typed(
        "credit_card_balance",
        [
            dict(
                SK_ID_PREV=5,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-1,
                AMT_BALANCE=500.0,
                AMT_CREDIT_LIMIT_ACTUAL=1000,
                AMT_PAYMENT_TOTAL_CURRENT=10.0,
                AMT_INST_MIN_REGULARITY=20.0,
                SK_DPD=0,
            ),
            dict(
                SK_ID_PREV=5,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-2,
                AMT_BALANCE=1500.0,
                AMT_CREDIT_LIMIT_ACTUAL=1000,
                AMT_PAYMENT_TOTAL_CURRENT=40.0,
                AMT_INST_MIN_REGULARITY=20.0,
                SK_DPD=3,
            ),
            dict(
                SK_ID_PREV=6,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-30,
                AMT_BALANCE=-20.0,
                AMT_CREDIT_LIMIT_ACTUAL=0,
                AMT_PAYMENT_TOTAL_CURRENT=0.0,
                AMT_INST_MIN_REGULARITY=0.0,
                SK_DPD=0,
            ),
        ],
    )
    row = _row(credit_card_features(cards))

    _assert_values(
        row,
        {
            "CC_MONTH_COUNT": 3,
            "CC_CARD_COUNT": 2,
            "CC_UTILISATION_MEAN": 1.0,
            "CC_UTILISATION_MAX": 1.5,
            "CC_RECENT_UTILISATION_MEAN": 1.0,
            "CC_OVER_LIMIT_MONTH_COUNT": 1,
            "CC_BELOW_MINIMUM_COUNT": 1,
            "CC_BELOW_MINIMUM_SHARE": 1 / 3,
            "CC_PAYMENT_MINIMUM_RATIO_MEAN": (0.5 + 2.0) / 2,
            "CC_DPD_MONTH_COUNT": 1,
            "CC_SK_DPD_MAX": 3,
            "CC_MONTHS_BALANCE_MAX": -1,
        },
    )


def test_previous_applications_status_asked_vs_granted_and_sentinels(make_typed):
    previous = make_typed(
        "previous_application",
        [
            dict(
                SK_ID_PREV=1,
                SK_ID_CURR=1,
                NAME_CONTRACT_STATUS="Approved",
                AMT_APPLICATION=100.0,
                AMT_CREDIT=110.0,
                DAYS_DECISION=-30,
                DAYS_TERMINATION=float(DAYS_SENTINEL),
                DAYS_LAST_DUE_1ST_VERSION=60.0,
                NAME_CASH_LOAN_PURPOSE="XAP",
                CODE_REJECT_REASON="XAP",
                NAME_CONTRACT_TYPE="Consumer loans",
            ),
            dict(
                SK_ID_PREV=2,
                SK_ID_CURR=1,
                NAME_CONTRACT_STATUS="Refused",
                AMT_APPLICATION=200.0,
                AMT_CREDIT=0.0,
                DAYS_DECISION=-400,
                DAYS_TERMINATION=-300.0,
                CODE_REJECT_REASON="LIMIT",
                NAME_CONTRACT_TYPE="Cash loans",
            ),
            dict(
                SK_ID_PREV=3,
                SK_ID_CURR=1,
                NAME_CONTRACT_STATUS="Canceled",
                AMT_APPLICATION=0.0,
                AMT_CREDIT=0.0,
                DAYS_DECISION=-900,
                NAME_CONTRACT_TYPE="XNA",
                NAME_CLIENT_TYPE="XNA",
            ),
        ],
    )
    row = _row(previous_application_features(previous))

    _assert_values(
        row,
        {
            "PREV_APPLICATION_COUNT": 3,
            "PREV_APPROVED_COUNT": 1,
            "PREV_REFUSED_COUNT": 1,
            "PREV_CANCELED_COUNT": 1,
            "PREV_APPROVED_SHARE": 1 / 3,
            "PREV_RECENT_APPLICATION_COUNT": 1,
            "PREV_RECENT_REFUSED_COUNT": 0,
            "PREV_CREDIT_APPLICATION_RATIO_MEAN": 0.55,
            "PREV_CREDIT_APPLICATION_RATIO_MIN": 0.0,
            "PREV_APPLICATION_CREDIT_DIFFERENCE_MEAN": (-10 + 200 + 0) / 3,
            "PREV_REJECT_LIMIT_COUNT": 1,
            "PREV_REFUSED_AMT_APPLICATION_MEAN": 200,
            "PREV_REFUSED_DAYS_DECISION_MAX": -400,
            "PREV_RUNNING_LOAN_COUNT": 1,
            "PREV_CONSUMER_LOAN_COUNT": 1,
            "PREV_CASH_LOAN_COUNT": 1,
            # 365243 is "no date": it becomes NULL (no maximum from it) and counts in the sentinel share.
            "PREV_DAYS_TERMINATION_SENTINEL_SHARE": 1 / 3,
            "PREV_DAYS_DECISION_MAX": -30,
            "PREV_XNA_FIELD_COUNT_MEAN": (2 + 0 + 2) / 3,
            "PREV_LAST_APPROVED": 1,
            "PREV_LAST_REFUSED": 0,
            "PREV_LAST_CREDIT_APPLICATION_RATIO": 1.1,
        },
    )


def test_most_recent_previous_application_breaks_ties_and_ignores_missing_dates(make_typed):
    def application(prev: int, client: int, status: str, days: int | None, credit: float) -> dict:
        return dict(
            SK_ID_PREV=prev,
            SK_ID_CURR=client,
            NAME_CONTRACT_STATUS=status,
            DAYS_DECISION=days,
            AMT_APPLICATION=100.0,
            AMT_CREDIT=credit,
        )

    previous = make_typed(
        "previous_application",
        [
            application(11, 1, "Approved", -10, 100.0),
            application(12, 1, "Refused", -10, 0.0),  # same day, later identifier: the most recent
            application(13, 1, "Approved", -500, 90.0),
            application(21, 2, "Refused", None, 0.0),  # no decision date: never the most recent
            application(22, 2, "Canceled", -700, 50.0),
        ],
    )
    features = previous_application_features(previous)

    _assert_values(
        _row(features, 1),
        {"PREV_LAST_REFUSED": 1, "PREV_LAST_APPROVED": 0, "PREV_LAST_CREDIT_APPLICATION_RATIO": 0.0},
    )
    _assert_values(
        _row(features, 2),
        {"PREV_LAST_REFUSED": 0, "PREV_LAST_APPROVED": 0, "PREV_LAST_CREDIT_APPLICATION_RATIO": 0.5},
    )


def test_pos_cash_past_due_months_and_recency(make_typed):
    pos = make_typed(
        "POS_CASH_balance",
        [
            dict(
                SK_ID_PREV=4,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-1,
                CNT_INSTALMENT=12.0,
                CNT_INSTALMENT_FUTURE=3.0,
                SK_DPD=0,
                SK_DPD_DEF=0,
                NAME_CONTRACT_STATUS="Active",
            ),
            dict(
                SK_ID_PREV=4,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-20,
                CNT_INSTALMENT=12.0,
                CNT_INSTALMENT_FUTURE=12.0,
                SK_DPD=5,
                SK_DPD_DEF=1,
                NAME_CONTRACT_STATUS="Active",
            ),
            dict(
                SK_ID_PREV=9,
                SK_ID_CURR=1,
                MONTHS_BALANCE=-2,
                SK_DPD=0,
                SK_DPD_DEF=0,
                NAME_CONTRACT_STATUS="XNA",
            ),
        ],
    )
    row = _row(pos_cash_features(pos))

    _assert_values(
        row,
        {
            "POS_MONTH_COUNT": 3,
            "POS_LOAN_COUNT": 2,
            "POS_DPD_MONTH_COUNT": 1,
            "POS_DPD_DEF_MONTH_COUNT": 1,
            "POS_RECENT_DPD_MONTH_COUNT": 0,
            "POS_SK_DPD_MAX": 5,
            "POS_RECENT_SK_DPD_MAX": 0,
            "POS_REMAINING_INSTALMENT_SHARE_MEAN": (0.25 + 1.0) / 2,
            "POS_ACTIVE_MONTH_SHARE": 2 / 3,
            "POS_MONTHS_BALANCE_MIN": -20,
        },
    )


def test_header_only_history_gives_no_rows(make_typed):
    empty = make_typed("installments_payments", pd.DataFrame())

    assert installments_features(empty).to_pandas().empty
