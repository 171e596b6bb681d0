"""``previous_application``: the clients' earlier applications at Home Credit, and the loans they became.

Refusals follow the risk Home Credit saw at the time (application and behaviour factors), so a history of
refused applications is a default signal. Approved applications become :class:`Loans`, whose schedules feed
``POS_CASH_balance``, ``installments_payments`` and ``credit_card_balance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES

from .amounts import annuity, round_to
from .applications import Clients
from .expand import child_counts, expand, noisy
from .marginals import as_object, draw_index, inverse_cdf, level_shares, uniform
from .products import CARD, CASH, OFFER, POS, contract_type, draw_split, family_of, product_type, yield_groups

MONTH = 30
#: Monthly interest rate by yield group (cards: 'XNA', priced through a 5% minimum instalment instead).
MONTHLY_RATE = {"low_action": 0.002, "low_normal": 0.011, "middle": 0.019, "high": 0.029, "XNA": 0.02}
CANCELED_SHARE = {OFFER: 0.85, CARD: 0.25, POS: 0.05, CASH: 0.02}
REFUSAL_REASONS = ("HC", "LIMIT", "SCO", "SCOFR", "XNA", "VERIF", "SYSTEM")
#: Share of approved loans whose previous_application row is missing from the extract (a real quirk).
ORPHAN_SHARE = 0.015


@dataclass(frozen=True)
class Loans:
    """Approved previous applications (plus the orphans), the input of the behaviour tables."""

    sk_id_prev: np.ndarray
    client: np.ndarray
    family: np.ndarray
    credit: np.ndarray
    annuity: np.ndarray
    payments: np.ndarray
    decision: np.ndarray
    first_due: np.ndarray
    """Day of the first instalment (may be in the future for the newest loans)."""
    end: np.ndarray
    """Day the loan was repaid or closed; NaN while it runs."""
    behaviour: np.ndarray
    """Loan-level payment-discipline score (higher pays worse)."""


def generate_previous(
    rng: np.random.Generator, clients: Clients, profile: Mapping[str, Any], first_id: int
) -> tuple[pd.DataFrame, Loans, int]:
    """Previous applications of the chunk's clients, their loans, and how many SK_ID_PREV were used."""
    table = profile["tables"]["previous_application"]
    columns = table["columns"]
    latents = clients.latents
    has_previous = uniform(noisy(rng, latents.application, 0.2)) < table["share_of_clients_with_rows"]
    owners = np.flatnonzero(has_previous)
    count_score = noisy(rng, 0.7 * -clients.youth[owners] + 0.3 * latents.application[owners], 0.6)
    parent, _ = expand(child_counts(count_score, table["rows_per_parent"]))
    client = owners[parent]
    n = client.shape[0]

    names, shares = level_shares(columns["PRODUCT_COMBINATION"])
    combination = names[draw_index(rng.random(n), shares)]
    family = family_of(combination)
    status = _status(rng, family, latents.application[client], latents.behaviour[client], columns)
    status = _ensure_a_loan(rng, client, family, status)
    approved, canceled = status == "Approved", status == "Canceled"

    # Approved instalment loans are older than refused or canceled applications (recent applications are more
    # often still in progress or turned down).
    decision_u = rng.random(n) ** np.where(approved & (family != CARD), 1.3, np.where(approved, 1.0, 0.75))
    decision = np.round(inverse_cdf(decision_u, columns["DAYS_DECISION"])).astype(np.int64)
    # One yield group per application: it is written out and it prices the loan.
    yield_group = yield_groups(rng, combination, columns["NAME_YIELD_GROUP"]["levels"])
    amounts = _amounts(rng, family, status, yield_group, columns)
    timeline = _timeline(rng, family, decision, amounts["CNT_PAYMENT"], approved)

    is_pos = family == POS
    combination_out = as_object(combination)
    combination_out[rng.random(n) < float(columns["PRODUCT_COMBINATION"]["missing_rate"])] = None
    contract = contract_type(family).astype(object)
    contract[pd.isna(combination_out)] = "XNA"
    portfolio = np.select(
        [canceled, family == POS, family == CARD, family == CASH], ["XNA", "POS", "Cards", "Cash"], "XNA"
    ).astype(object)
    ids = first_id + rng.permutation(n).astype(np.int64)
    # Shops have a seller place; cash loans and cards mostly not (-1).
    seller_u = np.where(is_pos, rng.uniform(0.5, 1.0, n), rng.uniform(0.0, 0.55, n))
    frame = pd.DataFrame(
        {
            "SK_ID_PREV": ids,
            "SK_ID_CURR": clients.sk_id_curr[client],
            "NAME_CONTRACT_TYPE": contract,
            **{k: v for k, v in amounts.items() if k in RAW_TABLES["previous_application"]},
            "WEEKDAY_APPR_PROCESS_START": as_object(_levels(rng, columns["WEEKDAY_APPR_PROCESS_START"], n)),
            "HOUR_APPR_PROCESS_START": inverse_cdf(rng.random(n), columns["HOUR_APPR_PROCESS_START"]).astype(
                np.int64
            ),
            "FLAG_LAST_APPL_PER_CONTRACT": as_object(np.where(rng.random(n) < 0.0042, "N", "Y")),
            "NFLAG_LAST_APPL_IN_DAY": (rng.random(n) >= 0.0033).astype(np.int64),
            "RATE_INTEREST_PRIMARY": _rare_rate(rng, columns["RATE_INTEREST_PRIMARY"], n),
            "RATE_INTEREST_PRIVILEGED": _rare_rate(rng, columns["RATE_INTEREST_PRIVILEGED"], n),
            "NAME_CASH_LOAN_PURPOSE": as_object(_purpose(rng, combination, columns)),
            "NAME_CONTRACT_STATUS": as_object(status),
            "DAYS_DECISION": decision,
            "NAME_PAYMENT_TYPE": as_object(
                draw_split(rng, columns["NAME_PAYMENT_TYPE"], canceled | (family == CARD), ("XNA",))
            ),
            "CODE_REJECT_REASON": as_object(_reject_reason(rng, status, columns)),
            "NAME_TYPE_SUITE": as_object(_suite(rng, is_pos, columns)),
            "NAME_CLIENT_TYPE": as_object(_client_type(rng, client, decision)),
            "NAME_GOODS_CATEGORY": as_object(
                draw_split(rng, columns["NAME_GOODS_CATEGORY"], is_pos, excluded=("XNA",))
            ),
            "NAME_PORTFOLIO": portfolio,
            "NAME_PRODUCT_TYPE": as_object(product_type(rng, combination, family)),
            "CHANNEL_TYPE": as_object(
                draw_split(
                    rng,
                    columns["CHANNEL_TYPE"],
                    is_pos,
                    ("Country-wide", "Stone", "Regional / Local", "Car dealer"),
                )
            ),
            "SELLERPLACE_AREA": inverse_cdf(seller_u, columns["SELLERPLACE_AREA"]).astype(np.int64),
            "NAME_SELLER_INDUSTRY": as_object(
                draw_split(rng, columns["NAME_SELLER_INDUSTRY"], is_pos, excluded=("XNA",))
            ),
            "CNT_PAYMENT": amounts["CNT_PAYMENT"],
            "NAME_YIELD_GROUP": as_object(yield_group),
            "PRODUCT_COMBINATION": combination_out,
            **timeline,
            "NFLAG_INSURED_ON_APPROVAL": np.where(approved, (rng.random(n) < 0.34).astype(float), np.nan),
        }
    )[list(RAW_TABLES["previous_application"])]

    loans = _loans(
        rng, frame, client, family, approved=approved, timeline=timeline, discipline=latents.discipline
    )
    orphan = np.isin(frame["SK_ID_PREV"].to_numpy(), loans.sk_id_prev) & (rng.random(n) < ORPHAN_SHARE)
    order = rng.permutation(int((~orphan).sum()))
    return frame.loc[~orphan].iloc[order].reset_index(drop=True), loans, n


