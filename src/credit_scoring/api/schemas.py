"""Request and response models of the scoring API: they validate requests and generate the OpenAPI document.

The application model is generated from the raw-data contract (`credit_scoring.raw`): one optional field per
column of ``application_test``, typed as in the contract (integers, numbers, known categories), bounded by the
same plausible ranges as the batch validation, labelled with the feature dictionary's English labels. Unknown
fields are rejected by name (``ApplicationIn``) or ignored (``ApplicationLenientIn``, by configuration).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    model_validator,
)

from credit_scoring import records
from credit_scoring.features.labels import APPLICATION_LABELS
from credit_scoring.raw.schema import DAYS_SENTINEL_COLUMNS, KNOWN_CATEGORIES, PLAUSIBLE_RANGES
from credit_scoring.raw.tables import DAYS_SENTINEL, RAW_TABLES

APPLICATION_TABLE = "application_test"
CLIENT_ID = "SK_ID_CURR"

Decision = Literal["granted", "refused"]
RiskBand = Literal["low", "moderate", "high", "very_high"]
"""Risk bands by probability relative to the threshold t: low < t/2 <= moderate < t <= high < 2t <= very_high
(the multiples are configurable in ``conf/base/app.yml``); low and moderate are granted, high and very_high
refused."""
Language = Literal["en", "fr"]
Direction = Literal["raises", "lowers"]
SortOrder = Literal["asc", "desc"]
_CONTRACT_TYPES = tuple(sorted(KNOWN_CATEGORIES[APPLICATION_TABLE]["NAME_CONTRACT_TYPE"]))
_GENDERS = tuple(sorted(KNOWN_CATEGORIES[APPLICATION_TABLE]["CODE_GENDER"]))
ContractType = Literal[_CONTRACT_TYPES]  # type: ignore[valid-type]
Gender = Literal[_GENDERS]  # type: ignore[valid-type]
FieldValue = float | int | str | None


class StrictModel(BaseModel):
    """Unknown fields are errors that name the field."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- the application -----------------------------------------------------------------------------------


