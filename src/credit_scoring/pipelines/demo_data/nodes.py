"""Nodes of the demo_data pipeline: validate the parameters into a plan, then stream the tables by chunks."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from credit_scoring.datasets.csv_tables import TablesChunk
from credit_scoring.raw.tables import RAW_TABLES

from .config import DemoDataParams, GenerationPlan, make_plan
from .drift import DRIFT_SCENARIOS
from .generator import NextIds, fit_generator, generate_chunk

logger = logging.getLogger(__name__)


def plan_demo_data(parameters: Mapping[str, Any]) -> GenerationPlan:
    """Validate ``params:demo_data`` and split the clients into chunks."""
    try:
        params = DemoDataParams.model_validate(dict(parameters))
    except ValidationError as error:
        raise ValueError(f"Invalid demo_data parameters:\n{error}") from error
    plan = make_plan(params)
    logger.info(
        "Demo data: preset %r, %d train + %d test clients in %d chunk(s), seed %d, drift %r",
        plan.preset, plan.n_train, plan.n_test, len(plan.chunks), plan.seed, plan.drift,
    )  # fmt: skip
    return plan


def generate_demo_data(plan: GenerationPlan, profile: Mapping[str, Any]) -> Iterator[TablesChunk]:
    """Yield the eight raw tables chunk by chunk, each with the manifest of what was generated so far.

    A generator node: Kedro saves every chunk as it comes, so only one chunk is in memory at a time.
    """
    _check_profile(profile)
    signal = plan.signal
    model = fit_generator(profile, signal.beta, signal.weight_application, signal.weight_behaviour)
    drift = DRIFT_SCENARIOS[plan.drift]
    rows = dict.fromkeys(RAW_TABLES, 0)
    next_ids = NextIds()
    for chunk in plan.chunks:
        tables, next_ids = generate_chunk(model, chunk, plan.seed, drift, next_ids)
        for name, frame in tables.items():
            rows[name] += len(frame)
        logger.info(
            "Demo data: chunk %d/%d generated (%s rows so far)",
            chunk.index + 1, len(plan.chunks), f"{sum(rows.values()):,}",
        )  # fmt: skip
        chunk_out = TablesChunk(
            tables, overwrite=plan.overwrite, manifest=_manifest(plan, rows, chunk.index + 1)
        )
        del tables
        yield chunk_out
        del chunk_out  # keep no reference while the next chunk is generated


def _manifest(plan: GenerationPlan, rows: Mapping[str, int], chunks_done: int) -> dict[str, Any]:
    return {
        "generator": "credit_scoring demo_data pipeline (synthetic data, not the Kaggle files)",
        "seed": plan.seed,
        "preset": plan.preset,
        "drift": plan.drift,
        "drift_description": DRIFT_SCENARIOS[plan.drift].description,
        "clients": {"train": plan.n_train, "test": plan.n_test},
        "signal": plan.signal.model_dump(),
        "chunks": {"done": chunks_done, "total": len(plan.chunks)},
        "complete": chunks_done == len(plan.chunks),
        "rows": dict(rows),
    }


def _check_profile(profile: Mapping[str, Any]) -> None:
    tables = profile.get("tables", {}) if isinstance(profile, Mapping) else {}
    missing = sorted(set(RAW_TABLES) - set(tables) - {"installments_payments"})
    if missing:
        raise ValueError(f"The profile lacks the tables {missing}; expected resources/profile.json")