def _levels(rng: np.random.Generator, column: Mapping[str, Any], n: int) -> np.ndarray:
    names, shares = level_shares(column)
    return names[draw_index(rng.random(n), shares)]


def _status(
    rng: np.random.Generator,
    family: np.ndarray,
    application: np.ndarray,
    behaviour: np.ndarray,
    columns: Mapping[str, Any],
) -> np.ndarray:
    """Canceled by product; refused by the risk Home Credit saw; a few unused POS offers; others approved."""
    n = family.shape[0]
    shares = columns["NAME_CONTRACT_STATUS"]["levels"]
    canceled = rng.random(n) < np.vectorize(CANCELED_SHARE.get)(family).astype(float)
    seen_risk = 0.75 * application + 0.45 * behaviour + 0.5 * rng.standard_normal(n)
    refused_share = float(shares.get("Refused", 0.17)) / max(1 - canceled.mean(), 1e-9)
    intercept = (
        brentq(lambda a: float(expit(a + 1.3 * seen_risk[~canceled]).mean()) - refused_share, -20, 20)
        if ((~canceled).any())
        else 0.0
    )
    refused = ~canceled & (rng.random(n) < expit(intercept + 1.3 * seen_risk))
    unused_share = float(shares.get("Unused offer", 0.0)) / max(float(np.mean(family == POS)), 1e-9)
    unused = (family == POS) & ~canceled & ~refused & (rng.random(n) < unused_share * 1.3)
    return np.select([canceled, refused, unused], ["Canceled", "Refused", "Unused offer"], "Approved")


