"""The traffic pipeline: months of generated applications replayed through the scoring API, and their outcomes
sent back with the label delay (`make simulate`; docs/mlops.md "The loop, simulated")."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import requests
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator

from credit_scoring.api.config import load_settings
from credit_scoring.monitoring.performance import period_label
from credit_scoring.pipelines.demo_data.config import DemoDataParams, packaged_profile
from credit_scoring.pipelines.demo_data.generator import fit_generator
from credit_scoring.records import TABLE_NAME, prediction_log, utc_timestamp

from .applicants import MonthApplicants, month_applicants, months_history_aggregates, scenario_names
from .feed import arriving_outcomes
from .replay import check_ready, replay_batch, served_api

logger = logging.getLogger(__name__)
HISTORY_STORE_FILE = "client_history_features.parquet"


class TrafficSettings(BaseModel):
    """``params:traffic`` (conf/base/parameters_traffic.yml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: Path = Field(description="The simulation's files: decision log, history store")
    decision_log_url: str = Field(description="The simulation's own decision log, never the production one")
    first_month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    months: int = Field(ge=1, le=36)
    applicants_per_month: int = Field(ge=10, le=200_000)
    scenario: str = Field(
        description="A scenario of applicants.scenario_names(), from scenario_from_month on"
    )
    scenario_from_month: int = Field(ge=1, description="1 = the first simulated month")
    max_delay_days: int = Field(ge=0, le=365, description="Outcomes arrive up to this long after the window")
    batch_size: int = Field(ge=1, le=1000, description="Applications per POST /predict/batch")
    seed: int = Field(ge=0)

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, value: str) -> str:
        if value not in scenario_names():
            raise ValueError(f"unknown scenario {value!r}; known scenarios: {', '.join(scenario_names())}")
        return value

    def month_starts(self) -> list[pd.Timestamp]:
        first = pd.Timestamp(f"{self.first_month}-01", tz="UTC")
        return [first + pd.DateOffset(months=k) for k in range(self.months + 1)]

    def scenario_of(self, month_index: int) -> str:
        return self.scenario if month_index + 1 >= self.scenario_from_month else "none"


def _reset_decision_log(url: str, folder: Path) -> None:
    """Start from an empty simulation log: a SQLite file inside the simulation folder is removed; any other
    database must hold no decision (a simulation never writes into a log that has real ones)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database).resolve()
        if folder.resolve() not in path.parents:
            raise ValueError(f"traffic.decision_log_url {url!r} is outside traffic.folder {folder}: refused")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if sa.inspect(connection).has_table(TABLE_NAME):
                counting = sa.select(sa.func.count()).select_from(prediction_log)
                count = connection.execute(counting).scalar_one()
                if count:
                    raise ValueError(f"{parsed.render_as_string()} already holds {count} decisions: refused")
    finally:
        engine.dispose()


def _simulated_store(production_store: Path, months: list[MonthApplicants], target: Path) -> Path:
    """The production history store with the simulated applicants' aggregates appended (cast to the store's
    Arrow schema), written to ``target`` for the simulation's API."""
    store = pq.read_table(production_store)
    added = months_history_aggregates(months)
    added_table = pa.Table.from_pandas(added[store.column_names], preserve_index=False).cast(store.schema)
    combined = pa.concat_tables([store, added_table]).sort_by("SK_ID_CURR")
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(combined, target)
    return target