def _whole_number(value: Any) -> Any:
    """JSON has one number type: ``2.0`` is the integer 2 (JSON Schema agrees); ``2.5`` stays a float and is
    refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def whole_number(*metadata: Any) -> Any:
    """An integer field of a strict model that accepts a number with no fractional part (the conversion
    comes last, around ``metadata``, so that the JSON schema keeps its integer bounds)."""
    return Annotated[int, *metadata, BeforeValidator(_whole_number)]


def _application_field(column: str, kind: str) -> tuple[Any, Any]:
    label = APPLICATION_LABELS.get(column)
    description = label[1] if label else column.replace("_", " ").capitalize()
    if kind == "string":
        levels = tuple(sorted(KNOWN_CATEGORIES[APPLICATION_TABLE][column]))
        return Literal[levels] | None, Field(default=None, description=f"{description}: one of {levels}")
    low, high = PLAUSIBLE_RANGES[APPLICATION_TABLE].get(column, (None, None))
    bounds = Field(ge=low, le=high)
    number: Any = whole_number(bounds) if kind == "int64" else Annotated[float, bounds]
    note = f"{description} (from {low} to {high})" if low is not None or high is not None else description
    if column in DAYS_SENTINEL_COLUMNS.get(APPLICATION_TABLE, ()):
        number = _days_or_no_date(low, high)
        note += f"; {DAYS_SENTINEL} means no date (e.g. pensioners)"
    return number | None, Field(default=None, description=note)


def _days_or_no_date(low: float, high: float) -> Any:
    """Days within [low, high], or the "no date" sentinel: one type, so that an error names one problem."""

    def check(value: int) -> int:
        if value != DAYS_SENTINEL and not low <= value <= high:
            raise ValueError(f"must lie in [{low}, {high}] or be {DAYS_SENTINEL} (no date)")
        return value

    schema = {"anyOf": [{"type": "integer", "minimum": low, "maximum": high}, {"const": DAYS_SENTINEL}]}
    return whole_number(AfterValidator(check), WithJsonSchema(schema))


def _application_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {
        CLIENT_ID: (
            whole_number(Field(ge=1, le=2**53)) | None,
            Field(
                default=None,
                description="Client identifier; when the client is known, the client's history is used",
            ),
        )
    }
    for column, kind in RAW_TABLES[APPLICATION_TABLE].items():
        if column != CLIENT_ID:
            fields[column] = _application_field(column, kind)
    return fields


_APPLICATION_DOC = (
    "One loan application: any subset of the application fields (missing ones are treated as missing "
    "values). Give SK_ID_CURR to use a known client's history."
)
ApplicationIn: type[BaseModel] = create_model(
    "Application",
    __config__=ConfigDict(extra="forbid", strict=True, allow_inf_nan=False),
    __doc__=_APPLICATION_DOC,
    **_application_fields(),
)
ApplicationLenientIn: type[BaseModel] = create_model(
    "ApplicationIgnoringUnknownFields",
    __config__=ConfigDict(extra="ignore", strict=True, allow_inf_nan=False),
    __doc__=_APPLICATION_DOC + " Unknown fields are ignored.",
    **_application_fields(),
)
APPLICATION_FIELDS: tuple[str, ...] = tuple(ApplicationIn.model_fields)


def batch_request_model(application: type[BaseModel], max_items: int) -> type[BaseModel]:
    """``{"applications": [...]}`` with at most ``max_items`` applications."""
    return create_model(
        "BatchRequest" if application is ApplicationIn else "BatchRequestIgnoringUnknownFields",
        __config__=ConfigDict(extra="forbid", strict=True),
        __doc__=f"Up to {max_items} applications, scored independently.",
        applications=(list[application], Field(min_length=1, max_length=max_items)),  # type: ignore[valid-type]
    )


# --- query parameters ----------------------------------------------------------------------------------


class ExplainQuery(StrictModel):
    """How to explain a score."""

    reasons: bool = Field(default=True, description="Include the top reasons (SHAP contributions)")
    top_k: int = Field(default=5, ge=1, le=20, description="How many reasons")
    lang: Language = Field(default="en", description="Language of the reason labels and sentences")


class PredictQuery(ExplainQuery):
    """How to explain a score, and whether it is a decision or a simulation."""

    simulation: bool = Field(
        default=False,
        description="A what-if (an adviser trying changed values): scored and explained like a decision, "
        "but not one: not written to the decision log, so never in monitoring; recorded in the audit trail "
        "as client.whatif",
    )


class LanguageQuery(StrictModel):
    lang: Language = Field(default="en", description="Language of the labels")


class ClientFilters(StrictModel):
    """Filters on the production clients (all optional; ranges are inclusive)."""

    decision: Decision | None = None
    risk_band: RiskBand | None = None
    contract_type: ContractType | None = None
    gender: Gender | None = None
    age_min: float | None = Field(default=None, ge=0, le=120, description="Age in years, at least")
    age_max: float | None = Field(default=None, ge=0, le=120, description="Age in years, at most")
    income_min: float | None = Field(default=None, ge=0, description="Total income, at least")
    income_max: float | None = Field(default=None, ge=0, description="Total income, at most")
    credit_min: float | None = Field(default=None, ge=0, description="Credit amount, at least")
    credit_max: float | None = Field(default=None, ge=0, description="Credit amount, at most")


ClientSortKey = Literal["client_id", "probability", "age_years", "income", "credit_amount"]


class ClientSearchQuery(ClientFilters):
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=20, ge=1, le=200)
    sort: ClientSortKey = "client_id"
    order: SortOrder = "asc"


class SimilarQuery(StrictModel):
    k: int = Field(default=10, ge=1, le=200, description="Number of nearest clients")


PopulationGroup = Literal["all", "filtered", "similar"]


class DistributionQuery(ClientFilters):
    """One feature over a group of production clients (``filtered``: the filters; ``similar``: the client's
    k nearest training clients)."""

    feature: str = Field(min_length=1, max_length=100, description="A column of the model input table")
    group: PopulationGroup = "all"
    client_id: int | None = Field(default=None, ge=1, description="The client to place in the distribution")
    k: int = Field(default=50, ge=1, le=500, description="Group 'similar': number of nearest clients")
    max_points: int = Field(default=5000, ge=10, le=20000, description="At most this many values (sampled)")
    lang: Language = "en"


class ScatterQuery(ClientFilters):
    x: str = Field(min_length=1, max_length=100, description="Feature on the horizontal axis")
    y: str = Field(min_length=1, max_length=100, description="Feature on the vertical axis")
    client_id: int | None = Field(default=None, ge=1)
    max_points: int = Field(default=1000, ge=10, le=5000, description="At most this many points (sampled)")
    lang: Language = "en"


# --- responses -----------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    field: str | None = Field(description="The offending field (dotted path), or null for the whole request")
    problem: str


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable code, e.g. validation_error, not_found, unauthorized")
    message: str
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """Every error: JSON, never HTML, never a stack trace."""

    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ModelRef(BaseModel):
    name: str = Field(description="Registered model name")
    version: str = Field(description="Registered model version")
    alias: str | None = Field(default=None, description="Registry alias it was loaded through")


class RegistryStatus(BaseModel):
    """The MLflow registry as the alias follower last saw it."""

    uri: str = Field(description="The tracking server or registry (without credentials)")
    reachable: bool | None = Field(description="Whether it answered at the last check; null before the first")
    checked_at: str | None = Field(default=None, description="When the alias was last checked (UTC)")
    problem: str | None = Field(
        default=None, description="Why it did not answer (the loaded model, if any, still serves)"
    )


class Readiness(BaseModel):
    ready: bool
    model: ModelRef | None = None
    reason: str | None = Field(default=None, description="Why the service is not ready")
    model_update: str | None = Field(
        default=None,
        description="Why the version the alias names now does not serve yet (the one in `model` still does)",
    )
    registry: RegistryStatus | None = Field(
        default=None,
        description="The registry the served model is followed in; null when it is not followed (a model "
        "given by the process, or model.check_interval_s = 0)",
    )
    data_source: Literal["registry", "data folder"] | None = Field(
        default=None,
        description="Where the clients and the history store come from: published with the served version "
        "(`registry`), or the project's batch outputs (`data folder`: the version published none)",
    )


REFUSAL_REASONS_DESCRIPTION = (
    "A refused application's reasons the client may be told: the families raising the risk most among those "
    "the lender's reason policy allows, strongest first; empty when granted; null if reasons were not asked"
)


class ReasonValueOut(BaseModel):
    """One feature behind a reason: its value and its part of the family's contribution."""

    feature: str = Field(description="Model feature name (for machines)")
    label: str
    value: FieldValue = Field(description="The feature's value for this application, as the model saw it")
    display_value: str
    contribution: float = Field(description="The feature's SHAP value (log-odds)")