def _ensure_a_loan(
    rng: np.random.Generator, client: np.ndarray, family: np.ndarray, status: np.ndarray
) -> np.ndarray:
    """Nearly every client with previous applications got at least one POS or cash loan (POS_CASH_balance)."""
    instalment_loan = family != CARD
    has_loan = np.zeros(client.max(initial=-1) + 1, dtype=bool)
    has_loan[client[instalment_loan & (status == "Approved")]] = True
    candidates = np.flatnonzero(instalment_loan & ~has_loan[client])
    first = candidates[np.unique(client[candidates], return_index=True)[1]]
    upgraded = first[rng.random(first.shape[0]) < 0.85]
    status = status.copy()
    status[upgraded] = "Approved"
    return status


def _amounts(
    rng: np.random.Generator,
    family: np.ndarray,
    status: np.ndarray,
    yield_group: np.ndarray,
    columns: Mapping[str, Any],
) -> dict[str, np.ndarray]:
    """Asked amount, granted credit, goods price, down payment, term and annuity, all consistent."""
    n = family.shape[0]
    canceled = status == "Canceled"
    is_pos, is_card = family == POS, family == CARD
    application_column = columns["AMT_APPLICATION"]
    zero_share = float(application_column.get("zero_share", 0.0))
    # POS purchases are small, cash loans large: rank them apart inside the non-zero part of the marginal.
    rank = uniform(0.9 * np.where(is_pos, -0.7, 0.9) + 0.6 * rng.standard_normal(n))
    asked = inverse_cdf(zero_share + (1 - zero_share) * rank, application_column)
    asked = np.where(is_pos, np.round(asked * 2) / 2, np.maximum(round_to(asked, 4_500), 4_500))
    limit = np.array([45_000, 67_500, 90_000, 135_000, 180_000, 225_000, 270_000, 450_000], dtype=float)[
        draw_index(rng.random(n), np.array([0.1, 0.1, 0.15, 0.2, 0.15, 0.12, 0.1, 0.08]))
    ]

    has_down = is_pos & (rng.random(n) < 0.5)
    down_rate = np.where(has_down, np.clip(rng.beta(1.0, 6.0, n), 0.0, 0.9), 0.0)
    goods = np.where(is_pos, np.round(asked / np.maximum(1 - down_rate, 0.1), 2), asked)
    down = np.round(goods - asked, 2)
    insured = rng.random(n) < 0.34
    credit = np.round(asked * np.where(insured, rng.uniform(1.02, 1.2, n), 1.0), 2)

    pos_months = rng.choice([4, 6, 8, 10, 12, 18, 24], n, p=[0.08, 0.25, 0.12, 0.2, 0.22, 0.08, 0.05])
    cash_months = rng.choice(
        [6, 12, 18, 24, 30, 36, 48, 60], n, p=[0.1, 0.34, 0.1, 0.16, 0.03, 0.15, 0.05, 0.07]
    )
    months = np.where(is_pos, pos_months, cash_months).astype(float)
    rate = np.vectorize(MONTHLY_RATE.get)(yield_group).astype(float)
    payment = np.round(annuity(credit, rate, months), 3)

    credit = np.where(
        is_card, np.where(status == "Approved", limit, np.where(rng.random(n) < 0.5, limit, 0.0)), credit
    )
    asked = np.where(is_card, np.where(rng.random(n) < 0.3, limit, 0.0), asked)
    payment = np.where(is_card, np.where(credit > 0, credit * 0.05, 2_250.0), payment)
    months = np.where(is_card, 0.0, months)
    goods = np.where(is_card, np.where(rng.random(n) < 0.6, limit, np.nan), goods)

    asked, credit = np.where(canceled, 0.0, asked), np.where(canceled, 0.0, credit)
    for values in (payment, months, goods):
        values[canceled] = np.nan
    not_pos = ~is_pos
    down = np.where(not_pos | canceled, np.nan, down)
    down_rate_out = np.where(not_pos | canceled, np.nan, np.round(down / np.maximum(goods, 1), 6))
    return {
        "AMT_ANNUITY": payment,
        "AMT_APPLICATION": asked,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down,
        "AMT_GOODS_PRICE": goods,
        "RATE_DOWN_PAYMENT": down_rate_out,
        "CNT_PAYMENT": months,
    }


