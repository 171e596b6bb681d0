"""One chunk of clients at a time: their applications and all their history tables.

Chunks are independent given (seed, chunk index), so the full-size data is generated in bounded memory and the
same seed always gives the same bytes. Identifiers run on across chunks: SK_ID_CURR is a contiguous block per
chunk (train and test clients interleaved), SK_ID_BUREAU and SK_ID_PREV continue where the last chunk stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from credit_scoring.raw.tables import RAW_TABLES

from .applications import ApplicationModel, Clients, fit_application_model, generate_applications
from .bureau import generate_bureau
from .credit_card import generate_credit_card
from .drift import DriftScenario
from .latent import Latents, RiskModel, calibrate_risk_model, draw_latents, draw_target
from .previous import generate_previous
from .repayments import generate_installments, generate_pos_cash

FIRST_SK_ID_CURR = 100_002
FIRST_SK_ID_BUREAU = 5_000_000
FIRST_SK_ID_PREV = 1_000_000
#: Independent random streams per part of a chunk, so changing one table's code leaves the others unchanged.
STREAMS = ("latents", "target", "train", "test", "bureau", "previous", "repayments", "cards")


@dataclass(frozen=True)
class GeneratorModel:
    """What is fitted once per run from the profile."""

    profile: Mapping[str, Any]
    risk: RiskModel
    applications: ApplicationModel


@dataclass(frozen=True)
class ChunkSpec:
    """Which clients a chunk holds."""

    index: int
    first_sk_id_curr: int
    n_train: int
    n_test: int


@dataclass(frozen=True)
class NextIds:
    """First free SK_ID_BUREAU and SK_ID_PREV after the chunks generated so far."""

    bureau: int = FIRST_SK_ID_BUREAU
    previous: int = FIRST_SK_ID_PREV


def fit_generator(
    profile: Mapping[str, Any], beta: float, weight_application: float, weight_behaviour: float
) -> GeneratorModel:
    """Calibrate the risk model on the profile's target rate and fit the column loadings."""
    target_rate = float(profile["tables"]["application_train"]["target_rate"])
    risk = calibrate_risk_model(target_rate, beta, weight_application, weight_behaviour)
    return GeneratorModel(profile, risk, fit_application_model(profile, risk))


def generate_chunk(
    model: GeneratorModel, chunk: ChunkSpec, seed: int, drift: DriftScenario, next_ids: NextIds
) -> tuple[dict[str, pd.DataFrame], NextIds]:
    """All eight tables for the clients of ``chunk``, and the identifiers the next chunk starts from."""
    tables, following, _ = generate_labelled_chunk(model, chunk, seed, drift, next_ids)
    return tables, following


def generate_labelled_chunk(
    model: GeneratorModel, chunk: ChunkSpec, seed: int, drift: DriftScenario, next_ids: NextIds
) -> tuple[dict[str, pd.DataFrame], NextIds, pd.Series]:
    """`generate_chunk`, with every client's drawn outcome (TARGET, by SK_ID_CURR), the test clients'
    included: what a simulation needs to send their outcomes back later."""
    rngs = {name: np.random.default_rng([seed, chunk.index, k]) for k, name in enumerate(STREAMS)}
    n = chunk.n_train + chunk.n_test
    sk_id_curr = chunk.first_sk_id_curr + np.arange(n, dtype=np.int64)
    is_test = np.zeros(n, dtype=bool)
    is_test[rngs["latents"].permutation(n)[: chunk.n_test]] = True
    latents = draw_latents(rngs["latents"], n, model.risk)
    latents = _shift_test_risk(latents, is_test, drift.risk_shift, model.risk)
    target = draw_target(rngs["target"], latents, model.risk)

    youth = np.zeros(n)
    has_bureau = np.zeros(n, dtype=bool)
    tables: dict[str, pd.DataFrame] = {}
    for side, rows, side_drift in (("train", ~is_test, None), ("test", is_test, drift)):
        frame, side_youth, side_bureau = generate_applications(
            rngs[side],
            sk_id_curr[rows],
            _subset(latents, rows),
            model.applications,
            side=side,
            target=target[rows] if side == "train" else None,
            drift=side_drift,
        )
        tables[f"application_{side}"] = frame
        youth[rows], has_bureau[rows] = side_youth, side_bureau

    clients = Clients(sk_id_curr, latents, youth, has_bureau)
    bureau, bureau_balance = generate_bureau(rngs["bureau"], clients, model.profile, next_ids.bureau)
    previous, loans, previous_ids = generate_previous(
        rngs["previous"], clients, model.profile, next_ids.previous
    )
    cards, card_payments = generate_credit_card(rngs["cards"], loans, sk_id_curr, model.profile)
    instalments = generate_installments(rngs["repayments"], loans, sk_id_curr)
    tables.update(
        {
            "bureau": bureau,
            "bureau_balance": bureau_balance,
            "previous_application": previous,
            "POS_CASH_balance": generate_pos_cash(rngs["repayments"], loans, sk_id_curr),
            "installments_payments": pd.concat([instalments, card_payments], ignore_index=True),
            "credit_card_balance": cards,
        }
    )
    ordered = {name: tables[name][list(columns)] for name, columns in RAW_TABLES.items()}
    following = NextIds(bureau=next_ids.bureau + len(bureau), previous=next_ids.previous + previous_ids)
    return ordered, following, pd.Series(target, index=pd.Index(sk_id_curr, name="SK_ID_CURR"), name="TARGET")


def _subset(latents: Latents, rows: np.ndarray) -> Latents:
    return Latents(
        latents.application[rows], latents.behaviour[rows], latents.hidden[rows], latents.total[rows]
    )


def _shift_test_risk(latents: Latents, is_test: np.ndarray, shift: float, risk: RiskModel) -> Latents:
    """Move the application and behaviour factors of the test clients by ``shift`` (a drift scenario)."""
    if shift == 0.0:
        return latents
    application = latents.application + shift * is_test
    behaviour = latents.behaviour + shift * is_test
    total = (
        risk.weight_application * application
        + risk.weight_behaviour * behaviour
        + risk.weight_hidden * latents.hidden
    )
    return Latents(application, behaviour, latents.hidden, total)
