"""``credit_card_balance`` of the approved revolving loans, and their payments for ``installments_payments``.

A card has a limit, a usage propensity and a utilisation level; the riskier the holder's payment discipline, the
closer the balance runs to the limit and the more often the monthly payment falls short of the minimum instalment
(days past due accumulate). Drawings are what makes the balance move between months, net of the payments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from .expand import expand
from .marginals import as_object, inverse_cdf, uniform
from .previous import CARD, Loans

MONTH = 30
HISTORY_MONTHS = 96
MIN_PAYMENT_RATE = 0.05


def generate_credit_card(
    rng: np.random.Generator, loans: Loans, sk_id_curr: np.ndarray, profile: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly card balances, and one instalment-payment row (version 0) per month with a payment."""
    columns = profile["tables"]["credit_card_balance"]["columns"]
    cards = np.flatnonzero(loans.family == CARD)
    k = cards.shape[0]
    start = np.maximum(np.floor(loans.decision[cards] / MONTH), -HISTORY_MONTHS).astype(np.int64)
    closed = ~np.isnan(loans.end[cards])
    stop = np.where(closed, np.minimum(np.floor(np.nan_to_num(loans.end[cards]) / MONTH) + 1, -1), -1)
    stop = np.maximum(stop, start).astype(np.int64)
    counts = stop - start + 1
    parent, position = expand(counts)
    card = cards[parent]
    n = card.shape[0]
    month = start[parent] + position  # oldest first here; re-ordered at the end

    behaviour = loans.behaviour[cards]
    limit_column = dict(columns["AMT_CREDIT_LIMIT_ACTUAL"], zero_share=0.0)
    card_limit = np.round(inverse_cdf(rng.uniform(0.2, 1.0, k), limit_column) / 4_500) * 4_500
    used = uniform(0.5 * behaviour + 0.87 * rng.standard_normal(k)) > 0.42
    utilisation = np.clip(uniform(0.9 * behaviour + 0.45 * rng.standard_normal(k) + 0.2), 0.02, 0.99)
    pay_ratio = np.clip(expit(1.2 - 1.1 * behaviour + 0.6 * rng.standard_normal(k)), 0.0, 1.0)

    activated = (position >= 1) | (rng.random(n) < 0.3)
    limit = np.where(activated & (rng.random(n) < 0.97), card_limit[parent], 0.0)
    active_month = used[parent] & activated & (rng.random(n) < 0.85) & (limit > 0)
    level = utilisation[parent] * np.clip(1 + 0.2 * rng.standard_normal(n), 0.3, 1.25)
    balance = np.where(active_month, np.round(limit * level, 3), 0.0)
    first_row = position == 0
    previous_balance = np.where(first_row, 0.0, np.roll(balance, 1))
    minimum = np.round(previous_balance * MIN_PAYMENT_RATE, 3)
    falls_short = rng.random(n) < expit(-3.2 + 1.4 * behaviour[parent])
    paid = np.where(falls_short, minimum * rng.uniform(0.0, 0.9, n),
                    np.maximum(minimum, previous_balance * pay_ratio[parent]))
    paid = np.round(np.where(previous_balance > 0, paid, 0.0), 3)
    drawings = np.round(np.clip(balance - previous_balance + paid, 0, None), 3)
    atm_share = np.where(rng.random(n) < 0.55, 1.0, rng.uniform(0, 0.6, n))
    atm = np.round(drawings * atm_share, 3)
    other = np.where(rng.random(n) < 0.004, np.round(drawings * 0.3, 3), 0.0)
    pos = np.round(drawings - atm - other, 3)
    cnt_atm = np.where(atm > 0, np.ceil(atm / rng.uniform(9_000, 45_000, n)), 0.0)
    cnt_pos = np.where(pos > 0, np.ceil(pos / rng.uniform(1_500, 9_000, n)), 0.0)
    cnt_other = np.where(other > 0, 1.0, 0.0)

    # Days past due: consecutive months paying less than the minimum.
    short_month = falls_short & (minimum > 0)
    streak = _running_streak(short_month, first_row)
    dpd = (streak * MONTH).astype(np.int64)
    dpd_def = np.where(dpd > 0, (rng.random(n) < 0.1) * dpd, 0).astype(np.int64)
    mature = _running_count(paid > 0, first_row).astype(float)

    status = np.full(n, "Active", dtype=object)
    last_row = position == counts[parent] - 1
    status[closed[parent] & last_row] = "Completed"
    status[first_row & (rng.random(n) < 0.1)] = "Signed"
    status[(status == "Active") & (rng.random(n) < 0.0001)] = "Sent proposal"

    no_drawing_info = (drawings == 0) & (rng.random(n) < 0.45)
    no_regularity = first_row | (rng.random(n) < 0.04)
    frame = pd.DataFrame({
        "SK_ID_PREV": loans.sk_id_prev[card], "SK_ID_CURR": sk_id_curr[loans.client[card]],
        "MONTHS_BALANCE": month, "AMT_BALANCE": balance, "AMT_CREDIT_LIMIT_ACTUAL": limit.astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": _blank(atm, no_drawing_info), "AMT_DRAWINGS_CURRENT": drawings,
        "AMT_DRAWINGS_OTHER_CURRENT": _blank(other, no_drawing_info),
        "AMT_DRAWINGS_POS_CURRENT": _blank(pos, no_drawing_info),
        "AMT_INST_MIN_REGULARITY": _blank(minimum, no_regularity),
        "AMT_PAYMENT_CURRENT": _blank(paid, (paid == 0) & (rng.random(n) < 0.55)),
        "AMT_PAYMENT_TOTAL_CURRENT": paid,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.96, 3), "AMT_RECIVABLE": balance,
        "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": _blank(cnt_atm, no_drawing_info),
        "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos + cnt_other).astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": _blank(cnt_other, no_drawing_info),
        "CNT_DRAWINGS_POS_CURRENT": _blank(cnt_pos, no_drawing_info),
        "CNT_INSTALMENT_MATURE_CUM": _blank(mature, no_regularity),
        "NAME_CONTRACT_STATUS": as_object(status), "SK_DPD": dpd, "SK_DPD_DEF": dpd_def,
    })
    payments = _card_payments(rng, frame, paid, minimum, mature)
    order = np.lexsort((-month, parent))
    return frame.iloc[order].reset_index(drop=True), payments