class ReasonOut(BaseModel):
    """One reason for a score: a family of features (external credit scores, repayment behaviour...), its
    contribution the sum of its features' SHAP values, in words."""

    family: str = Field(description="Reason family code (GET /wording lists their labels)")
    label: str = Field(description="The family's label in the requested language")
    contribution: float = Field(
        description="Contribution to the model's raw score (log-odds): the sum of the family's features'"
    )
    direction: Direction = Field(description="Whether it raises or lowers the risk of default")
    values: list[ReasonValueOut] = Field(
        min_length=1, description="The one or two features carrying most of it, strongest first"
    )
    display_value: str = Field(description="Those values in words")
    sentence: str = Field(description="What an adviser can say")
    refusal_reason_allowed: bool = Field(
        description="The lender's reason policy lets this family be given as a reason for refusal"
    )
    feature: str = Field(description="The feature carrying most of the contribution (values[0])")
    value: FieldValue = Field(description="That feature's value")


TO_REVIEW_DESCRIPTION = (
    "The probability lies in the review band around the threshold (review.band_multiples): a close call a "
    "person should confirm or override (POST /api/v1/reviews)"
)


class PredictionOut(BaseModel):
    request_id: str
    client_id: int | None = Field(description="SK_ID_CURR when given")
    known_client: bool = Field(description="Whether the client's history was found and used")
    probability: float = Field(ge=0, le=1, description="Probability of default")
    decision: Decision
    threshold: float = Field(description="Probabilities at or above it are refused")
    risk_band: RiskBand
    to_review: bool = Field(description=TO_REVIEW_DESCRIPTION)
    reasons: list[ReasonOut] | None = Field(
        description="Top reasons, most influential first, each a different family; null if not asked"
    )
    refusal_reasons: list[ReasonOut] | None = Field(description=REFUSAL_REASONS_DESCRIPTION)
    language: Language
    model: ModelRef
    timestamp: str = Field(description="ISO-8601 UTC, e.g. 2026-12-02T04:05:06.123Z")
    latency_ms: float = Field(description="Server-side time to answer")


class BatchPredictionOut(BaseModel):
    request_id: str = Field(description="Item i is logged as <request_id>-<i>")
    count: int
    predictions: list[PredictionOut]
    model: ModelRef
    timestamp: str
    latency_ms: float


class FeatureImportance(BaseModel):
    feature: str
    label: str | None = None
    importance: float


class Wording(BaseModel):
    """The words an adviser reads: each feature's label (the feature dictionary's, as the reasons say it) and
    each recorded category (the one table of levels: `credit_scoring.raw.wording`)."""

    language: Language
    features: dict[str, str] = Field(description="{feature: label}, every feature of the dictionary")
    families: dict[str, str] = Field(description="{reason family code: label}, every family")
    levels: dict[str, dict[str, str]] = Field(description="{column: {recorded level: words}}")


