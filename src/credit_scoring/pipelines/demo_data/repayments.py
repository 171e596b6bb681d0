"""``POS_CASH_balance`` and ``installments_payments`` of the approved POS and cash loans.

Both come from the same schedule: instalment k of a loan falls due ``first_due + 30 (k - 1)`` days after the
application date reference, up to the loan's term, its early repayment, or the application date (day 0). A
loan-level payment-discipline score drives late payments (days past due), short payments (sometimes completed
by a second payment), a few missing payments and schedule changes (a new instalment version).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from .expand import expand
from .marginals import as_object
from .previous import CARD, Loans

MONTH = 30
HISTORY_MONTHS = 96


def due_counts(loans: Loans, selection: np.ndarray) -> np.ndarray:
    """Number of instalments already due (by day 0 or by the loan's end) for the selected loans."""
    first_due = loans.first_due[selection]
    horizon = np.where(np.isnan(loans.end[selection]), -1.0, loans.end[selection])
    due = np.floor((np.minimum(horizon, -1.0) - first_due) / MONTH) + 1
    return np.clip(due, 0, loans.payments[selection]).astype(np.int64)


def generate_installments(rng: np.random.Generator, loans: Loans, sk_id_curr: np.ndarray) -> pd.DataFrame:
    """One row per payment of every due instalment of the POS and cash loans."""
    selection = np.flatnonzero(loans.family != CARD)
    counts = due_counts(loans, selection)
    parent, position = expand(counts)
    loan = selection[parent]
    n = loan.shape[0]
    behaviour = loans.behaviour[loan]
    number = position + 1
    due_day = loans.first_due[loan] + MONTH * position

    # Schedule changes: from a random instalment on, a new version with a different amount.
    changed = expit(-2.6 + 0.6 * loans.behaviour) > rng.random(loans.behaviour.shape[0])
    change_at = rng.integers(2, 13, loans.behaviour.shape[0])
    version = np.where(changed[loan] & (number >= change_at[loan]), 2.0, 1.0)
    amount = loans.annuity[loan] * np.where(
        version == 2.0, rng.uniform(0.4, 1.6, loans.behaviour.shape[0])[loan], 1.0
    )
    last = position == counts[parent] - 1
    prepaid = ~np.isnan(loans.end[loan]) & (counts[parent] < loans.payments[loan]) & last
    amount = np.where(prepaid, amount * (loans.payments[loan] - position) * 0.85, amount)
    amount = np.round(amount, 3)

    late = rng.random(n) < expit(-3.1 + 1.25 * behaviour)
    delay = np.where(
        late,
        np.ceil(rng.exponential(6.0 * np.exp(0.45 * behaviour))),
        -np.floor(rng.exponential(9.0, n)) * (rng.random(n) < 0.7),
    )
    short = rng.random(n) < expit(-4.3 + 1.3 * behaviour)
    recent = due_day > -75
    unpaid = recent & (rng.random(n) < expit(-6.0 + 1.6 * behaviour))
    # Some instalments are simply paid in two parts a few days apart.
    split = ~short & ~unpaid & (rng.random(n) < 0.1)
    paid_share = np.select([short, split], [rng.uniform(0.05, 0.95, n), rng.uniform(0.3, 0.7, n)], 1.0)

    payment = np.where(unpaid, np.nan, np.round(amount * paid_share, 3))
    entry = np.where(unpaid, np.nan, np.minimum(due_day + delay, -1))
    rows = {
        "SK_ID_PREV": loans.sk_id_prev[loan],
        "SK_ID_CURR": sk_id_curr[loans.client[loan]],
        "NUM_INSTALMENT_VERSION": version,
        "NUM_INSTALMENT_NUMBER": number.astype(np.int64),
        "DAYS_INSTALMENT": due_day,
        "DAYS_ENTRY_PAYMENT": entry,
        "AMT_INSTALMENT": amount,
        "AMT_PAYMENT": payment,
    }
    # A short payment is often completed by a second payment for the same instalment, later.
    topped_up = (short & ~unpaid & (rng.random(n) < 0.6)) | split
    extra = {k: v[topped_up] for k, v in rows.items()}
    gap = np.where(split, rng.integers(0, 8, n), rng.integers(1, 40, n))[topped_up]
    extra["DAYS_ENTRY_PAYMENT"] = np.minimum(extra["DAYS_ENTRY_PAYMENT"] + gap, -1)
    extra["AMT_PAYMENT"] = np.round(amount[topped_up] - payment[topped_up], 3)
    frame = pd.concat([pd.DataFrame(rows), pd.DataFrame(extra)], ignore_index=True)
    return frame


def generate_pos_cash(rng: np.random.Generator, loans: Loans, sk_id_curr: np.ndarray) -> pd.DataFrame:
    """Monthly status of the POS and cash loans, from the month they start to month -1 (or their end)."""
    selection = np.flatnonzero(loans.family != CARD)
    start = np.maximum(np.floor(loans.decision[selection] / MONTH), -HISTORY_MONTHS).astype(np.int64)
    finished = ~np.isnan(loans.end[selection])
    stop = np.where(finished, np.minimum(np.floor(np.nan_to_num(loans.end[selection]) / MONTH) + 1, -1), -1)
    stop = np.maximum(stop, start).astype(np.int64)
    counts = stop - start + 1
    parent, position = expand(counts)
    loan = selection[parent]
    month = stop[parent] - position  # latest month first, as in the real file
    n = loan.shape[0]
    term = loans.payments[loan].astype(float)
    elapsed = np.floor((month * MONTH - loans.first_due[loan]) / MONTH) + 1
    future = np.clip(term - np.clip(elapsed, 0, None), 0, None)
    final_month = finished[parent] & (position == 0)
    future = np.where(final_month, 0.0, future)

    status = np.full(n, "Active", dtype=object)
    status[final_month] = "Completed"
    status[(position == counts[parent] - 1) & (rng.random(n) < 0.12)] = "Signed"
    status[(status == "Active") & (rng.random(n) < 0.0007)] = "Returned to the store"
    status[(status == "Active") & (rng.random(n) < 0.0005)] = "Approved"

    # Delinquency episodes: a risky loan falls behind from some month on, and days past due pile up.
    behaviour = loans.behaviour[loan]
    delinquent = expit(-3.2 + 1.6 * loans.behaviour) > rng.random(loans.behaviour.shape[0])
    behind_from = rng.integers(0, 12, loans.behaviour.shape[0])
    months_behind = np.clip(counts[parent] - 1 - position - behind_from[loan], 0, None)
    dpd = np.where(
        delinquent[loan] & (months_behind > 0) & ~final_month,
        months_behind * MONTH - rng.integers(0, 25, n),
        0,
    )
    dpd = np.clip(dpd, 0, None).astype(np.int64)
    dpd_def = np.where(rng.random(n) < expit(-0.5 + 0.8 * behaviour), dpd, 0).astype(np.int64)
    status[(dpd > 90) & (rng.random(n) < 0.05)] = "Demand"
    status[(dpd > 360) & (rng.random(n) < 0.05)] = "Amortized debt"

    instalments = term.copy()
    missing = rng.random(n) < 0.0028
    instalments[missing], future[missing] = np.nan, np.nan
    return pd.DataFrame(
        {
            "SK_ID_PREV": loans.sk_id_prev[loan],
            "SK_ID_CURR": sk_id_curr[loans.client[loan]],
            "MONTHS_BALANCE": month,
            "CNT_INSTALMENT": instalments,
            "CNT_INSTALMENT_FUTURE": future,
            "NAME_CONTRACT_STATUS": as_object(status),
            "SK_DPD": dpd,
            "SK_DPD_DEF": dpd_def,
        }
    )