class _StageClock:
    """Wall time of each stage of the replay, for the manifest (and benchmarks/bench_simulation.py)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self._last
        self._last = now


def _month_moments(start: pd.Timestamp, end: pd.Timestamp, n_batches: int) -> list[pd.Timestamp]:
    """Batch times spread evenly over the month (the middle of each slice)."""
    span = end - start
    return [start + span * ((k + 0.5) / n_batches) for k in range(n_batches)]


def replay_traffic(
    traffic: Mapping[str, Any], demo_data: Mapping[str, Any], performance: Mapping[str, Any]
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Generate each month's applicants, score them through the API at their month's time, and return the
    outcome files the lender receives by the end of the simulation, with a manifest of what happened."""
    clock = _StageClock()
    settings = TrafficSettings.model_validate(dict(traffic))
    observation_months = int(performance["observation_months"])
    signal = DemoDataParams.model_validate(dict(demo_data)).signal
    model = fit_generator(packaged_profile(), signal.beta, signal.weight_application, signal.weight_behaviour)
    starts = settings.month_starts()
    months = [
        month_applicants(
            model,
            month_index=k,
            n_applicants=settings.applicants_per_month,
            seed=settings.seed,
            scenario=settings.scenario_of(k),
        )
        for k in range(settings.months)
    ]
    clock.lap("generate_applicants")
    root = Path.cwd()
    api_settings = load_settings({"root": str(root)})
    store = _simulated_store(
        api_settings.paths.client_history_features, months, settings.folder / HISTORY_STORE_FILE
    )
    clock.lap("history_aggregates")
    _reset_decision_log(settings.decision_log_url, settings.folder)
    logger.info(
        "Traffic: %d months of %d applicants from %s, scenario %r from month %d",
        settings.months, settings.applicants_per_month, settings.first_month, settings.scenario,
        settings.scenario_from_month,
    )  # fmt: skip
    decided = []
    with (
        served_api(
            root=root, decision_log_url=settings.decision_log_url, history_store=store, start=starts[0]
        ) as api,
        requests.Session() as session,
    ):
        check_ready(api, session)
        for k, month in enumerate(months):
            n_batches = int(np.ceil(len(month.applications) / settings.batch_size))
            moments = _month_moments(starts[k], starts[k + 1], n_batches)
            for b, moment in enumerate(moments):
                batch = month.applications.iloc[b * settings.batch_size : (b + 1) * settings.batch_size]
                decided.append(replay_batch(api, session, batch, moment.to_pydatetime()))
            logger.info(
                "Traffic: %s replayed (%d applications)",
                period_label(starts[k], "month"),
                len(month.applications),
            )
    clock.lap("replay_through_api")
    decisions = pd.concat(decided, ignore_index=True)
    outcomes = pd.concat([month.outcomes for month in months])
    files = arriving_outcomes(
        decisions,
        outcomes,
        observation_months=observation_months,
        max_delay_days=settings.max_delay_days,
        until=starts[-1],
        seed=settings.seed,
    )
    clock.lap("outcomes")
    manifest = _manifest(settings, decisions, outcomes, files, observation_months, clock.laps)
    return files, manifest


def _manifest(  # noqa: PLR0917
    settings: TrafficSettings,
    decisions: pd.DataFrame,
    outcomes: pd.Series,
    files: Mapping[str, pd.DataFrame],
    observation_months: int,
    seconds: Mapping[str, float],
) -> dict[str, Any]:
    """What the simulation did, per month: the scenario, the decisions and the true default rates (which
    the lender does not know: they are for checking the estimates)."""
    frame = decisions.assign(
        month=pd.to_datetime(decisions["decided_at"], utc=True).dt.strftime("%Y-%m"),
        defaulted=outcomes.reindex(decisions["SK_ID_CURR"]).to_numpy(),
        granted=decisions["decision"] == "granted",
    )
    months = []
    for k, (month, group) in enumerate(frame.groupby("month", sort=True)):
        granted = group[group["granted"]]
        months.append(
            {
                "month": month,
                "scenario": settings.scenario_of(k),
                "applications": len(group),
                "known_clients": int(group["known_client"].sum()),
                "approval_rate": float(group["granted"].mean()),
                "default_rate_all": float(group["defaulted"].mean()),
                "default_rate_granted": float(granted["defaulted"].mean()) if len(granted) else None,
                "mean_probability": float(group["probability"].mean()),
                "model_versions": sorted(group["model_version"].unique().tolist()),
            }
        )
    return {
        "generated_at": utc_timestamp(),
        "settings": settings.model_dump(mode="json"),
        "observation_months": observation_months,
        "simulated_until": settings.month_starts()[-1].isoformat(),
        "decisions": len(decisions),
        "outcome_files": {name: len(rows) for name, rows in files.items()},
        "months": months,
        "seconds": {stage: round(value, 2) for stage, value in seconds.items()},
    }
