"""The latent default mechanism: who defaults, and how strongly each observed column reflects it.

Every client has three independent standard-normal risk factors: ``application`` (what the application form
and the external scores reveal), ``behaviour`` (what only the credit histories reveal: overdue bureau credits,
late or short instalments, card utilisation) and ``hidden`` (what no data reveals). Their weighted sum is the
total risk ``T`` (unit variance) and ``P(TARGET = 1) = sigmoid(intercept + beta * T)``; the intercept gives
the target rate.

Columns are coupled to the factors through a Gaussian copula. The strength of each column's link is fitted to
the profile's default rate by decile (or by level): the loading ``rho`` on ``T`` whose model curve is closest
in log-odds shape to the real curve. Application columns carry that loading on the ``application`` factor only
(``rho / weight_application``), so the history tables keep information of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, ndtr, ndtri

_GRID = np.linspace(-7.0, 7.0, 281)
_GRID_WEIGHTS = np.exp(-0.5 * _GRID**2) / np.exp(-0.5 * _GRID**2).sum()
_RHO_GRID = np.linspace(-0.9, 0.9, 73)


@dataclass(frozen=True)
class RiskModel:
    """Weights of the three risk factors in the total risk, and its logistic link to default."""

    beta: float
    intercept: float
    weight_application: float
    weight_behaviour: float

    @property
    def weight_hidden(self) -> float:
        return float(np.sqrt(max(0.0, 1.0 - self.weight_application**2 - self.weight_behaviour**2)))

    def default_probability(self, total_risk: np.ndarray) -> np.ndarray:
        return expit(self.intercept + self.beta * total_risk)


def calibrate_risk_model(
    target_rate: float, beta: float, weight_application: float, weight_behaviour: float
) -> RiskModel:
    """Risk model whose average default probability over T ~ N(0, 1) equals ``target_rate``."""
    if not 0.0 < target_rate < 1.0:
        raise ValueError(f"target_rate must be in (0, 1), got {target_rate}")
    if weight_application**2 + weight_behaviour**2 > 1.0:
        raise ValueError(
            "weight_application² + weight_behaviour² must be <= 1, "
            f"got {weight_application}, {weight_behaviour}"
        )

    def gap(intercept: float) -> float:
        return float(_GRID_WEIGHTS @ expit(intercept + beta * _GRID)) - target_rate

    return RiskModel(beta, brentq(gap, -30.0, 30.0), weight_application, weight_behaviour)


#: Payment discipline mixes the behaviour factor with the application factor: clients who look risky on paper
#: also pay worse, but the histories know more than the application form.
DISCIPLINE_APPLICATION_WEIGHT = 0.6


@dataclass(frozen=True)
class Latents:
    """Per-client risk factors; ``total`` is the standardised total risk T."""

    application: np.ndarray
    behaviour: np.ndarray
    hidden: np.ndarray
    total: np.ndarray

    @property
    def discipline(self) -> np.ndarray:
        """Standard-normal payment-discipline score (higher pays worse) that drives the history tables."""
        weight = DISCIPLINE_APPLICATION_WEIGHT
        return weight * self.application + np.sqrt(1.0 - weight**2) * self.behaviour


def draw_latents(rng: np.random.Generator, n: int, model: RiskModel) -> Latents:
    """Draw the factors of ``n`` clients."""
    application = rng.standard_normal(n)
    behaviour = rng.standard_normal(n)
    hidden = rng.standard_normal(n)
    total = (
        model.weight_application * application
        + model.weight_behaviour * behaviour
        + model.weight_hidden * hidden
    )
    return Latents(application, behaviour, hidden, total)


def draw_target(rng: np.random.Generator, latents: Latents, model: RiskModel) -> np.ndarray:
    """TARGET (0/1) of each client."""
    return (rng.random(latents.total.shape[0]) < model.default_probability(latents.total)).astype(np.int64)


def _band_rates(model: RiskModel, cuts: np.ndarray) -> np.ndarray:
    """Model default rate of each band of a N(0,1) score cut at ``cuts``, for every rho of the grid.

    Returns an array (len(_RHO_GRID), len(cuts) - 1).
    """
    rho = _RHO_GRID[:, None, None]
    sigma = np.sqrt(1.0 - rho**2)
    cdf = ndtr((cuts[None, None, :] - rho * _GRID[None, :, None]) / sigma)
    in_band = np.diff(cdf, axis=2) * _GRID_WEIGHTS[None, :, None]
    defaults = (in_band * model.default_probability(_GRID)[None, :, None]).sum(axis=1)
    return defaults / np.maximum(in_band.sum(axis=1), 1e-300)


def _closest_rho(model_rates: np.ndarray, real_rates: np.ndarray, weights: np.ndarray) -> float:
    """Rho whose band rates match the real ones best in centred log-odds (the level is not fitted)."""
    real = np.log(np.clip(real_rates, 0.005, 0.995))
    real = real - np.average(real, weights=weights)
    fitted = np.log(np.clip(model_rates, 0.005, 0.995))
    fitted = fitted - np.average(fitted, axis=1, weights=weights)[:, None]
    loss = ((fitted - real[None, :]) ** 2 * weights[None, :]).sum(axis=1)
    return float(_RHO_GRID[np.argmin(loss)])


def fit_decile_loading(rates_by_decile: list[float] | None, model: RiskModel) -> float:
    """Correlation with T of a numeric column whose default rate by equal-count bin is ``rates_by_decile``."""
    if not rates_by_decile or len(rates_by_decile) < 4:
        return 0.0
    bins = len(rates_by_decile)
    cuts = ndtri(np.linspace(0.0, 1.0, bins + 1).clip(1e-12, 1 - 1e-12))
    return _closest_rho(_band_rates(model, cuts), np.asarray(rates_by_decile, float), np.ones(bins))


def fit_level_loading(shares: np.ndarray, rates: np.ndarray, model: RiskModel) -> float:
    """Correlation with T of a score whose consecutive bands, sized by ``shares``, are the levels in that
    order.

    ``rates`` are the real default rates of the levels; a negative result means risk falls along the order.
    """
    if len(shares) < 2:
        return 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(shares / shares.sum())])
    cuts = ndtri(cumulative.clip(1e-12, 1 - 1e-12))
    return _closest_rho(_band_rates(model, cuts), np.asarray(rates, float), np.asarray(shares, float))


def fit_missing_loading(
    missing_rate: float, rate_when_missing: float | None, model: RiskModel, target_rate: float
) -> float:
    """Correlation with T of the score whose top ``missing_rate`` share is missing (missing not at random)."""
    if rate_when_missing is None or not 0.0 < missing_rate < 1.0:
        return 0.0
    rate_present = (target_rate - missing_rate * rate_when_missing) / (1.0 - missing_rate)
    return fit_level_loading(
        np.array([1.0 - missing_rate, missing_rate]),
        np.array([max(rate_present, 1e-3), rate_when_missing]),
        model,
    )
