"""``credit_card_balance`` of the approved revolving loans, and their payments for ``installments_payments``.

Each card is simulated month by month (vectorised over the cards): drawings raise the balance, interest
accrues, the holder pays between the minimum instalment (5% of the balance) and the whole balance. Cards are
used for a while and then often go dormant (zero balance). The worse the holder's payment discipline, the
closer the balance runs to the limit and the more often the payment falls short of the minimum, so days past
due pile up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
MONTHLY_INTEREST = 0.025
TICKET_ATM, TICKET_POS = 22_500.0, 4_500.0
MONTHLY_COLUMNS = ("balance", "limit", "paid", "minimum", "drawn", "atm", "dpd", "mature")


@dataclass(frozen=True)
class _Cards:
    """Per-card constants of the simulation."""

    limit: np.ndarray
    active_months: np.ndarray
    draw_chance: np.ndarray
    draw_size: np.ndarray
    pay_share: np.ndarray
    short_chance: np.ndarray
    atm_share: np.ndarray
    no_limit: np.ndarray
    """Cards never activated report a zero limit."""


def generate_credit_card(
    rng: np.random.Generator, loans: Loans, sk_id_curr: np.ndarray, profile: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly card balances, and one instalment-payment row (version 0) per month with a payment."""
    columns = profile["tables"]["credit_card_balance"]["columns"]
    cards = np.flatnonzero(loans.family == CARD)
    # Many cards were reissued (the previous application is the renewal), so their history starts years before
    # the decision: the real rows per card are bimodal, a fifth of the cards covering most of the window.
    reissued = np.where(rng.random(cards.shape[0]) < 0.17, rng.integers(24, 97, cards.shape[0]), 0)
    start = np.maximum(np.floor(loans.decision[cards] / MONTH) - reissued, -HISTORY_MONTHS).astype(np.int64)
    closed = ~np.isnan(loans.end[cards])
    stop = np.where(closed, np.minimum(np.floor(np.nan_to_num(loans.end[cards]) / MONTH) + 1, -1), -1)
    stop = np.maximum(stop, start).astype(np.int64)
    counts = stop - start + 1
    constants = _card_constants(rng, loans.behaviour[cards], counts, columns)
    months = _simulate(rng, constants, counts, closed)

    parent, position = expand(counts)
    pick = (parent, position)  # row r is month `position` of card `parent`
    card = cards[parent]
    n = card.shape[0]
    balance, limit = months["balance"][pick], months["limit"][pick]
    paid, minimum, drawn = months["paid"][pick], months["minimum"][pick], months["drawn"][pick]
    atm, dpd, mature = months["atm"][pick], months["dpd"][pick], months["mature"][pick]
    pos = np.round(drawn - atm, 3)
    other = np.where(rng.random(n) < 0.004, np.round(pos * 0.5, 3), 0.0)
    pos = np.round(pos - other, 3)
    cnt_atm = np.where(atm > 0, np.ceil(atm / (TICKET_ATM * rng.uniform(0.5, 2.0, n))), 0.0)
    cnt_pos = np.where(pos > 0, np.ceil(pos / (TICKET_POS * rng.uniform(0.3, 3.0, n))), 0.0)
    cnt_other = (other > 0).astype(float)

    status = np.full(n, "Active", dtype=object)
    last_row = position == counts[parent] - 1
    status[closed[parent] & last_row] = "Completed"
    status[(position == 0) & (rng.random(n) < 0.1)] = "Signed"
    status[(status == "Active") & (rng.random(n) < 0.0001)] = "Sent proposal"
    dpd_def = np.where((dpd > 0) & (rng.random(n) < 0.15), np.minimum(dpd, rng.integers(1, 60, n)), 0)

    no_drawing_info = (drawn == 0) & (rng.random(n) < 0.26)
    no_regularity = (position == 0) | (rng.random(n) < 0.05)
    frame = pd.DataFrame(
        {
            "SK_ID_PREV": loans.sk_id_prev[card],
            "SK_ID_CURR": sk_id_curr[loans.client[card]],
            "MONTHS_BALANCE": start[parent] + position,
            "AMT_BALANCE": balance,
            "AMT_CREDIT_LIMIT_ACTUAL": limit.astype(np.int64),
            "AMT_DRAWINGS_ATM_CURRENT": _blank(atm, no_drawing_info),
            "AMT_DRAWINGS_CURRENT": drawn,
            "AMT_DRAWINGS_OTHER_CURRENT": _blank(other, no_drawing_info),
            "AMT_DRAWINGS_POS_CURRENT": _blank(pos, no_drawing_info),
            "AMT_INST_MIN_REGULARITY": _blank(minimum, no_regularity),
            "AMT_PAYMENT_CURRENT": _current_payment(rng, paid),
            "AMT_PAYMENT_TOTAL_CURRENT": paid,
            "AMT_RECEIVABLE_PRINCIPAL": np.round(balance / (1 + MONTHLY_INTEREST), 3),
            "AMT_RECIVABLE": balance,
            "AMT_TOTAL_RECEIVABLE": balance,
            "CNT_DRAWINGS_ATM_CURRENT": _blank(cnt_atm, no_drawing_info),
            "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos + cnt_other).astype(np.int64),
            "CNT_DRAWINGS_OTHER_CURRENT": _blank(cnt_other, no_drawing_info),
            "CNT_DRAWINGS_POS_CURRENT": _blank(cnt_pos, no_drawing_info),
            "CNT_INSTALMENT_MATURE_CUM": _blank(mature, no_regularity),
            "NAME_CONTRACT_STATUS": as_object(status),
            "SK_DPD": dpd.astype(np.int64),
            "SK_DPD_DEF": dpd_def.astype(np.int64),
        }
    )
    payments = _card_payments(rng, frame, paid, minimum, mature)
    order = np.lexsort((-position, parent))  # each card's latest month first, as in the real file
    return frame.iloc[order].reset_index(drop=True), payments


