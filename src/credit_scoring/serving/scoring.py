"""Score applications: model-input rows (the batch feature definitions), probability, decision, risk band and
the top reasons. Nothing here knows about HTTP."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from credit_scoring.cost import decisions
from credit_scoring.features.families import ReasonPolicy
from credit_scoring.records import DEFAULT_BAND_MULTIPLES
from credit_scoring.serving.explain import ScoreExplainer
from credit_scoring.serving.family_reasons import Explanation, Reason
from credit_scoring.serving.loading import ServedModel
from credit_scoring.serving.model import GRANTED, REFUSED
from credit_scoring.serving.small_batch import EncodedRows

CLIENT_ID = "SK_ID_CURR"
RISK_BANDS = ("low", "moderate", "high", "very_high")
# the bands' default bounds (DEFAULT_BAND_MULTIPLES) are declared in credit_scoring.records, so that the API's
# settings read them without importing the serving stack


class RowBuilder(Protocol):
    """Builds model-input rows (the columns of ``scoring_input_table``) from application fields."""

    @property
    def columns(self) -> list[str]: ...

    def is_known(self, client_id: int) -> bool: ...

    def build_values(self, applications: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]: ...

    def to_frame(self, rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame: ...


def risk_band(
    probability: float, threshold: float, multiples: Sequence[float] = DEFAULT_BAND_MULTIPLES
) -> str:
    """low < m0 t <= moderate < m1 t <= high < m2 t <= very_high (t: the threshold; m1 = 1 keeps the bands
    consistent with the decision)."""
    position = int(np.searchsorted(np.asarray(multiples, dtype=float) * threshold, probability, side="right"))
    return RISK_BANDS[position]


def decision_label(probability: float, threshold: float) -> str:
    return REFUSED if int(decisions([probability], threshold)[0]) == 1 else GRANTED


@dataclass(frozen=True)
class Score:
    """One scored application."""

    client_id: int | None
    known_client: bool
    probability: float
    decision: str
    threshold: float
    risk_band: str
    reasons: list[Reason] | None
    refusal_reasons: list[Reason] | None  # a refused application's reasons the client may be told; else []


class Scorer:
    """The served model, its explainer and the row builder, used together."""

    def __init__(
        self,
        served: ServedModel,
        rows: RowBuilder,
        band_multiples: Sequence[float] = DEFAULT_BAND_MULTIPLES,
        explainer: ScoreExplainer | None = None,
        policy: ReasonPolicy | None = None,
    ) -> None:
        self.served = served
        self.rows = rows
        self.band_multiples = tuple(band_multiples)
        self.explainer = explainer or ScoreExplainer(served.model, policy=policy)

    @property
    def threshold(self) -> float:
        return self.served.threshold

    def score(
        self,
        applications: Sequence[Mapping[str, Any]],
        *,
        reasons: bool = False,
        top_k: int = 5,
        language: str = "en",
    ) -> list[Score]:
        """Score applications (fields of application_test; SK_ID_CURR optional, a known client's history is
        used). Raises the row builder's errors (`ApplicationFieldError`, `RawDataValidationError`)."""
        values = self.rows.build_values(applications)
        encoder = self.served.model.small_batch_encoder
        encoded = encoder.encode_rows(self.rows.columns, values) if encoder is not None else None
        model_input = encoded if encoded is not None else self.rows.to_frame(values)
        ids = [application.get(CLIENT_ID) for application in applications]
        known = [client is not None and self.rows.is_known(int(client)) for client in ids]
        return self.score_rows(model_input, ids, known, reasons=reasons, top_k=top_k, language=language)

    def score_rows(
        self,
        frame: pd.DataFrame | EncodedRows,
        ids: Sequence[int | None],
        known: Sequence[bool],
        *,
        reasons: bool = False,
        top_k: int = 5,
        language: str = "en",
    ) -> list[Score]:
        """Score model-input rows already built (a frame, or rows the served model's encoder prepared)."""
        probabilities = self.served.model.predict_proba(frame)
        explained = self.explainer.explain(frame, top_k=top_k, language=language) if reasons else None
        scores = []
        for i, (client, is_known, probability) in enumerate(zip(ids, known, probabilities, strict=True)):
            decision = decision_label(float(probability), self.threshold)
            explanation = explained[i] if explained is not None else None
            scores.append(
                Score(
                    client_id=None if client is None else int(client),
                    known_client=bool(is_known),
                    probability=float(probability),
                    decision=decision,
                    threshold=self.threshold,
                    risk_band=risk_band(float(probability), self.threshold, self.band_multiples),
                    reasons=explanation.reasons if explanation else None,
                    refusal_reasons=refusal_reasons(explanation, decision) if explanation else None,
                )
            )
        return scores

    def explain(self, frame: pd.DataFrame, top_k: int, language: str) -> list[Explanation]:
        return self.explainer.explain(frame, top_k=top_k, language=language)


def refusal_reasons(explanation: Explanation, decision: str) -> list[Reason]:
    """The reasons a refusal gives the client: none for a granted application."""
    return explanation.refusal_reasons if decision == REFUSED else []