def _timeline(
    rng: np.random.Generator,
    family: np.ndarray,
    decision: np.ndarray,
    months: np.ndarray,
    approved: np.ndarray,
) -> dict[str, np.ndarray]:
    """DAYS_FIRST_DRAWING ... DAYS_TERMINATION of approved loans (else NaN; 365243: never or not yet)."""
    n = family.shape[0]
    is_card = family == CARD
    drawing = np.where(is_card, decision + rng.integers(0, 60, n), DAYS_SENTINEL).astype(float)
    first_due = (decision + rng.integers(15, 45, n)).astype(float)
    first_due[is_card] = np.where(
        rng.random(int(is_card.sum())) < 0.3,
        DAYS_SENTINEL,
        drawing[is_card] + rng.integers(20, 40, int(is_card.sum())),
    )
    planned_last = np.where(is_card, DAYS_SENTINEL, first_due + MONTH * (np.nan_to_num(months) - 1))
    # Long loans are often repaid early or refinanced.
    prepaid = ~is_card & (rng.random(n) < np.where(np.nan_to_num(months) >= 24, 0.55, 0.2))
    actual_last = np.where(
        prepaid, first_due + MONTH * np.floor((np.nan_to_num(months) - 1) * rng.random(n)), planned_last
    )
    card_closed = is_card & (rng.random(n) < 0.4)
    # A closed card closes after its first drawing (and so after its first due date).
    card_end = np.where(card_closed, drawing + rng.integers(60, 2_000, n), DAYS_SENTINEL)
    actual_last = np.where(is_card, card_end, actual_last)
    ended = actual_last <= -1
    drawing[drawing > -1] = DAYS_SENTINEL
    first_due[first_due > -1] = DAYS_SENTINEL  # not due yet at the application date
    last_due = np.where(ended, actual_last, DAYS_SENTINEL)
    termination = np.where(ended, np.minimum(actual_last + rng.integers(0, 25, n), -1), DAYS_SENTINEL)
    out = {
        "DAYS_FIRST_DRAWING": drawing,
        "DAYS_FIRST_DUE": first_due,
        "DAYS_LAST_DUE_1ST_VERSION": planned_last,
        "DAYS_LAST_DUE": last_due,
        "DAYS_TERMINATION": termination,
    }
    return {name: np.where(approved, values, np.nan) for name, values in out.items()}


