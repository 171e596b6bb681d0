"""Request and response models of the adviser's routes: what would change the decision
(``POST /counterfactual``) and the decision letter (``GET /clients/{id}/letter``, ``POST /letter``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from credit_scoring.api.schemas import FieldValue, Language, ModelRef, StrictModel

Lever = Literal["credit", "term", "credit_term", "goods", "co_borrower"]
NoneReasonCode = Literal["none_within_bounds", "no_amounts"]
LetterFormat = Literal["html", "pdf"]


class CounterfactualQuery(StrictModel):
    lang: Language = Field(default="en", description="Language of the labels, sentences and reason")


class LetterQuery(StrictModel):
    lang: Language = Field(default="en", description="Language of the letter")
    format: LetterFormat = Field(
        default="html",
        description="html: a printable page (print stylesheet); pdf: the same page rendered by WeasyPrint, "
        "as an attachment",
    )


class FieldChangeOut(BaseModel):
    field: str = Field(description="The application field, e.g. AMT_CREDIT")
    label: str = Field(description="The field's words in the requested language")
    before: float | None = Field(description="The application's value (null: not given)")
    after: float


class AlternativeOut(BaseModel):
    """A changed application the served model grants (scored again by the server before answering)."""

    lever: Lever = Field(
        description="What the client acts on: credit (a smaller credit, same term), term (another number of "
        "annuities), credit_term (both), goods (a cheaper purchase), co_borrower (a co-borrower's income)"
    )
    changes: list[FieldChangeOut] = Field(min_length=1)
    term: float | None = Field(description="Number of monthly annuities of the alternative (null: unknown)")
    probability: float = Field(ge=0, le=1, description="Probability of default of the changed application")
    decision: Literal["granted"]
    sentence: str = Field(description="The alternative in plain words, in the requested language")
    application: dict[str, FieldValue] = Field(
        description="The changed application: every field the request had, ready for POST /predict"
    )


class NoneReasonOut(BaseModel):
    code: NoneReasonCode
    message: str = Field(description="Why there is no alternative, in the requested language")


class CounterfactualOut(BaseModel):
    """What would change a refusal: at most ``counterfactual.max_alternatives`` alternatives, the smallest
    change first, or why there is none. Not a decision: never written to the decision log."""

    request_id: str
    probability: float = Field(ge=0, le=1, description="Probability of default of the application as sent")
    threshold: float
    decision: Literal["refused"]
    alternatives: list[AlternativeOut]
    none_reason: NoneReasonOut | None = Field(description="Set when no alternative exists within the bounds")
    language: Language
    model: ModelRef
    timestamp: str = Field(description="ISO-8601 UTC")
    latency_ms: float
