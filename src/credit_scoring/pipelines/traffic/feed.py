"""The outcomes the lender receives in the simulation: one CSV drop per month, in the outcome feed's format.

A granted loan's outcome (did it default within the observation window) is known once the window has ended,
and reaches the lender some days later (a servicing system's batch, a collection agency's report): observed
at ``decision + observation_months + U(0, max_delay_days)``. Refused applicants got no loan, hence no
outcome. Only outcomes observed before the end of the simulation are written: the rest has not happened yet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_scoring.monitoring.outcomes import CLIENT, GRANTED, REQUIRED_COLUMNS
from credit_scoring.monitoring.performance import period_label

FEED_COLUMNS = (CLIENT, "request_id", *REQUIRED_COLUMNS[1:])


def arriving_outcomes(
    decisions: pd.DataFrame,
    outcomes: pd.Series,
    *,
    observation_months: int,
    max_delay_days: int,
    until: pd.Timestamp,
    seed: int,
) -> dict[str, pd.DataFrame]:
    """``{"outcomes_2027-03": rows, ...}``: the outcome rows of the granted ``decisions`` (``request_id``,
    ``SK_ID_CURR``, ``decided_at``, ``decision``), grouped by the month they reach the lender, for those
    observed before ``until``. ``outcomes`` is each client's drawn default (TARGET by SK_ID_CURR)."""
    granted = decisions[decisions["decision"] == GRANTED]
    rng = np.random.default_rng(seed)
    delay = pd.to_timedelta(rng.uniform(0, max_delay_days, len(granted)), unit="D")
    window_end = pd.to_datetime(granted["decided_at"], utc=True) + pd.DateOffset(months=observation_months)
    observed = (window_end + delay).dt.floor("s")
    rows = pd.DataFrame(
        {
            CLIENT: granted[CLIENT].to_numpy(),
            "request_id": granted["request_id"].to_numpy(),
            "observed_at": observed.to_numpy(),
            "defaulted": outcomes.reindex(granted[CLIENT]).to_numpy(),
        }
    )
    if rows["defaulted"].isna().any():
        raise ValueError("a granted client has no drawn outcome: the applicants and decisions do not match")
    rows = rows[pd.to_datetime(rows["observed_at"], utc=True) < until].sort_values("observed_at")
    rows["defaulted"] = rows["defaulted"].astype(int)
    arrival = pd.to_datetime(rows["observed_at"], utc=True)
    months = arrival.dt.tz_localize(None).dt.to_period("M").dt.start_time.dt.tz_localize("UTC")
    files = {}
    for start, group in rows.groupby(months.to_numpy(), sort=True):
        frame = group[list(FEED_COLUMNS)].copy()
        frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True).dt.strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        files[f"outcomes_{period_label(pd.Timestamp(start), 'month')}"] = frame.reset_index(drop=True)
    return files
