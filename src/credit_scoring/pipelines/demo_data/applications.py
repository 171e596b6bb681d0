"""``application_train`` / ``application_test``: one row per client, coupled to the latent risk factors.

Marginals come from the side's own profile (so test clients carry the real train-to-production shift); the
strength of each column's link to risk is fitted once on the train profile. Logical rules of the real extract
are kept: pensioners have DAYS_EMPLOYED = 365243, ORGANIZATION_TYPE 'XNA' and no employer phone; family size
counts the children and the partner; the AMT_REQ_CREDIT_BUREAU_* counts are missing for clients unknown to the
credit bureau.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES

from .amounts import contract_amounts, rank_uniform, round_to
from .copula import ColumnSampler
from .drift import DriftScenario
from .housing import building_columns
from .latent import Latents, RiskModel, fit_decile_loading, fit_level_loading, fit_missing_loading
from .marginals import as_object, draw_index, inverse_cdf, ordered_levels, uniform

YEAR = 365.25
BUREAU_REQUEST_PERIODS = ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")
EMPLOYED_ONLY_FLAGS = (
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
)
NOT_EMPLOYED = ("Pensioner", "Unemployed")


@dataclass(frozen=True)
class ApplicationModel:
    """Everything fitted once from the profile: the risk model and each column's loadings."""

    risk: RiskModel
    train_columns: Mapping[str, Mapping[str, Any]]
    test_columns: Mapping[str, Mapping[str, Any]]
    loadings: Mapping[str, float]
    """Correlation of each column's score with the application factor."""
    missing_loadings: Mapping[str, float]
    """Correlation of each column's missingness score with the application factor."""


def fit_application_model(profile: Mapping[str, Any], risk: RiskModel) -> ApplicationModel:
    """Fit the per-column loadings of the application tables on the train profile."""
    tables = profile["tables"]
    train = tables["application_train"]["columns"]
    target_rate = float(tables["application_train"]["target_rate"])
    loadings: dict[str, float] = {}
    missing_loadings: dict[str, float] = {}
    for name, column in train.items():
        if column.get("kind") == "numeric":
            rho = fit_decile_loading(column.get("default_rate_by_decile"), risk)
        elif column.get("kind") == "categorical" and column.get("default_rate_by_level"):
            names, shares = ordered_levels(column, column)
            rates = column["default_rate_by_level"]
            middle = float(np.mean(list(rates.values())))
            rho = fit_level_loading(shares, np.array([rates.get(n, middle) for n in names]), risk)
            # Ordering many small levels by their noisy default rates overstates the risk they carry.
            rho *= 0.75 if len(names) > 10 else 1.0
        else:
            continue
        loadings[name] = rho / risk.weight_application
        if column.get("missing_rate", 0) > 0.02:
            rho_missing = fit_missing_loading(
                column["missing_rate"], column.get("default_rate_when_missing"), risk, target_rate
            )
            missing_loadings[name] = rho_missing / risk.weight_application
    return ApplicationModel(
        risk=risk,
        train_columns=train,
        test_columns=tables["application_test"]["columns"],
        loadings=loadings,
        missing_loadings=missing_loadings,
    )


@dataclass(frozen=True)
class Clients:
    """What the history generators need to know about the clients of a chunk."""

    sk_id_curr: np.ndarray
    latents: Latents
    youth: np.ndarray
    """Standard-normal age score, higher is younger."""
    has_bureau: np.ndarray


