"""``bureau`` (credits reported by other institutions) and ``bureau_balance`` (their monthly status).

Each credit has a type, an opening date, a planned duration and, if it ended before the application date, a
closing date; debts, limits and overdue amounts follow from those dates. Overdue days, overdue amounts and
late monthly statuses come from the client's payment discipline plus credit-level noise, so the bureau carries
default signal that the application table does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from credit_scoring.raw.tables import RAW_TABLES

from .amounts import annuity
from .applications import Clients
from .expand import child_counts, expand, noisy
from .marginals import as_object, draw_index, inverse_cdf, level_shares, uniform

MONTH = 30.4375
#: Planned duration in days (low, high) by credit type; cards are open-ended.
DURATION_DAYS = {
    "Consumer credit": (90, 1_800),
    "Car loan": (700, 2_600),
    "Mortgage": (3_000, 10_000),
    "Microloan": (20, 200),
    "Loan for business development": (300, 1_900),
}
DEFAULT_DURATION = (180, 1_800)
#: Share of bureau credits with monthly balance rows (the real files: 27.3M balance rows for 1.7M credits).
BALANCE_COVERAGE = 0.38
LATE_STATUSES = np.array(["1", "2", "3", "4", "5"], dtype=object)


def generate_bureau(
    rng: np.random.Generator, clients: Clients, profile: Mapping[str, Any], first_id: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bureau credits of the clients known to the bureau, and the monthly balances of part of them."""
    columns = profile["tables"]["bureau"]["columns"]
    known = np.flatnonzero(clients.has_bureau)
    count_score = noisy(rng, -clients.youth[known], 0.5)
    parent, _ = expand(child_counts(count_score, profile["tables"]["bureau"]["rows_per_parent"]))
    owner = known[parent]
    n = owner.shape[0]
    behaviour = noisy(rng, clients.latents.discipline[owner], 0.8)

    credit_type = _levels(rng, columns["CREDIT_TYPE"], n)
    is_card = credit_type == "Credit card"
    days_credit = np.minimum(inverse_cdf(rng.random(n), columns["DAYS_CREDIT"]), 0)
    low, high = _durations(credit_type)
    duration = np.where(is_card, 1_100 + rng.exponential(900, n), low + (high - low) * rng.random(n) ** 1.4)
    planned_end = np.round(days_credit + duration)

    # Cards stay active until closed; fixed-term credits close at (or, prepaid, before) their planned end.
    prepaid = rng.random(n) < 0.55
    early_end = days_credit + (planned_end - days_credit) * rng.uniform(0.2, 0.95, n)
    closing = np.where(prepaid, early_end, planned_end)
    card_closing = np.where(rng.random(n) < 0.7, days_credit + rng.uniform(30, 2_500, n), 1.0)
    closing = np.where(is_card, card_closing, closing)
    closed = closing < -1
    sold = ~closed & (uniform(behaviour) > 0.993)
    status = np.where(closed, "Closed", np.where(sold, "Sold", "Active"))
    end_fact = np.where(closed, np.round(np.clip(closing, days_credit, -1)), np.nan)

    end_date = planned_end.astype(float)
    end_date[is_card & (rng.random(n) < 0.15)] = np.nan
    end_date[is_card & ~np.isnan(end_date) & (rng.random(n) < 0.05)] = 30_000 + rng.integers(0, 1_200)
    end_date[rng.random(n) < 0.025] = np.nan

    update = np.where(closed, end_fact + rng.integers(0, 40, n), -rng.exponential(150, n))
    update = np.round(np.clip(update, days_credit, 0)).astype(np.int64)

    scale = np.where(credit_type == "Mortgage", 4.0, 1.0)
    amount = np.round(inverse_cdf(rng.random(n), columns["AMT_CREDIT_SUM"]) * scale * 2) / 2
    elapsed = np.clip((-days_credit) / np.maximum(duration, 1), 0, 1)
    utilisation = uniform(noisy(rng, behaviour, 0.6) - 0.3)
    debt = np.where(closed, 0.0, np.where(is_card, amount * utilisation, amount * (1 - elapsed) ** 0.8))
    debt = np.round(debt, 2)
    limit = np.where(is_card & ~closed & (rng.random(n) < 0.3), np.round(amount - debt, 2), 0.0)

    late = ~closed & (uniform(behaviour) > 0.985) & (rng.random(n) < 0.35)
    day_overdue = np.where(late, np.round(rng.exponential(60, n) + 1), 0).astype(np.int64)
    overdue = np.where(late, np.round(np.minimum(debt, amount * rng.uniform(0.01, 0.2, n)) + 1, 2), 0.0)
    had_overdue = uniform(behaviour + 0.3 * rng.standard_normal(n)) > 0.8
    max_overdue = np.where(had_overdue, np.round(amount * rng.uniform(0.002, 0.15, n), 2), 0.0)
    max_overdue = np.maximum(max_overdue, overdue)
    prolonged = np.where(uniform(behaviour) > 0.99, rng.integers(1, 3, n), 0).astype(np.int64)
    instalment = np.round(annuity(amount, np.full(n, 0.025), np.maximum(duration / MONTH, 1)), 2)
    monthly = np.where(closed | is_card | (rng.random(n) < 0.3), 0.0, instalment)

    frame = pd.DataFrame(
        {
            "SK_ID_CURR": clients.sk_id_curr[owner],
            "SK_ID_BUREAU": first_id + rng.permutation(n).astype(np.int64),
            "CREDIT_ACTIVE": as_object(status),
            "CREDIT_CURRENCY": as_object(_levels(rng, columns["CREDIT_CURRENCY"], n)),
            "DAYS_CREDIT": np.round(days_credit).astype(np.int64),
            "CREDIT_DAY_OVERDUE": day_overdue,
            "DAYS_CREDIT_ENDDATE": end_date,
            "DAYS_ENDDATE_FACT": end_fact,
            "AMT_CREDIT_MAX_OVERDUE": _with_missing(rng, max_overdue, columns["AMT_CREDIT_MAX_OVERDUE"]),
            "CNT_CREDIT_PROLONG": prolonged,
            "AMT_CREDIT_SUM": amount,
            "AMT_CREDIT_SUM_DEBT": _with_missing(rng, debt, columns["AMT_CREDIT_SUM_DEBT"], keep=~closed),
            "AMT_CREDIT_SUM_LIMIT": _with_missing(rng, limit, columns["AMT_CREDIT_SUM_LIMIT"]),
            "AMT_CREDIT_SUM_OVERDUE": overdue,
            "CREDIT_TYPE": as_object(credit_type),
            "DAYS_CREDIT_UPDATE": update,
            "AMT_ANNUITY": _with_missing(rng, monthly, columns["AMT_ANNUITY"], keep=monthly > 0),
        }
    )[list(RAW_TABLES["bureau"])]
    balance = _monthly_balance(rng, frame, behaviour, closed)
    return frame, balance


