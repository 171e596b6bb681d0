"""A tiny, deterministic, schema-complete set of raw tables, for tests and examples of the online path.

Not the demo data (that is the demo_data pipeline's job): a few dozen clients that exercise every rule of
validation and every feature, with the quirks of the real files: sentinels (365243 days, XNA/XAP), clients
with no history at all or only some tables, bureau loans without monthly rows, card and POS rows whose
previous application is absent, history rows of unknown clients, unpaid instalments, negative card balances.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from credit_scoring.features import schema
from credit_scoring.raw_schema import DAYS_SENTINEL, HISTORY_TABLES, RAW_TABLES

Generator = Callable[[np.random.Generator, int], np.ndarray]


def _uniform(low: float, high: float, decimals: int = 2) -> Generator:
    return lambda rng, n: np.round(rng.uniform(low, high, n), decimals)


def _integers(low: int, high: int) -> Generator:
    return lambda rng, n: rng.integers(low, high + 1, n).astype(float)


def _amount(median: float, spread: float = 0.6) -> Generator:
    return lambda rng, n: np.round(median * rng.lognormal(0.0, spread, n) / 500) * 500 + 0.0


_SPECIFIC: dict[str, dict[str, Generator]] = {
    "application": {
        "TARGET": lambda rng, n: (rng.random(n) < 0.2).astype(float),
        "CNT_CHILDREN": _integers(0, 3),
        "AMT_INCOME_TOTAL": _amount(150_000),
        "AMT_CREDIT": _amount(500_000),
        "AMT_ANNUITY": _amount(25_000, 0.4),
        "AMT_GOODS_PRICE": _amount(450_000),
        "DAYS_BIRTH": _integers(-25_000, -7_700),
        "DAYS_EMPLOYED": _integers(-15_000, -20),
        "DAYS_REGISTRATION": _integers(-20_000, 0),
        "DAYS_ID_PUBLISH": _integers(-6_000, 0),
        "OWN_CAR_AGE": _integers(0, 30),
        "CNT_FAM_MEMBERS": _integers(1, 5),
        "REGION_RATING_CLIENT": _integers(1, 3),
        "REGION_RATING_CLIENT_W_CITY": _integers(1, 3),
        "HOUR_APPR_PROCESS_START": _integers(0, 23),
        "OBS_30_CNT_SOCIAL_CIRCLE": _integers(0, 10),
        "DEF_30_CNT_SOCIAL_CIRCLE": _integers(0, 2),
        "OBS_60_CNT_SOCIAL_CIRCLE": _integers(0, 10),
        "DEF_60_CNT_SOCIAL_CIRCLE": _integers(0, 2),
        "DAYS_LAST_PHONE_CHANGE": _integers(-4_000, 0),
        **{column: _integers(0, 3) for column in schema.BUREAU_REQUEST_COLUMNS},
    },
    "bureau": {
        "DAYS_CREDIT": _integers(-2_900, 0),
        "CREDIT_DAY_OVERDUE": lambda rng, n: np.where(rng.random(n) < 0.1, rng.integers(1, 90, n), 0).astype(
            float
        ),
        "DAYS_CREDIT_ENDDATE": _integers(-2_500, 3_000),
        "DAYS_ENDDATE_FACT": _integers(-2_500, -1),
        "AMT_CREDIT_MAX_OVERDUE": _amount(3_000),
        "CNT_CREDIT_PROLONG": lambda rng, n: (rng.random(n) < 0.05).astype(float),
        "AMT_CREDIT_SUM": _amount(200_000),
        "AMT_CREDIT_SUM_DEBT": lambda rng, n: np.round(rng.uniform(-1_000, 150_000, n), 2),
        "AMT_CREDIT_SUM_LIMIT": lambda rng, n: np.round(rng.uniform(-500, 50_000, n), 2),
        "AMT_CREDIT_SUM_OVERDUE": lambda rng, n: np.where(rng.random(n) < 0.05, 1_234.5, 0.0),
        "DAYS_CREDIT_UPDATE": _integers(-2_900, 0),
        "AMT_ANNUITY": _amount(10_000),
    },
    "bureau_balance": {"MONTHS_BALANCE": _integers(-60, 0)},
    "previous_application": {
        "AMT_ANNUITY": _amount(15_000),
        "AMT_APPLICATION": _amount(150_000),
        "AMT_CREDIT": _amount(160_000),
        "AMT_DOWN_PAYMENT": _amount(5_000),
        "AMT_GOODS_PRICE": _amount(150_000),
        "RATE_DOWN_PAYMENT": _uniform(0, 0.5, 6),
        "RATE_INTEREST_PRIMARY": _uniform(0.05, 0.5, 6),
        "RATE_INTEREST_PRIVILEGED": _uniform(0.4, 0.9, 6),
        "DAYS_DECISION": _integers(-2_900, -2),
        "SELLERPLACE_AREA": _integers(-1, 5_000),
        "CNT_PAYMENT": _integers(6, 48),
        "DAYS_FIRST_DRAWING": _integers(-2_900, -2),
        "DAYS_FIRST_DUE": _integers(-2_900, -2),
        "DAYS_LAST_DUE_1ST_VERSION": _integers(-2_800, 1_500),
        "DAYS_LAST_DUE": _integers(-2_800, -2),
        "DAYS_TERMINATION": _integers(-2_800, -2),
    },
    "POS_CASH_balance": {
        "MONTHS_BALANCE": _integers(-96, -1),
        "CNT_INSTALMENT": _integers(6, 48),
        "CNT_INSTALMENT_FUTURE": _integers(0, 24),
        "SK_DPD": lambda rng, n: np.where(rng.random(n) < 0.1, rng.integers(1, 60, n), 0).astype(float),
        "SK_DPD_DEF": lambda rng, n: np.where(rng.random(n) < 0.05, rng.integers(1, 30, n), 0).astype(float),
    },
    "installments_payments": {
        "NUM_INSTALMENT_VERSION": _integers(0, 2),
        "NUM_INSTALMENT_NUMBER": _integers(1, 24),
        "DAYS_INSTALMENT": _integers(-2_900, -1),
        "AMT_INSTALMENT": _amount(10_000),
    },
    "credit_card_balance": {
        "MONTHS_BALANCE": _integers(-96, -1),
        "AMT_BALANCE": lambda rng, n: np.round(rng.uniform(-2_000, 200_000, n), 3),
        "AMT_CREDIT_LIMIT_ACTUAL": lambda rng, n: rng.choice([0.0, 45_000.0, 135_000.0, 270_000.0], n),
        "AMT_DRAWINGS_ATM_CURRENT": _amount(5_000),
        "AMT_DRAWINGS_CURRENT": _amount(6_000),
        "AMT_DRAWINGS_OTHER_CURRENT": _amount(100),
        "AMT_DRAWINGS_POS_CURRENT": _amount(3_000),
        "AMT_INST_MIN_REGULARITY": _amount(5_000),
        "AMT_PAYMENT_CURRENT": _amount(7_000),
        "AMT_PAYMENT_TOTAL_CURRENT": _amount(6_000),
        "AMT_RECEIVABLE_PRINCIPAL": lambda rng, n: np.round(rng.uniform(-2_000, 180_000, n), 3),
        "AMT_RECIVABLE": lambda rng, n: np.round(rng.uniform(-2_000, 190_000, n), 3),
        "AMT_TOTAL_RECEIVABLE": lambda rng, n: np.round(rng.uniform(-2_000, 190_000, n), 3),
        "CNT_DRAWINGS_ATM_CURRENT": _integers(0, 5),
        "CNT_DRAWINGS_CURRENT": _integers(0, 20),
        "CNT_DRAWINGS_OTHER_CURRENT": _integers(0, 1),
        "CNT_DRAWINGS_POS_CURRENT": _integers(0, 15),
        "CNT_INSTALMENT_MATURE_CUM": _integers(0, 60),
        "SK_DPD": lambda rng, n: np.where(rng.random(n) < 0.1, rng.integers(1, 60, n), 0).astype(float),
        "SK_DPD_DEF": lambda rng, n: np.where(rng.random(n) < 0.05, rng.integers(1, 30, n), 0).astype(float),
    },
}
_NULLABLE_SHARE = 0.25


def _column(rng: np.random.Generator, table: str, column: str, kind: str, n: int) -> np.ndarray | list:
    family = "application" if table.startswith("application") else table
    generator = _SPECIFIC.get(family, {}).get(column)
    if kind == "string":
        levels = sorted(set(schema.KNOWN_CATEGORIES[table][column]) - set(schema.NULL_CODES))
        return list(rng.choice(levels, n))
    if generator is not None:
        return generator(rng, n)
    low, high = schema.PLAUSIBLE_RANGES.get(table, {}).get(column, (None, None))
    if low is not None and high is not None:
        if kind == "int64":
            return _integers(int(low), int(high))(rng, n)
        return _uniform(low, high, 6)(rng, n)
    return _amount(50_000)(rng, n)


def _table(rng: np.random.Generator, table: str, n: int, fixed: dict[str, np.ndarray]) -> pd.DataFrame:
    data: dict[str, object] = {}
    required = set(schema.REQUIRED_NON_NULL[table])
    for column, kind in RAW_TABLES[table].items():
        values = fixed[column] if column in fixed else _column(rng, table, column, kind, n)
        series = pd.Series(values, dtype=object if kind == "string" else "float64")
        if kind != "int64" and column not in required:
            series = series.mask(rng.random(n) < _NULLABLE_SHARE)
        data[column] = series
    frame = pd.DataFrame(data)
    for column, kind in RAW_TABLES[table].items():
        if kind == "int64":
            frame[column] = frame[column].astype("int64")
        elif kind == "string":
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def make_raw_tables(n_train: int = 48, n_test: int = 16, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Raw tables keyed by Kaggle table name, with the real column order and types (int64, float64, text)."""
    rng = np.random.default_rng(seed)
    train_ids = np.arange(100_001, 100_001 + n_train)
    test_ids = np.arange(200_001, 200_001 + n_test)
    clients = np.concatenate([train_ids, test_ids])
    tables = {
        "application_train": _table(rng, "application_train", n_train, {"SK_ID_CURR": train_ids}),
        "application_test": _table(rng, "application_test", n_test, {"SK_ID_CURR": test_ids}),
    }
    for name in ("application_train", "application_test"):
        app = tables[name]
        pensioners = rng.random(len(app)) < 0.2
        app.loc[pensioners, "DAYS_EMPLOYED"] = DAYS_SENTINEL
        app.loc[pensioners, "ORGANIZATION_TYPE"] = "XNA"
        app.loc[app.index[1], "CODE_GENDER"] = "XNA"

    # Every third client has no history at all; the others have some tables only.
    with_history = clients[np.arange(len(clients)) % 3 != 0]
    orphan_clients = np.array([999_001, 999_002])
    bureau_owners = np.concatenate([rng.choice(with_history, 3 * len(with_history)), orphan_clients])
    bureau = _table(
        rng,
        "bureau",
        len(bureau_owners),
        {
            "SK_ID_CURR": bureau_owners,
            "SK_ID_BUREAU": np.arange(5_000_001, 5_000_001 + len(bureau_owners)),
        },
    )
    unknown_bureau_loans = np.array([5_999_001, 5_999_002])
    loans_with_balance = np.concatenate(
        [bureau["SK_ID_BUREAU"].to_numpy()[rng.random(len(bureau)) < 0.7], unknown_bureau_loans]
    )
    balance_loans = np.repeat(loans_with_balance, rng.integers(1, 13, len(loans_with_balance)))
    balance = _table(rng, "bureau_balance", len(balance_loans), {"SK_ID_BUREAU": balance_loans})
    balance = balance.drop_duplicates(["SK_ID_BUREAU", "MONTHS_BALANCE"]).reset_index(drop=True)

    previous_owners = np.concatenate([rng.choice(with_history, 2 * len(with_history)), orphan_clients[:1]])
    previous = _table(
        rng,
        "previous_application",
        len(previous_owners),
        {
            "SK_ID_CURR": previous_owners,
            "SK_ID_PREV": np.arange(1_000_001, 1_000_001 + len(previous_owners)),
        },
    )
    for column in schema.DAYS_SENTINEL_COLUMNS["previous_application"]:
        previous.loc[rng.random(len(previous)) < 0.2, column] = DAYS_SENTINEL
    previous.loc[rng.random(len(previous)) < 0.5, "NAME_CASH_LOAN_PURPOSE"] = "XAP"
    previous.loc[rng.random(len(previous)) < 0.2, "NAME_GOODS_CATEGORY"] = "XNA"
    previous.loc[rng.random(len(previous)) < 0.1, "CODE_REJECT_REASON"] = "XNA"

    loans = previous[["SK_ID_PREV", "SK_ID_CURR"]].to_numpy()
    unknown_loans = np.column_stack([[1_900_001, 1_900_002], rng.choice(with_history, 2)])

    def monthly(table: str, share: float, months: int) -> pd.DataFrame:
        chosen = np.concatenate([loans[rng.random(len(loans)) < share], unknown_loans])
        repeated = np.repeat(chosen, rng.integers(1, months + 1, len(chosen)), axis=0)
        return _table(rng, table, len(repeated), {"SK_ID_PREV": repeated[:, 0], "SK_ID_CURR": repeated[:, 1]})

    pos = monthly("POS_CASH_balance", 0.6, 10)
    pos.loc[pos.index[:1], "NAME_CONTRACT_STATUS"] = "XNA"
    card = monthly("credit_card_balance", 0.3, 10)
    instalments = monthly("installments_payments", 0.7, 12)
    delay = rng.integers(-20, 30, len(instalments)) * (rng.random(len(instalments)) < 0.5)
    instalments["DAYS_ENTRY_PAYMENT"] = instalments["DAYS_INSTALMENT"] + delay
    instalments["AMT_PAYMENT"] = np.round(
        instalments["AMT_INSTALMENT"] * np.where(rng.random(len(instalments)) < 0.15, 0.5, 1.0), 3
    )
    unpaid = rng.random(len(instalments)) < 0.05
    instalments.loc[unpaid, ["DAYS_ENTRY_PAYMENT", "AMT_PAYMENT"]] = np.nan

    tables.update(
        {
            "bureau": bureau,
            "bureau_balance": balance,
            "previous_application": previous,
            "POS_CASH_balance": pos,
            "installments_payments": instalments,
            "credit_card_balance": card,
        }
    )
    return tables


def client_history(tables: dict[str, pd.DataFrame], sk_id_curr: int) -> dict[str, pd.DataFrame]:
    """The rows of one client in each history table (bureau_balance through the client's bureau loans)."""
    history = {}
    for table in HISTORY_TABLES:
        frame = tables[table]
        if table == "bureau_balance":
            loans = tables["bureau"].loc[tables["bureau"]["SK_ID_CURR"] == sk_id_curr, "SK_ID_BUREAU"]
            history[table] = frame[frame["SK_ID_BUREAU"].isin(loans)].reset_index(drop=True)
        else:
            history[table] = frame[frame["SK_ID_CURR"] == sk_id_curr].reset_index(drop=True)
    return history