def _card_constants(
    rng: np.random.Generator, behaviour: np.ndarray, counts: np.ndarray, columns: Mapping[str, Any]
) -> _Cards:
    k = behaviour.shape[0]
    limit_column = dict(columns["AMT_CREDIT_LIMIT_ACTUAL"], zero_share=0.0)
    limit = np.maximum(np.round(inverse_cdf(rng.uniform(0.2, 1.0, k), limit_column) / 4_500) * 4_500, 4_500)
    used = uniform(0.4 * behaviour + 0.9 * rng.standard_normal(k)) > 0.25
    active = np.where(used, np.ceil(counts * rng.beta(1.3, 1.0, k)), 0)
    appetite = uniform(0.8 * behaviour + 0.6 * rng.standard_normal(k))
    # Transactors repay the whole balance; revolvers pay a little above the minimum, less so when risky.
    transactor = uniform(-0.8 * behaviour + 0.6 * rng.standard_normal(k)) > 0.8
    revolver_share = np.clip(0.12 - 0.03 * behaviour + 0.04 * rng.standard_normal(k), MIN_PAYMENT_RATE, 0.4)
    return _Cards(
        limit=limit,
        active_months=active,
        draw_chance=0.12 + 0.4 * appetite,
        draw_size=0.04 + 0.3 * appetite,
        pay_share=np.where(transactor, 1.0, revolver_share),
        short_chance=expit(-4.0 + 1.5 * behaviour),
        atm_share=np.where(rng.random(k) < 0.55, 1.0, rng.uniform(0.2, 0.8, k)),
        no_limit=~used & (rng.random(k) < 0.8),
    )