def _levels(rng: np.random.Generator, column: Mapping[str, Any], n: int) -> np.ndarray:
    names, shares = level_shares(column)
    return names[draw_index(rng.random(n), shares)]


def _durations(credit_type: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = np.full(credit_type.shape[0], DEFAULT_DURATION[0], dtype=float)
    high = np.full(credit_type.shape[0], DEFAULT_DURATION[1], dtype=float)
    for name, (lo, hi) in DURATION_DAYS.items():
        low[credit_type == name], high[credit_type == name] = lo, hi
    return low, high


def _with_missing(
    rng: np.random.Generator, values: np.ndarray, column: Mapping[str, Any], keep: np.ndarray | None = None
) -> np.ndarray:
    """Blank the profiled share of values, sparing the rows in ``keep`` when possible."""
    out = values.astype(float).copy()
    rate = float(column.get("missing_rate") or 0.0)
    if rate <= 0:
        return out
    candidates = np.ones(out.shape[0], dtype=bool) if keep is None else ~keep
    share = min(rate / max(candidates.mean(), 1e-9), 1.0)
    out[candidates & (rng.random(out.shape[0]) < share)] = np.nan
    return out


def _monthly_balance(
    rng: np.random.Generator, bureau: pd.DataFrame, behaviour: np.ndarray, closed: np.ndarray
) -> pd.DataFrame:
    """One row per month from the credit's opening month to the application month (0), for part of the
    credits.

    Status: 'C' after closing, 'X' when unknown, '0' when paid on time, '1'...'5' when 1-30, ..., 120+ days
    late.
    """
    n = len(bureau)
    covered = np.flatnonzero(rng.random(n) < BALANCE_COVERAGE)
    opened = np.floor(bureau["DAYS_CREDIT"].to_numpy()[covered] / MONTH).astype(np.int64)
    opened = np.maximum(opened, -96)
    row_credit, position = expand(-opened + 1)
    credit = covered[row_credit]
    month = -position  # the real file lists each credit's months from the latest (0) backwards
    end_fact = bureau["DAYS_ENDDATE_FACT"].to_numpy()[credit]
    closed_month = np.where(closed[credit], np.floor(end_fact / MONTH), 1)
    unknown_credit = rng.random(n) < 0.3
    status = np.full(month.shape[0], "0", dtype=object)
    status[unknown_credit[credit] | (rng.random(month.shape[0]) < 0.16)] = "X"
    late_risk = expit(-7.2 + 1.6 * behaviour[credit])
    late = rng.random(month.shape[0]) < late_risk
    severity = draw_index(rng.random(month.shape[0]), np.array([0.0083, 0.0006, 0.0003, 0.0002, 0.0012]))
    status[late] = LATE_STATUSES[severity[late]]
    status[month >= closed_month] = "C"
    return pd.DataFrame(
        {
            "SK_ID_BUREAU": bureau["SK_ID_BUREAU"].to_numpy()[credit],
            "MONTHS_BALANCE": month,
            "STATUS": status,
        }
    )