class ModelInfo(BaseModel):
    name: str
    version: str
    alias: str | None
    run_id: str | None
    model_family: str = Field(description="The selected candidate, e.g. lightgbm_class_weight")
    threshold: float
    features: list[str]
    categorical_features: list[str]
    training_date: str | None = Field(description="Start of the training run, ISO-8601 UTC")
    metrics: records.ModelMetrics | None = Field(
        description="model_metrics.json logged by this version's training run (null if it logged none)"
    )
    global_importance: list[FeatureImportance] | None = Field(
        description="Mean absolute SHAP value per feature, logged for this version by the explainability "
        "pipeline"
    )
    cost_curve: list[records.CostCurvePoint] | None = Field(
        description="Business cost versus threshold, on this version's holdout and out of fold on its "
        "training rows (field sample), when its run logged it"
    )
    not_recorded: dict[str, str] = Field(
        default_factory=dict,
        description="What this version's run did not record (metrics, importance...), and why",
    )


class ClientSummary(BaseModel):
    client_id: int
    probability: float | None
    decision: Decision | None
    risk_band: RiskBand | None
    contract_type: str | None
    gender: str | None
    age_years: float | None
    income: float | None
    credit_amount: float | None
    annuity: float | None


class ClientPage(BaseModel):
    items: list[ClientSummary]
    total: int
    page: int
    page_size: int
    pages: int


class ClientInfo(BaseModel):
    """A production client's description, in readable units (years, amounts), plus the raw application."""

    client_id: int
    contract_type: str | None
    gender: str | None
    age_years: float | None
    family_status: str | None
    children: int | None
    family_members: float | None
    education: str | None
    income_type: str | None
    occupation: str | None
    organization: str | None
    employment_years: float | None = Field(description="Years in the current job; null when not employed")
    income: float | None
    credit_amount: float | None
    annuity: float | None
    goods_price: float | None
    own_car: bool | None
    own_realty: bool | None
    housing_type: str | None
    region_rating: int | None
    application: dict[str, FieldValue] = Field(
        description="The raw application fields, ready to send back (modified) to POST /predict"
    )


class ClientScore(BaseModel):
    client_id: int
    probability: float
    decision: Decision
    threshold: float
    risk_band: RiskBand
    to_review: bool = Field(description=TO_REVIEW_DESCRIPTION)
    reasons: list[ReasonOut] | None
    refusal_reasons: list[ReasonOut] | None = Field(description=REFUSAL_REASONS_DESCRIPTION)
    language: Language
    source: Literal["batch", "computed"] = Field(
        description="batch: the scoring pipeline's prediction; computed: scored now by the served model"
    )
    model: ModelRef


class Neighbour(BaseModel):
    client_id: int
    distance: float
    defaulted: bool | None = Field(description="Observed outcome (TARGET) of this training client")
    age_years: float | None
    income: float | None
    credit_amount: float | None
    annuity: float | None
    employment_years: float | None


class SimilarClients(BaseModel):
    client_id: int
    k: int
    space: list[str] = Field(description="Descriptive features of the standardised space")
    method: str = Field(description="How the space and the distance are defined")
    neighbours: list[Neighbour]
    observed_default_rate: float | None = Field(description="Share of the neighbours that defaulted")
    n_with_outcome: int


class NumericSummary(BaseModel):
    count: int
    missing: int
    mean: float | None
    min: float | None
    q1: float | None
    median: float | None
    q3: float | None
    max: float | None


class FeatureDistribution(BaseModel):
    feature: str
    label: str
    kind: Literal["numeric", "categorical"]
    group: PopulationGroup
    n: int = Field(description="Clients in the group")
    values: list[float | str | None] = Field(description="The group's values (a seeded sample if larger)")
    sampled: bool
    summary: NumericSummary | None = Field(description="Numeric features: over the whole group")
    counts: dict[str, int] | None = Field(description="Categorical features: clients per level")
    client_id: int | None
    client_value: FieldValue
    client_percentile: float | None = Field(description="Share of the group at or below the client's value")


class ScatterPoint(BaseModel):
    client_id: int
    x: FieldValue
    y: FieldValue
    probability: float | None
    decision: Decision | None


class Scatter(BaseModel):
    x: str
    y: str
    x_label: str
    y_label: str
    n: int = Field(description="Clients matching the filters")
    sampled: bool
    points: list[ScatterPoint]
    client: ScatterPoint | None


# --- the drift summary: the pipeline's record (`credit_scoring.records`) plus a label per column -----------


class ColumnDrift(records.ColumnDrift):
    label: str = Field(description="Plain-language label in the requested language (added by the API)")


