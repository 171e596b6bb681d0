"""Typed parameters of the demo_data pipeline (``demo_data:`` in parameters_demo_data.yml), size presets."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

import credit_scoring

from .drift import DRIFT_SCENARIOS
from .generator import FIRST_SK_ID_CURR, ChunkSpec


@dataclass(frozen=True)
class Preset:
    n_train: int
    n_test: int
    chunk_clients: int


PRESETS: dict[str, Preset] = {
    "small": Preset(n_train=4_000, n_test=800, chunk_clients=2_500),
    "default": Preset(n_train=30_000, n_test=6_000, chunk_clients=20_000),
    "full": Preset(n_train=307_511, n_test=48_744, chunk_clients=25_000),
}


class SignalParams(BaseModel):
    """Strength of the default mechanism (see ``latent.py``)."""

    model_config = ConfigDict(extra="forbid")
    beta: float = Field(2.3, gt=0, le=5)
    weight_application: float = Field(0.85, gt=0, lt=1)
    weight_behaviour: float = Field(0.17, ge=0, lt=1)


class DemoDataParams(BaseModel):
    """Parameters of the demo data generator."""

    model_config = ConfigDict(extra="forbid")
    seed: int = Field(42, ge=0)
    preset: str = "default"
    overwrite: bool = False
    drift: str = "none"
    n_train: PositiveInt | None = None
    n_test: PositiveInt | None = None
    chunk_clients: PositiveInt | None = None
    signal: SignalParams = SignalParams()

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESETS:
            raise ValueError(f"unknown preset {value!r}; choose one of {sorted(PRESETS)}")
        return value

    @field_validator("drift")
    @classmethod
    def _known_drift(cls, value: str) -> str:
        if value not in DRIFT_SCENARIOS:
            raise ValueError(f"unknown drift scenario {value!r}; choose one of {sorted(DRIFT_SCENARIOS)}")
        return value


@dataclass(frozen=True)
class GenerationPlan:
    """What a run generates: validated parameters and the list of client chunks."""

    seed: int
    preset: str
    drift: str
    overwrite: bool
    n_train: int
    n_test: int
    chunks: tuple[ChunkSpec, ...]
    signal: SignalParams


def make_plan(params: DemoDataParams) -> GenerationPlan:
    """Split the preset's (or overridden) numbers of clients into chunks of contiguous SK_ID_CURR."""
    preset = PRESETS[params.preset]
    n_train = params.n_train or preset.n_train
    n_test = params.n_test or preset.n_test
    chunk_clients = params.chunk_clients or preset.chunk_clients
    n_chunks = max(1, math.ceil((n_train + n_test) / chunk_clients))
    chunks, first_id = [], FIRST_SK_ID_CURR
    for index in range(n_chunks):
        train = _part(n_train, n_chunks, index)
        test = _part(n_test, n_chunks, index)
        chunks.append(ChunkSpec(index=index, first_sk_id_curr=first_id, n_train=train, n_test=test))
        first_id += train + test
    return GenerationPlan(
        params.seed,
        params.preset,
        params.drift,
        params.overwrite,
        n_train,
        n_test,
        tuple(chunks),
        params.signal,
    )


def _part(total: int, parts: int, index: int) -> int:
    """Size of part ``index`` when ``total`` is split into ``parts`` near-equal parts."""
    return total // parts + (1 if index < total % parts else 0)


def packaged_profile() -> dict[str, Any]:
    """The real-data profile shipped with the package (what the catalog's ``home_credit_profile`` loads)."""
    path = Path(credit_scoring.__file__).parent / "resources" / "profile.json"
    return json.loads(path.read_text(encoding="utf-8"))
