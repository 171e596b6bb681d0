"""Consistent loan amounts: goods price, credit (goods plus insurance), annuity from credit, term and rate."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, ndtri

from credit_scoring.raw.loans import TERMS_MONTHS as LOAN_TERMS_MONTHS

from .copula import ColumnSampler
from .marginals import inverse_cdf, uniform

#: Credit limits a revolving loan is granted with (multiples of 22,500 as in the real data).
REVOLVING_LIMITS = np.array(
    [45_000, 67_500, 90_000, 112_500, 135_000, 157_500, 180_000, 202_500, 225_000, 270_000, 315_000, 360_000,
     405_000, 450_000, 540_000, 675_000, 810_000, 900_000, 1_125_000, 1_350_000],
    dtype=float,
)  # fmt: skip
TERMS_MONTHS = np.array(LOAN_TERMS_MONTHS)  # the lender's grid (the raw-data contract's)


def annuity(principal: np.ndarray, monthly_rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Constant monthly payment that repays ``principal`` in ``months`` at ``monthly_rate``."""
    months = np.maximum(months, 1)
    growth = np.power(1.0 + monthly_rate, -months)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(monthly_rate > 0, principal * monthly_rate / (1.0 - growth), principal / months)


def round_to(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def rank_uniform(score: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) ordered like ``score``: exact marginals whatever the score's distribution."""
    ranks = np.empty(score.shape[0])
    ranks[np.argsort(score, kind="stable")] = np.arange(score.shape[0])
    return (ranks + 0.5) / max(score.shape[0], 1)


def snap_price(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Prices as people write them: mostly multiples of 45,000, 22,500 or 4,500, a few exact amounts."""
    kind = rng.random(values.shape[0])
    snapped = np.select(
        [kind < 0.35, kind < 0.65, kind < 0.92],
        [round_to(values, 45_000), round_to(values, 22_500), round_to(values, 4_500)],
        np.round(values * 2) / 2,
    )
    return np.maximum(snapped, np.where(kind < 0.92, 22_500.0, 1.0))


def contract_amounts(
    sampler: ColumnSampler, revolving: np.ndarray, risk_score: np.ndarray, credit_factor: float = 1.0
) -> dict[str, np.ndarray]:
    """AMT_CREDIT, AMT_ANNUITY and AMT_GOODS_PRICE of the current application.

    Cash loans: a goods price, a credit of the price plus an optional insurance, repaid over a term. Riskier
    clients are priced higher and insure more (the payment rate and the credit-to-goods ratio carry risk, as
    in the real data) and cluster on mid-sized credits. Revolving loans: a round limit, 5% (or 10%) of it as
    the monthly instalment, goods price equal to the limit.
    """
    rng, n = sampler.rng, sampler.n
    risk = 0.8 * risk_score + 0.6 * rng.standard_normal(n)
    size = sampler.score("AMT_CREDIT", wealth=0.55)
    # Riskier clients concentrate on mid-sized credits (the real default rate by credit decile is
    # hump-shaped).
    squeezed = size * (1.0 - 0.5 * expit(1.6 * risk - 0.5))
    credit_target = inverse_cdf(rank_uniform(squeezed), sampler.columns["AMT_CREDIT"]) * credit_factor
    insured = rng.random(n) < 0.45 + 0.25 * expit(risk)
    insurance = np.where(insured, 1.0 + rng.uniform(0.02, 0.12, n) + 0.08 * expit(risk), 1.0)
    goods = snap_price(rng, credit_target / insurance)
    credit = np.round(goods * insurance * 2) / 2

    position = np.clip(np.searchsorted(REVOLVING_LIMITS, credit_target * 0.5), 0, len(REVOLVING_LIMITS) - 1)
    credit = np.where(revolving, REVOLVING_LIMITS[position], credit)
    goods = np.where(revolving, REVOLVING_LIMITS[position], goods)

    # Riskier clients pay a higher rate (0.6%-3.5% a month). The term is the one whose annuity is closest to
    # an
    # annuity drawn from the side's own marginal (rank-correlated with the credit), so AMT_ANNUITY keeps its
    # profile on both sides.
    monthly_rate = np.clip(0.016 + 0.006 * risk, 0.006, 0.035)
    credit_score = ndtri(rank_uniform(squeezed))
    wanted_score = 0.85 * credit_score + 0.2 * risk + 0.49 * rng.standard_normal(n)
    wanted = inverse_cdf(uniform(wanted_score), sampler.columns["AMT_ANNUITY"]) * credit_factor
    options = annuity(credit[:, None], monthly_rate[:, None], TERMS_MONTHS[None, :])
    distance = np.abs(np.log(options) - np.log(np.maximum(wanted, 1.0))[:, None])
    months = TERMS_MONTHS[distance.argmin(axis=1)]
    cash_annuity = np.round(annuity(credit, monthly_rate, months) * 2) / 2
    revolving_annuity = credit * np.where(rng.random(n) < 0.9, 0.05, 0.1)

    goods = goods.astype(float)
    goods[revolving & (rng.random(n) < 0.006)] = np.nan
    return {
        "AMT_CREDIT": credit,
        "AMT_ANNUITY": np.where(revolving, revolving_annuity, cash_annuity),
        "AMT_GOODS_PRICE": goods,
    }
