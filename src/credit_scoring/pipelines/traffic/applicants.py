"""A month of new applicants for the simulated stream: the demo generator's clients (applications, full credit
histories and the outcome each will have), and the history aggregates the scoring API needs to know them.

The applicants are the generator's *production* side (``application_test`` rows: no TARGET), drawn with the
month's drift scenario, so a downturn changes who applies exactly as it changes the demo data. Each client's
outcome is drawn by the generator from the same latent risk as its data; the simulation keeps it aside and
sends it back only after the loan's observation window (`credit_scoring.pipelines.traffic.outcomes`).

The API scores a known client with the history aggregates data_processing stored for it. New applicants come
with their bureau and earlier-loan records, as a real applicant's do; `history_aggregates` computes their
aggregates with the batch pipeline's own definitions (validation staging, feature sets, assembly), so the
simulated store holds what data_processing would have written for them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from credit_scoring.features.application import application_features
from credit_scoring.features.definitions import HISTORY_FEATURE_SETS
from credit_scoring.features.expressions import CLIENT_KEY
from credit_scoring.features.model_input import assemble_model_input
from credit_scoring.pipelines.demo_data.drift import DRIFT_SCENARIOS, drift_scenario
from credit_scoring.pipelines.demo_data.generator import (
    ChunkSpec,
    GeneratorModel,
    NextIds,
    generate_labelled_chunk,
)
from credit_scoring.raw.tables import HISTORY_TABLES, RAW_TABLES
from credit_scoring.raw.validation import stage_raw_table, typed_columns
from credit_scoring.serving.history import history_feature_columns

APPLICATION_TABLE = "application_test"
#: Simulated clients get identifiers far above any Home Credit one (456,255 at most), one block per month.
FIRST_SIMULATED_ID = 20_000_000
ID_BLOCK_PER_MONTH = 1_000_000


@dataclass(frozen=True)
class MonthApplicants:
    """One month's applicants: their application rows, raw history tables and drawn outcomes."""

    applications: pd.DataFrame
    history: dict[str, pd.DataFrame]
    outcomes: pd.Series
    """TARGET by SK_ID_CURR: would the loan default within the observation window."""


@dataclass(frozen=True)
class ApplicantMix:
    """A change of *who applies*, decided on what the application shows: the applicants are drawn from a
    larger pool of the generator's ordinary clients with weights ``exp(strength * risk index)``, the risk
    index being the standardised lack of external credit score (the mean of ``EXT_SOURCE_2`` and
    ``EXT_SOURCE_3``; missing counts as average). Selection on observed fields only leaves the chance of
    default *given a profile* unchanged: the covariate shift a confidence-based estimate is built for."""

    description: str
    strength: float
    pool_factor: int = 4


#: The simulation's own scenarios, beside the generator's (`DRIFT_SCENARIOS`, which move the clients' latent
#: risk: the same profile then defaults more often, a change of the relation no estimate without labels sees).
APPLICANT_MIXES: dict[str, ApplicantMix] = {
    "riskier_applicants": ApplicantMix(
        "A downturn brings riskier applicants: the mix moves towards low external credit scores (selection "
        "on what the application shows), while each profile defaults as often as before.",
        strength=1.0,
    ),
}


def scenario_names() -> list[str]:
    return sorted({*DRIFT_SCENARIOS, *APPLICANT_MIXES})


def _risk_index(applications: pd.DataFrame) -> np.ndarray:
    scores = applications[["EXT_SOURCE_2", "EXT_SOURCE_3"]].astype(float)
    standardised = (scores - scores.mean()) / scores.std(ddof=0)
    return -standardised.mean(axis=1).fillna(0.0).to_numpy()


def _selected(month: MonthApplicants, clients: np.ndarray) -> MonthApplicants:
    keep = month.applications[CLIENT_KEY].isin(clients)
    history = {}
    bureau_ids = month.history["bureau"].loc[
        month.history["bureau"][CLIENT_KEY].isin(clients), "SK_ID_BUREAU"
    ]
    for table, frame in month.history.items():
        rows = (
            frame["SK_ID_BUREAU"].isin(bureau_ids)
            if table == "bureau_balance"
            else frame[CLIENT_KEY].isin(clients)
        )
        history[table] = frame[rows].reset_index(drop=True)
    return MonthApplicants(
        month.applications[keep].reset_index(drop=True),
        history,
        month.outcomes[month.outcomes.index.isin(clients)],
    )


