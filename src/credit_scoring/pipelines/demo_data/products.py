"""Home Credit's product catalogue as it shows in ``previous_application``.

``PRODUCT_COMBINATION`` decides the family of a previous application (point-of-sale, cash or card), and the
family decides contract type, portfolio, product type and yield group, as in the real extract. Level shares
that a family cannot take entirely (e.g. the sales channels) are split between families so the overall shares
match the profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .marginals import draw_index, level_shares

POS, CASH, CARD, OFFER = "pos", "cash", "card", "offer"
"""Families: point-of-sale loans, cash loans, revolving cards, and 'Cash' offers (mostly canceled)."""


def family_of(combination: np.ndarray) -> np.ndarray:
    """Family of each PRODUCT_COMBINATION value."""
    text = combination.astype(str)
    family = np.full(text.shape[0], OFFER, dtype=object)
    family[np.char.startswith(text, "POS")] = POS
    family[np.char.startswith(text, "Cash ")] = CASH
    family[np.char.startswith(text, "Card")] = CARD
    return family


def contract_type(family: np.ndarray) -> np.ndarray:
    return np.select([family == POS, family == CARD], ["Consumer loans", "Revolving loans"], "Cash loans")


def product_type(rng: np.random.Generator, combination: np.ndarray, family: np.ndarray) -> np.ndarray:
    text = combination.astype(str)
    out = np.full(text.shape[0], "XNA", dtype=object)
    out[np.char.find(text, "X-Sell") >= 0] = "x-sell"
    out[np.char.startswith(text, "Cash Street")] = "walk-in"
    offer_roll = rng.random(text.shape[0])
    out[(family == OFFER) & (offer_roll < 0.12)] = "x-sell"
    out[(family == OFFER) & (offer_roll > 0.93)] = "walk-in"
    return out


def yield_groups(
    rng: np.random.Generator, combination: np.ndarray, levels: Mapping[str, float]
) -> np.ndarray:
    """NAME_YIELD_GROUP of each application.

    Fixed by the cash combinations' names, 'XNA' for cards and offers, 'low_action' for interest-free POS
    loans, and the profile's remaining shares for POS loans with interest.
    """
    text = combination.astype(str)
    out = np.full(text.shape[0], "XNA", dtype=object)
    for suffix, group in ((": low", "low_normal"), (": middle", "middle"), (": high", "high")):
        out[np.char.endswith(text, suffix)] = group
    out[np.char.endswith(text, "without interest")] = "low_action"
    with_interest = np.char.endswith(text, "with interest") & ~np.char.endswith(text, "without interest")
    fixed = {
        g: float(np.mean(out[~with_interest] == g)) * float(np.mean(~with_interest))
        for g in ("low_normal", "middle", "high")
    }
    residual = np.array([max(float(levels.get(g, 0.0)) - fixed[g], 0.001) for g in fixed])
    names = np.array(list(fixed), dtype=object)
    out[with_interest] = names[draw_index(rng.random(int(with_interest.sum())), residual)]
    return out


def split_levels(
    column: Mapping[str, Any],
    preferred: tuple[str, ...] | None,
    group_share: float,
    excluded: tuple[str, ...] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levels and their conditional shares inside a group (``group_share`` of rows) and outside it.

    The group takes the ``preferred`` levels first (all non-``excluded`` levels when ``preferred`` is None);
    whatever the group cannot absorb, or still needs, is balanced so that the mixture gives the profile's
    shares.
    """
    names, shares = level_shares(column)
    prefer = ~np.isin(names, excluded) if preferred is None else np.isin(names, preferred)
    preferred_total = float(shares[prefer].sum())
    inside = np.where(prefer, shares, 0.0)
    if preferred_total >= group_share:
        inside = inside * group_share / max(preferred_total, 1e-12)
    else:
        others = np.where(prefer, 0.0, shares)
        inside = inside + others * (group_share - preferred_total) / max(float(others.sum()), 1e-12)
    outside = np.clip(shares - inside, 0.0, None)
    inside_sum, outside_sum = inside.sum(), outside.sum()
    inside = inside / inside_sum if inside_sum > 0 else shares
    outside = outside / outside_sum if outside_sum > 0 else shares
    return names, inside, outside


def draw_split(
    rng: np.random.Generator,
    column: Mapping[str, Any],
    in_group: np.ndarray,
    preferred: tuple[str, ...] | None = None,
    excluded: tuple[str, ...] = (),
) -> np.ndarray:
    """Levels of a column whose ``in_group`` rows favour ``preferred`` levels; overall shares as profiled."""
    names, inside, outside = split_levels(column, preferred, float(in_group.mean()), excluded)
    u = rng.random(in_group.shape[0])
    return np.where(in_group, names[draw_index(u, inside)], names[draw_index(u, outside)])