def _blank(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(float).copy()
    out[missing] = np.nan
    return out


def _running_count(flag: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative count of ``flag`` within consecutive groups that begin where ``group_start`` is True."""
    total = np.cumsum(flag)
    base = np.maximum.accumulate(np.where(group_start, total - flag, 0))
    return total - base


def _running_streak(flag: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Length of the current run of True ``flag`` values, restarting at each group start."""
    index = np.arange(flag.shape[0])
    # The row before a run starts is its reset point; a group start resets even inside a run.
    reset = np.where(~flag, index, np.where(group_start, index - 1, -1))
    last_reset = np.maximum.accumulate(reset)
    return np.where(flag, index - last_reset, 0)


def _card_payments(rng: np.random.Generator, frame: pd.DataFrame, paid: np.ndarray, minimum: np.ndarray,
                   mature: np.ndarray) -> pd.DataFrame:
    """The card months with a payment, as ``installments_payments`` rows (instalment version 0)."""
    rows = paid > 0
    due_day = frame["MONTHS_BALANCE"].to_numpy()[rows] * MONTH + rng.integers(0, 25, int(rows.sum()))
    due_day = np.minimum(due_day, -1).astype(float)
    return pd.DataFrame({
        "SK_ID_PREV": frame["SK_ID_PREV"].to_numpy()[rows], "SK_ID_CURR": frame["SK_ID_CURR"].to_numpy()[rows],
        "NUM_INSTALMENT_VERSION": 0.0, "NUM_INSTALMENT_NUMBER": np.maximum(mature[rows], 1).astype(np.int64),
        "DAYS_INSTALMENT": due_day,
        "DAYS_ENTRY_PAYMENT": np.minimum(due_day - np.floor(rng.exponential(5, int(rows.sum()))), -1),
        "AMT_INSTALMENT": np.where(minimum[rows] > 0, minimum[rows], paid[rows]), "AMT_PAYMENT": paid[rows],
    })