def month_applicants(
    model: GeneratorModel, *, month_index: int, n_applicants: int, seed: int, scenario: str
) -> MonthApplicants:
    """The applicants of month ``month_index`` (0-based) under ``scenario`` (`scenario_names`),
    reproducible from ``seed``."""
    mix = APPLICANT_MIXES.get(scenario)
    pool_size = n_applicants * (mix.pool_factor if mix else 1)
    if pool_size >= ID_BLOCK_PER_MONTH:
        raise ValueError(f"at most {ID_BLOCK_PER_MONTH - 1:,} clients per month, got {pool_size:,}")
    first_id = FIRST_SIMULATED_ID + month_index * ID_BLOCK_PER_MONTH
    chunk = ChunkSpec(index=month_index, first_sk_id_curr=first_id, n_train=0, n_test=pool_size)
    drift = DRIFT_SCENARIOS["none"] if mix else drift_scenario(scenario)
    tables, _, outcomes = generate_labelled_chunk(model, chunk, seed, drift, NextIds())
    month = MonthApplicants(tables[APPLICATION_TABLE], {t: tables[t] for t in HISTORY_TABLES}, outcomes)
    if mix is None:
        return month
    weights = np.exp(mix.strength * _risk_index(month.applications))
    rng = np.random.default_rng([seed, month_index, 99])
    chosen = rng.choice(len(weights), size=n_applicants, replace=False, p=weights / weights.sum())
    return _selected(month, month.applications[CLIENT_KEY].to_numpy()[np.sort(chosen)])


def _as_csv_text(frame: pd.DataFrame, table: str) -> pa.Table:
    """``frame`` as data_processing reads a raw CSV file: every column as text, empty cells as NULL."""
    columns = list(RAW_TABLES[table])
    buffer = io.BytesIO(frame[columns].to_csv(index=False, lineterminator="\n").encode())
    options = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(columns, pa.string()), strings_can_be_null=True
    )
    return pa_csv.read_csv(buffer, convert_options=options)


#: The identifiers that join history tables to one another (not to the client): each month's generator starts
#: them afresh, so months are told apart before their tables are put together.
HISTORY_RECORD_KEYS = ("SK_ID_BUREAU", "SK_ID_PREV")


def months_history_aggregates(months: Sequence[MonthApplicants]) -> pd.DataFrame:
    """`history_aggregates` of every month's applicants in one batch query (the query's compilation, most of
    a month's cost, is paid once). Each month's history identifiers are shifted past the previous months'
    ones; they only join a client's records to one another, and the clients' ids already differ by month.
    Equal to the months' aggregates computed one by one (tests/pipelines/traffic/test_traffic_parts.py)."""
    shifted: list[dict[str, pd.DataFrame]] = []
    offsets = dict.fromkeys(HISTORY_RECORD_KEYS, 0)
    for month in months:
        tables = {}
        for table, frame in month.history.items():
            keys = [key for key in HISTORY_RECORD_KEYS if key in frame.columns]
            tables[table] = frame.assign(**{key: frame[key] + offsets[key] for key in keys})
        for key in HISTORY_RECORD_KEYS:
            highest = [frame[key].max() for frame in tables.values() if key in frame.columns and len(frame)]
            offsets[key] = int(max(highest, default=offsets[key])) + 1
        shifted.append(tables)
    applications = pd.concat([month.applications for month in months], ignore_index=True)
    history = {
        table: pd.concat([tables[table] for tables in shifted], ignore_index=True) for table in HISTORY_TABLES
    }
    return history_aggregates(applications, history)


def history_aggregates(applications: pd.DataFrame, history: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per applicant: ``SK_ID_CURR`` and the history columns of the keyed store, computed by the
    batch definitions (as `build_client_history_features` computes them) on an in-memory DuckDB."""
    con = ibis.duckdb.connect(threads=1)
    try:
        raw = {APPLICATION_TABLE: applications, **history}
        typed = {}
        for table, frame in raw.items():
            loaded = con.create_table(f"raw_{table.lower()}", _as_csv_text(frame, table))
            typed[table] = typed_columns(stage_raw_table(loaded, table), table)
        features = {
            feature_set.name: feature_set.build(*(typed[table] for table in feature_set.tables))
            for feature_set in HISTORY_FEATURE_SETS
        }
        model_input = assemble_model_input(application_features(typed[APPLICATION_TABLE]), features)
        columns = history_feature_columns()
        return model_input.select(CLIENT_KEY, *columns).order_by(CLIENT_KEY).to_pandas()
    finally:
        con.disconnect()