def generate_applications(
    rng: np.random.Generator,
    sk_id_curr: np.ndarray,
    latents: Latents,
    model: ApplicationModel,
    *,
    side: str,
    target: np.ndarray | None = None,
    drift: DriftScenario | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Rows of ``application_<side>`` for the given clients, with their youth scores and bureau flags."""
    columns = model.train_columns if side == "train" else model.test_columns
    drift = drift or DriftScenario("none")
    n = sk_id_curr.shape[0]
    s = ColumnSampler(
        rng,
        columns,
        model.train_columns,
        latents.application,
        model.loadings,
        model.missing_loadings,
        factors={"wealth": rng.standard_normal(n)},
    )
    out: dict[str, Any] = {"SK_ID_CURR": sk_id_curr}
    if target is not None:
        out["TARGET"] = target

    # Person: age first, it drives pensions, children, family and employment length.
    youth = s.score("DAYS_BIRTH")
    s.factors["youth"] = youth
    s.factor_risk["youth"] = float(np.clip(model.loadings.get("DAYS_BIRTH", 0.0), -0.95, 0.95))
    days_birth = np.minimum(s.numeric("DAYS_BIRTH", youth) + drift.years_younger * YEAR, -21 * YEAR)
    out["DAYS_BIRTH"] = np.round(days_birth).astype(np.int64)

    income_types = columns["NAME_INCOME_TYPE"]["levels"]
    pension_share = float(income_types.get("Pensioner", 0.0))
    unemployed_share = float(income_types.get("Unemployed", 0.0))
    pensioner = uniform(s.mixed(0.0, youth=-0.88)) > 1.0 - pension_share
    worker_type = s.levels("NAME_INCOME_TYPE", exclude=NOT_EMPLOYED)
    unemployed = ~pensioner & (rng.random(n) < unemployed_share)
    income_type = np.where(pensioner, "Pensioner", np.where(unemployed, "Unemployed", worker_type))
    out["NAME_INCOME_TYPE"] = as_object(income_type)
    not_working = pensioner | unemployed
    working_share = max(1.0 - pension_share - unemployed_share, 1e-9)

    out.update(_family(s, pensioner))
    out.update(_contract(s, latents, drift))
    out.update(_employment(s, days_birth, not_working, working_share))
    out.update(_region_and_contact(s, not_working, working_share))
    out.update(_scores(s, drift))
    out.update(building_columns(s, model.missing_loadings.get("TOTALAREA_MODE", 0.0)))
    out.update(_social_circle(s))
    out.update(_documents(s))
    has_bureau = _bureau_presence(s, model)
    out.update(_bureau_requests(s, has_bureau, drift))

    frame = pd.DataFrame({name: out[name] for name in RAW_TABLES[f"application_{side}"]})
    return frame, youth, has_bureau


def _family(s: ColumnSampler, pensioner: np.ndarray) -> dict[str, np.ndarray]:
    gender = s.levels("CODE_GENDER")
    if "XNA" not in s.columns["CODE_GENDER"]["levels"]:  # 4 clients in the real 307,511
        gender[s.rng.random(s.n) < 4 / 307_511] = "XNA"
    children = s.numeric("CNT_CHILDREN", s.mixed(0.1, youth=0.35)).astype(np.int64)
    children[pensioner & (s.rng.random(s.n) < 0.8)] = 0
    status = s.levels("NAME_FAMILY_STATUS", s.score("NAME_FAMILY_STATUS", youth=0.3))
    partner = np.isin(status, ("Married", "Civil marriage"))
    education = s.levels("NAME_EDUCATION_TYPE", s.score("NAME_EDUCATION_TYPE", wealth=-0.45))
    housing = s.levels("NAME_HOUSING_TYPE", s.score("NAME_HOUSING_TYPE", youth=0.3))
    return {
        "CODE_GENDER": as_object(gender),
        "CNT_CHILDREN": children,
        "NAME_FAMILY_STATUS": as_object(status),
        "CNT_FAM_MEMBERS": (children + 1 + partner).astype(float),
        "NAME_TYPE_SUITE": s.text("NAME_TYPE_SUITE"),
        "NAME_EDUCATION_TYPE": as_object(education),
        "NAME_HOUSING_TYPE": as_object(housing),
        "FLAG_OWN_REALTY": as_object(s.levels("FLAG_OWN_REALTY", s.mixed(0.0, wealth=-0.3))),
    }


def _contract(s: ColumnSampler, latents: Latents, drift: DriftScenario) -> dict[str, np.ndarray]:
    contract_type = s.levels("NAME_CONTRACT_TYPE")
    if drift.revolving_share is not None:
        revolving_now = s.rng.random(s.n) < drift.revolving_share
        contract_type = np.where(revolving_now, "Revolving loans", "Cash loans")
    revolving = contract_type == "Revolving loans"
    income = s.numeric("AMT_INCOME_TOTAL", s.score("AMT_INCOME_TOTAL", wealth=0.7)) * drift.income_factor
    income = np.where(s.rng.random(s.n) < 0.85, np.maximum(round_to(income, 4_500), 4_500), np.round(income))
    amounts = contract_amounts(s, revolving, latents.application, drift.credit_factor)
    car = s.levels("FLAG_OWN_CAR", s.score("FLAG_OWN_CAR", wealth=-0.45)) == "Y"
    car_age = s.numeric("OWN_CAR_AGE", s.score("OWN_CAR_AGE", wealth=-0.3))
    return {
        "NAME_CONTRACT_TYPE": as_object(contract_type),
        "AMT_INCOME_TOTAL": income.astype(float),
        **amounts,
        "FLAG_OWN_CAR": as_object(np.where(car, "Y", "N")),
        "OWN_CAR_AGE": np.where(car, car_age, np.nan),
        "WEEKDAY_APPR_PROCESS_START": as_object(s.levels("WEEKDAY_APPR_PROCESS_START")),
        "HOUR_APPR_PROCESS_START": s.numeric("HOUR_APPR_PROCESS_START").astype(np.int64),
    }


def _employment(
    s: ColumnSampler, days_birth: np.ndarray, not_working: np.ndarray, working_share: float
) -> dict[str, np.ndarray]:
    adult_days = days_birth + 18 * YEAR  # nobody started working or registered before 18 (an ID before 14)
    # Tenures are ranked among the working clients only, so the oldest (pensioners) do not take the longest.
    tenure_score = s.score("DAYS_EMPLOYED", youth=0.65)
    working = ~not_working
    employed = np.zeros(s.n)
    employed[working] = inverse_cdf(rank_uniform(tenure_score[working]), s.columns["DAYS_EMPLOYED"])
    employed = np.minimum(np.maximum(employed, adult_days), -1)
    organisation = s.levels("ORGANIZATION_TYPE", exclude=("XNA",))
    occupation = as_object(s.levels("OCCUPATION_TYPE"))
    occupation_missing = float(s.columns["OCCUPATION_TYPE"]["missing_rate"])
    extra_missing = max(occupation_missing - (1.0 - working_share), 0.0) / working_share
    occupation[not_working | (s.rng.random(s.n) < extra_missing)] = None
    registration = s.numeric("DAYS_REGISTRATION", s.score("DAYS_REGISTRATION", youth=0.5))
    id_publish = s.numeric("DAYS_ID_PUBLISH", s.score("DAYS_ID_PUBLISH", youth=0.3))
    work_phone = s.flag("FLAG_WORK_PHONE", share=s.share("FLAG_WORK_PHONE", 1.0) / working_share)
    return {
        "DAYS_EMPLOYED": np.where(not_working, DAYS_SENTINEL, np.round(employed)).astype(np.int64),
        "ORGANIZATION_TYPE": as_object(np.where(not_working, "XNA", organisation)),
        "OCCUPATION_TYPE": occupation,
        "DAYS_REGISTRATION": np.minimum(np.round(np.maximum(registration, adult_days)), 0).astype(np.int64),
        "DAYS_ID_PUBLISH": np.minimum(np.round(np.maximum(id_publish, days_birth + 14 * YEAR)), 0).astype(
            np.int64
        ),
        "DAYS_LAST_PHONE_CHANGE": np.minimum(s.numeric("DAYS_LAST_PHONE_CHANGE"), 0.0),
        "FLAG_MOBIL": np.ones(s.n, dtype=np.int64),
        "FLAG_EMP_PHONE": working.astype(np.int64),
        "FLAG_WORK_PHONE": np.where(not_working, 0, work_phone).astype(np.int64),
    }


def _region_and_contact(
    s: ColumnSampler, not_working: np.ndarray, working_share: float
) -> dict[str, np.ndarray]:
    population_score = s.score("REGION_POPULATION_RELATIVE", wealth=0.3)
    population = s.numeric("REGION_POPULATION_RELATIVE", population_score)
    # Regions are a finite set: snap to a grid of ~100 values of the quantile function, as in the real file.
    grid = np.unique(s.numeric("REGION_POPULATION_RELATIVE", np.linspace(-3, 3, 101)))
    population = np.round(grid[np.abs(population[:, None] - grid[None, :]).argmin(axis=1)], 6)
    rating_score = -0.75 * population_score + s.mixed(0.35)
    rating = s.numeric("REGION_RATING_CLIENT", rating_score).astype(np.int64)
    rating_city = s.numeric("REGION_RATING_CLIENT_W_CITY", rating_score + 0.25 * s.rng.standard_normal(s.n))
    s.factors["mobility"] = s.rng.standard_normal(s.n)
    out = {
        "REGION_POPULATION_RELATIVE": population,
        "REGION_RATING_CLIENT": rating,
        "REGION_RATING_CLIENT_W_CITY": rating_city.astype(np.int64),
        "FLAG_CONT_MOBILE": s.flag("FLAG_CONT_MOBILE"),
        "FLAG_PHONE": s.flag("FLAG_PHONE", s.mixed(-0.1, youth=-0.3)),
        "FLAG_EMAIL": s.flag("FLAG_EMAIL", s.mixed(0.0, wealth=0.3)),
        "REG_REGION_NOT_LIVE_REGION": s.flag("REG_REGION_NOT_LIVE_REGION", s.mixed(0.05, mobility=0.8)),
        "REG_CITY_NOT_LIVE_CITY": s.flag("REG_CITY_NOT_LIVE_CITY", s.mixed(0.15, mobility=0.8)),
    }
    for name in EMPLOYED_ONLY_FLAGS:
        share = min(s.share(name, 1.0) / working_share, 1.0)
        flag = s.flag(name, s.mixed(0.1, mobility=0.6), share=share)
        out[name] = np.where(not_working, 0, flag).astype(np.int64)
    return out


def _scores(s: ColumnSampler, drift: DriftScenario) -> dict[str, np.ndarray]:
    """EXT_SOURCE_1/2/3: the strongest risk signals; EXT_SOURCE_1 also grows with age, as in the real data."""
    out = {}
    for name, age_mix in (("EXT_SOURCE_1", -0.45), ("EXT_SOURCE_2", 0.0), ("EXT_SOURCE_3", -0.2)):
        values = s.numeric(name, s.score(name, youth=age_mix))
        rate = drift.missing_rates.get(name, float(s.columns[name]["missing_rate"]))
        values[s.missing(name, rate)] = np.nan
        out[name] = values
    return out


def _social_circle(s: ColumnSampler) -> dict[str, np.ndarray]:
    """Observed and defaulted acquaintances: defaults only among observed ones (DEF <= OBS, 60 <= 30 days)."""
    observed = s.numeric("OBS_30_CNT_SOCIAL_CIRCLE")
    observed_60 = np.where(s.rng.random(s.n) < 0.97, observed, s.numeric("OBS_60_CNT_SOCIAL_CIRCLE"))
    defaulted_score = uniform(s.mixed(0.3))
    out = {"OBS_30_CNT_SOCIAL_CIRCLE": observed, "OBS_60_CNT_SOCIAL_CIRCLE": observed_60}
    for name, among in (("DEF_30_CNT_SOCIAL_CIRCLE", observed), ("DEF_60_CNT_SOCIAL_CIRCLE", observed_60)):
        # Defaults need observed acquaintances: the profile's shares, rescaled to the clients who have some.
        shares = {float(v): p for v, p in s.columns[name]["value_shares"].items() if float(v) > 0}
        some = max(float((among > 0).mean()) if among.size else 1.0, 1e-9)
        values = np.array([0.0, *shares])
        conditional = np.array([0.0, *shares.values()]) / some
        conditional[0] = max(1.0 - conditional[1:].sum(), 0.0)
        drawn = values[draw_index(defaulted_score, conditional)]
        out[name] = np.where(among > 0, np.minimum(drawn, among), 0.0)
    out["DEF_60_CNT_SOCIAL_CIRCLE"] = np.minimum(
        out["DEF_60_CNT_SOCIAL_CIRCLE"], out["DEF_30_CNT_SOCIAL_CIRCLE"]
    )
    missing = s.missing("OBS_30_CNT_SOCIAL_CIRCLE")
    for values in out.values():
        values[missing] = np.nan
    return out


def _documents(s: ColumnSampler) -> dict[str, np.ndarray]:
    """One main document per client (FLAG_DOCUMENT_3, _6, _8...), a few clients with none."""
    names = [f"FLAG_DOCUMENT_{k}" for k in range(2, 22)]
    shares = np.array([s.share(name, 1.0) for name in names])
    none_share = max(1.0 - shares.sum(), 0.0)
    chosen = draw_index(s.rng.random(s.n), np.append(shares, none_share))
    return {name: (chosen == k).astype(np.int64) for k, name in enumerate(names)}


def _bureau_presence(s: ColumnSampler, model: ApplicationModel) -> np.ndarray:
    """Whether the credit bureau knows the client (drives the bureau table and AMT_REQ_* missingness)."""
    rate = float(s.columns["AMT_REQ_CREDIT_BUREAU_YEAR"]["missing_rate"])
    loading = model.missing_loadings.get("AMT_REQ_CREDIT_BUREAU_YEAR", 0.0)
    return ~s.missing("AMT_REQ_CREDIT_BUREAU_YEAR", rate, loading)


def _bureau_requests(s: ColumnSampler, has_bureau: np.ndarray, drift: DriftScenario) -> dict[str, np.ndarray]:
    appetite = s.mixed(0.1)
    out = {}
    for period in BUREAU_REQUEST_PERIODS:
        name = f"AMT_REQ_CREDIT_BUREAU_{period}"
        values = s.numeric(name, 0.6 * appetite + 0.8 * s.rng.standard_normal(s.n))
        values[~has_bureau] = np.nan
        if name in drift.missing_rates:
            values[s.rng.random(s.n) < drift.missing_rates[name]] = np.nan
        out[name] = values
    return out