def _simulate(
    rng: np.random.Generator, cards: _Cards, counts: np.ndarray, closed: np.ndarray
) -> dict[str, np.ndarray]:
    """Month-by-month state of every card, as (cards x months) arrays."""
    k, horizon = counts.shape[0], int(counts.max(initial=1))
    out = {name: np.zeros((k, horizon)) for name in MONTHLY_COLUMNS}
    balance, streak, mature = np.zeros(k), np.zeros(k), np.zeros(k)
    written_off = np.zeros(k, dtype=bool)
    started = np.zeros(k, dtype=bool)
    for t in range(horizon):
        live = t < counts
        active = live & (t < cards.active_months)
        minimum = np.round(balance * MIN_PAYMENT_RATE, 3)
        short = (minimum > 0) & ((rng.random(k) < cards.short_chance) | written_off)
        paid = np.where(
            short,
            minimum * rng.uniform(0.0, 0.8, k) * ~written_off,
            np.maximum(minimum, balance * cards.pay_share),
        )
        paid = np.where(~active & ~written_off, balance, paid)  # dormant cards are paid off
        closing = closed & (t == counts - 1)
        paid = np.round(np.where(closing, balance, np.minimum(paid, balance)), 3)
        interest = (balance - paid) * MONTHLY_INTEREST
        room = np.maximum(cards.limit - (balance - paid + interest), 0)
        draws = active & ~written_off & ~closing & (rng.random(k) < cards.draw_chance)
        wanted = cards.limit * cards.draw_size * rng.uniform(0.3, 1.7, k)
        drawn = np.round(np.where(draws, np.minimum(wanted, room), 0.0), 3)
        balance = np.round(np.maximum(balance - paid + interest + drawn, 0.0), 3)
        streak = np.where(short, streak + 1, 0)
        written_off |= streak >= 6
        # Instalments mature every month from the first drawing on.
        started |= drawn > 0
        mature += started & live
        out["balance"][:, t], out["paid"][:, t], out["minimum"][:, t] = balance, paid, minimum
        out["drawn"][:, t] = drawn
        out["atm"][:, t] = np.round(drawn * cards.atm_share, 3)
        not_activated = ((t == 0) & (rng.random(k) < 0.5)) | cards.no_limit
        out["limit"][:, t] = np.where(not_activated, 0.0, cards.limit)
        out["dpd"][:, t] = np.where(streak > 0, streak * MONTH - rng.integers(0, 28, k), 0).clip(0)
        out["mature"][:, t] = mature
    return out


def _current_payment(rng: np.random.Generator, paid: np.ndarray) -> np.ndarray:
    """AMT_PAYMENT_CURRENT: the payment; in months without one, mostly missing or a small fee."""
    roll = rng.random(paid.shape[0])
    small = np.round(np.exp(rng.normal(5.3, 0.9, paid.shape[0])), 3)
    idle = np.where(roll < 0.39, np.nan, np.where(roll < 0.87, small, 0.0))
    return np.where(paid > 0, paid, idle)


def _blank(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    out = values.astype(float).copy()
    out[missing] = np.nan
    return out


def _card_payments(
    rng: np.random.Generator, frame: pd.DataFrame, paid: np.ndarray, minimum: np.ndarray, mature: np.ndarray
) -> pd.DataFrame:
    """The card months with a payment, as ``installments_payments`` rows (instalment version 0)."""
    rows = paid > 0
    count = int(rows.sum())
    due_day = frame["MONTHS_BALANCE"].to_numpy()[rows] * MONTH + rng.integers(0, 25, count)
    due_day = np.minimum(due_day, -1).astype(float)
    return pd.DataFrame(
        {
            "SK_ID_PREV": frame["SK_ID_PREV"].to_numpy()[rows],
            "SK_ID_CURR": frame["SK_ID_CURR"].to_numpy()[rows],
            "NUM_INSTALMENT_VERSION": 0.0,
            "NUM_INSTALMENT_NUMBER": np.maximum(mature[rows], 1).astype(np.int64),
            "DAYS_INSTALMENT": due_day,
            "DAYS_ENTRY_PAYMENT": np.minimum(due_day - np.floor(rng.exponential(5, count)), -1),
            "AMT_INSTALMENT": np.where(minimum[rows] > 0, minimum[rows], paid[rows]),
            "AMT_PAYMENT": paid[rows],
        }
    )
