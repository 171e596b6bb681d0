"""The 47 normalised building statistics (``*_AVG``, ``*_MODE``, ``*_MEDI``) and the four building
categoricals.

They describe the building the client lives in, so they are missing together (a single uniform per client
decides, which makes the missing patterns nested as in the real file), larger buildings score higher on every
size measure, and the three statistics of a measure are near-identical views of one value.
"""

from __future__ import annotations

import numpy as np

from credit_scoring.raw.tables import BUILDING_MEASURES as MEASURES
from credit_scoring.raw.tables import BUILDING_STATISTICS as STATISTICS

from .copula import ColumnSampler
from .marginals import as_object, uniform

#: How strongly each measure follows the building's size (the age measures barely do).
SIZE_LOADING = {
    "YEARS_BEGINEXPLUATATION": 0.2,
    "YEARS_BUILD": 0.3,
    "LANDAREA": 0.5,
    "BASEMENTAREA": 0.6,
    "NONLIVINGAREA": 0.6,
    "NONLIVINGAPARTMENTS": 0.5,
}
CATEGORICALS = ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")


def building_columns(sampler: ColumnSampler, missing_loading: float) -> dict[str, np.ndarray]:
    """All building columns of one table side, in no particular order."""
    rng, n = sampler.rng, sampler.n
    absent = uniform(sampler.mixed(missing_loading, wealth=-0.2))
    size = sampler.mixed(0.0, wealth=0.3)
    out: dict[str, np.ndarray] = {}
    for measure in MEASURES:
        loading = SIZE_LOADING.get(measure, 0.85)
        base = loading * size + np.sqrt(1 - loading**2) * rng.standard_normal(n)
        for statistic in STATISTICS:
            name = f"{measure}_{statistic}"
            risk = float(np.clip(sampler.loadings.get(name, 0.0), -0.3, 0.3))
            score = np.sqrt(1 - risk**2) * (0.995 * base + 0.0999 * rng.standard_normal(n)) + risk * (
                sampler.application
            )
            values = np.round(sampler.numeric(name, score), 4)
            values[absent > 1.0 - sampler.columns[name]["missing_rate"]] = np.nan
            out[name] = values
    total = np.round(sampler.numeric("TOTALAREA_MODE", 0.95 * size + 0.31 * rng.standard_normal(n)), 4)
    total[absent > 1.0 - sampler.columns["TOTALAREA_MODE"]["missing_rate"]] = np.nan
    out["TOTALAREA_MODE"] = total
    for name in CATEGORICALS:
        missing = absent > 1.0 - sampler.columns[name]["missing_rate"]
        out[name] = as_object(sampler.levels(name), missing)
    return out