def _loans(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    client: np.ndarray,
    family: np.ndarray,
    *,
    approved: np.ndarray,
    timeline: Mapping[str, np.ndarray],
    discipline: np.ndarray,
) -> Loans:
    first_due = timeline["DAYS_FIRST_DUE"][approved]
    decision = frame["DAYS_DECISION"].to_numpy()[approved]
    first_due = np.where(first_due == DAYS_SENTINEL, 1.0, first_due)  # not due yet: no instalment so far
    end = timeline["DAYS_TERMINATION"][approved]
    return Loans(
        sk_id_prev=frame["SK_ID_PREV"].to_numpy()[approved],
        client=client[approved],
        family=family[approved],
        credit=frame["AMT_CREDIT"].to_numpy()[approved],
        annuity=frame["AMT_ANNUITY"].to_numpy()[approved],
        payments=np.nan_to_num(frame["CNT_PAYMENT"].to_numpy()[approved]).astype(np.int64),
        decision=decision,
        first_due=first_due,
        end=np.where(end == DAYS_SENTINEL, np.nan, end),
        behaviour=noisy(rng, discipline[client[approved]], 0.75),
    )


def _rare_rate(rng: np.random.Generator, column: Mapping[str, Any], n: int) -> np.ndarray:
    values = inverse_cdf(rng.random(n), column)
    values[rng.random(n) < float(column["missing_rate"])] = np.nan
    return values


def _purpose(rng: np.random.Generator, combination: np.ndarray, columns: Mapping[str, Any]) -> np.ndarray:
    """XAP for POS and cards, XNA for offers and cross-sell cash, a stated purpose for walk-in cash loans."""
    text = combination.astype(str)
    out = np.where(np.char.startswith(text, "POS") | np.char.startswith(text, "Card"), "XAP", "XNA").astype(
        object
    )
    walk_in = np.char.startswith(text, "Cash Street")
    names, shares = level_shares(columns["NAME_CASH_LOAN_PURPOSE"])
    keep = ~np.isin(names, ("XAP", "XNA"))
    out[walk_in] = names[keep][draw_index(rng.random(int(walk_in.sum())), shares[keep])]
    out[walk_in & (rng.random(text.shape[0]) < 0.35)] = "XNA"
    return out


def _reject_reason(rng: np.random.Generator, status: np.ndarray, columns: Mapping[str, Any]) -> np.ndarray:
    levels = columns["CODE_REJECT_REASON"]["levels"]
    names = np.array(REFUSAL_REASONS, dtype=object)
    shares = np.array([float(levels.get(r, 0.0)) for r in REFUSAL_REASONS])
    out = np.full(status.shape[0], "XAP", dtype=object)
    refused = status == "Refused"
    out[refused] = names[draw_index(rng.random(int(refused.sum())), shares)]
    out[status == "Unused offer"] = "CLIENT"
    return out


def _suite(rng: np.random.Generator, is_pos: np.ndarray, columns: Mapping[str, Any]) -> np.ndarray:
    """Who came with the client: recorded mostly for shop (POS) applications."""
    column = columns["NAME_TYPE_SUITE"]
    names, shares = level_shares(column)
    values = names[draw_index(rng.random(is_pos.shape[0]), shares)].astype(object)
    missing_rate = float(column["missing_rate"])
    pos_share = max(float(is_pos.mean()), 1e-9)
    present_if_pos = min((1 - missing_rate) / pos_share, 1.0) * 0.9
    present_otherwise = max(1 - missing_rate - present_if_pos * pos_share, 0.0) / max(1 - pos_share, 1e-9)
    present = rng.random(is_pos.shape[0]) < np.where(is_pos, present_if_pos, present_otherwise)
    values[~present] = None
    return values


def _client_type(rng: np.random.Generator, client: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """'New' for a client's first application, 'Repeater' afterwards, some 'Refreshed' and a few 'XNA'."""
    order = np.lexsort((decision, client))
    first = np.ones(client.shape[0], dtype=bool)
    first[order[1:]] = client[order[1:]] != client[order[:-1]]
    roll = rng.random(client.shape[0])
    out = np.where(first & (roll < 0.8), "New", np.where(roll > 0.91, "Refreshed", "Repeater")).astype(object)
    out[roll < 0.001] = "XNA"
    return out