class DriftSummary(records.DriftSummary):
    """The latest drift summary written by the drift pipeline, each column with a label in the requested
    language."""

    columns: list[ColumnDrift]


API_DRIFT_COLUMN_FIELDS = ("label",)
"""Fields of `ColumnDrift` the API adds to what the drift pipeline writes."""


# --- the live-performance summary: the performance pipeline's record, served as written ------------------


class PerformanceSummary(records.PerformanceSummary):
    """The latest live-performance summary written by the performance pipeline: per period and model
    version, the decisions, the estimated (CBPE) and realised cost and AUC, the input drift and the cost
    alert; realised figures cover granted loans only (refused applicants have no outcome)."""


# --- the human review of decisions (`credit_scoring.serving.reviews`, api/review_routes.py) ---------------

ReviewStatus = Literal["confirmed", "pending_approval", "approved", "rejected"]
ReviewAction = Literal["confirm", "override"]


class ReviewIn(StrictModel):
    """A person confirms or overrides one automated decision: a decision of the decision log (``request_id``
    of POST /predict) or a production client's current score (``client_id``), exactly one of them."""

    request_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="The decision's request id (POST /predict)"
    )
    client_id: int | None = Field(
        default=None, ge=0, le=2**53, description="A production client (SK_ID_CURR): its current score"
    )
    decision: Decision = Field(
        description="The decision the person stands by: the automated one (confirm) or not"
    )
    justification: str = Field(
        max_length=2000, description="Why, in words: required, at least 15 characters (trimmed), at most 1000"
    )

    @model_validator(mode="after")
    def _one_subject(self) -> ReviewIn:
        if (self.request_id is None) == (self.client_id is None):
            raise ValueError("give exactly one of request_id (a decision) and client_id (a client's score)")
        return self


class ApprovalIn(StrictModel):
    """A risk user approves or rejects an override (never their own); a rejection says why in ``note``."""

    outcome: Literal["approved", "rejected"]
    note: str | None = Field(
        default=None,
        max_length=2000,
        description="Optional for an approval, required (15+ characters) to reject",
    )


class ReviewQuery(StrictModel):
    status: ReviewStatus | None = Field(default=None, description="Only the reviews in this status")
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=200)


class PageQuery(StrictModel):
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=20, ge=1, le=200)


class ReviewOut(BaseModel):
    review_id: str
    subject: str = Field(description="The decision's request id, or client:<id> for a client's score")
    subject_kind: Literal["decision", "client"]
    client_id: int | None
    model_version: str | None
    probability: float
    threshold: float
    risk_band: RiskBand
    in_review_band: bool = Field(description="The score was in the review band when it was reviewed")
    automated_decision: Decision
    reviewed_decision: Decision
    action: ReviewAction
    justification: str
    reviewer: str
    reviewer_role: str
    reviewed_at: str = Field(description="ISO-8601 UTC")
    status: ReviewStatus = Field(
        description="confirmed; an override is pending_approval until a risk user approves or rejects it"
    )
    approver: str | None
    approved_at: str | None
    approval_note: str | None


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    total: int
    page: int
    page_size: int


class ClientReviews(ReviewPage):
    """A production client's reviews, with the current automated decision they are about."""

    client_id: int
    probability: float = Field(description="The client's current probability of default")
    decision: Decision = Field(description="The client's current automated decision")
    threshold: float
    to_review: bool = Field(description=TO_REVIEW_DESCRIPTION)


class ToReviewItem(BaseModel):
    """A decision of the decision log in the review band that nobody reviewed yet."""

    request_id: str
    created_at: str
    client_id: int | None
    model_version: str
    probability: float
    threshold: float
    decision: Decision


class ToReviewPage(BaseModel):
    items: list[ToReviewItem]
    total: int
    page: int
    page_size: int
    band_multiples: tuple[float, float]


class OverrideCount(BaseModel):
    reviews: int
    overrides: int
    override_rate: float | None = Field(description="overrides / reviews (null: no review)")


class ReviewerCount(OverrideCount):
    reviewer: str


class BandCount(OverrideCount):
    band: RiskBand


class ReviewBandCount(OverrideCount):
    in_review_band: bool


class ReviewSummary(BaseModel):
    """Override rates: a high rate, for one adviser or one band, says the model (or the adviser) needs a
    look."""

    reviews: int
    overrides: int
    override_rate: float | None
    by_status: dict[ReviewStatus, int]
    by_reviewer: list[ReviewerCount]
    by_band: list[BandCount] = Field(description="Per risk band of the reviewed score")
    by_review_band: list[ReviewBandCount] = Field(description="Inside and outside the review band")
    band_multiples: tuple[float, float]
