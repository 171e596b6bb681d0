"""Records that cross between the pipelines and the scoring services, declared once and validated where they
are written: the decision log's table and row (written by `credit_scoring.serving.decision_log`, read by
`credit_scoring.monitoring.prediction_log` and the drift pipeline), the drift summary (written by the
drift pipeline, served by the API, shown by the dashboard), and a model version's figures, its metrics and
cost curve (written by the modelling pipeline, logged with the version, served by ``GET /api/v1/model``,
shown by the dashboard's Model page).

The schema is a contract (the drift pipeline reads it as "current" data), table ``prediction_log``:

==============  =======  ==========================================================================
request_id      TEXT     primary key; batch items are ``<request id>-<index>``
created_at      TEXT     ISO-8601 UTC with milliseconds, ``2026-12-02T04:05:06.123Z``
endpoint        TEXT     the route that scored it, e.g. ``/api/v1/predict``
model_name      TEXT     registered model name
model_version   TEXT     registered model version
client_id       INTEGER  SK_ID_CURR when given, else NULL
input_json      TEXT     JSON object of the application fields as received
probability     REAL     probability of default
decision        TEXT     ``granted`` / ``refused``
threshold       REAL     the decision threshold
latency_ms      REAL     server-side latency of the request
==============  =======  ==========================================================================

Beside it, in the same database, the human reviews of decisions: ``decision_reviews`` and
``decision_review_approvals`` (append-only; see their declaration below and `credit_scoring.serving.reviews`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

TABLE_NAME = "prediction_log"
# SQLite compares text bytewise; PostgreSQL by the database's collation unless told otherwise.
_BytewiseText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

metadata = sa.MetaData()
prediction_log = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("request_id", _BytewiseText, primary_key=True),
    sa.Column("created_at", _BytewiseText, nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("model_name", sa.Text, nullable=False),
    sa.Column("model_version", sa.Text, nullable=False),
    sa.Column("client_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True),
    sa.Column("input_json", sa.Text, nullable=False),
    sa.Column("probability", sa.Float(precision=53), nullable=False),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("threshold", sa.Float(precision=53), nullable=False),
    sa.Column("latency_ms", sa.Float(precision=53), nullable=False),
    sa.Index("ix_prediction_log_created_at", "created_at"),
)


# --- the human review of decisions (``credit_scoring.serving.reviews``), beside the decision log ----------
#
# Append-only: a review is one row of ``decision_reviews`` (who confirmed or overrode which decision, from
# what to what, why), never updated; the approval of an override is one row of ``decision_review_approvals``
# whose primary key is the review's id, so an override is approved or rejected once, whatever the database
# (two risk users approving at the same moment: the second insert fails on the key). A review's status is
# derived: ``confirmed`` (a confirmation), ``pending_approval`` (an override without an approval row),
# ``approved`` / ``rejected`` (the approval's outcome).

#: To review: 0.8 t <= p < 1.25 t (t: the decision threshold), the default of the API's
#: ``review.band_multiples`` (`credit_scoring.serving.reviews.in_review_band`); here for the same reason as
#: `DEFAULT_BAND_MULTIPLES`: the settings import it without the serving stack.
DEFAULT_REVIEW_BAND: tuple[float, float] = (0.8, 1.25)
#: A review's justification, trimmed: required, this many characters at least and at most (the API checks it,
#: the dashboard says it next to the field before sending).
MIN_JUSTIFICATION = 15
MAX_JUSTIFICATION = 1000

REVIEWS_TABLE = "decision_reviews"
APPROVALS_TABLE = "decision_review_approvals"
decision_reviews = sa.Table(
    REVIEWS_TABLE,
    metadata,
    sa.Column("review_id", _BytewiseText, primary_key=True),
    sa.Column("subject", _BytewiseText, nullable=False, doc="decision-log request id, or client:<id>"),
    sa.Column("subject_kind", sa.Text, nullable=False, doc="decision (POST /predict) or client (batch)"),
    sa.Column("client_id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), nullable=True),
    sa.Column("model_version", sa.Text, nullable=True),
    sa.Column("probability", sa.Float(precision=53), nullable=False),
    sa.Column("threshold", sa.Float(precision=53), nullable=False),
    sa.Column("risk_band", sa.Text, nullable=False),
    sa.Column("in_review_band", sa.Boolean, nullable=False),
    sa.Column("automated_decision", sa.Text, nullable=False),
    sa.Column("reviewed_decision", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False, doc="confirm or override"),
    sa.Column("justification", sa.Text, nullable=False),
    sa.Column("reviewer", sa.Text, nullable=False),
    sa.Column("reviewer_role", sa.Text, nullable=False),
    sa.Column("reviewed_at", _BytewiseText, nullable=False),
    sa.Index("ix_decision_reviews_subject", "subject"),
    sa.Index("ix_decision_reviews_client", "client_id"),
    sa.Index("ix_decision_reviews_reviewed_at", "reviewed_at"),
)
decision_review_approvals = sa.Table(
    APPROVALS_TABLE,
    metadata,
    sa.Column("review_id", _BytewiseText, primary_key=True, doc="the override's review id: one approval"),
    sa.Column("outcome", sa.Text, nullable=False, doc="approved or rejected"),
    sa.Column("approver", sa.Text, nullable=False),
    sa.Column("approver_role", sa.Text, nullable=False),
    sa.Column("approved_at", _BytewiseText, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
)


#: ``input_json`` of a record the retention command reduced to its non-personal fields: the decision, the
#: probability, the threshold, the model version and the times stay; readers of applications skip it.
REDUCED_INPUT_JSON = "{}"


def utc_timestamp(moment: datetime | None = None) -> str:
    """``2026-12-02T04:05:06.123Z``: ISO-8601, UTC, milliseconds."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class DecisionRecord:
    """One scored application, as stored."""

    request_id: str
    created_at: str
    endpoint: str
    model_name: str
    model_version: str
    client_id: int | None
    input_json: str
    probability: float
    decision: str
    threshold: float
    latency_ms: float

    def to_row(self) -> dict[str, Any]:
        return asdict(self)


# --- the drift summary (``credit_scoring.pipelines.drift.nodes.summarize_drift``) -------------------------

DriftStatus = Literal["ok", "warn", "alert"]
StabilityBand = Literal["stable", "moderate", "significant"]
RecommendedAction = Literal["keep_monitoring", "retune_threshold", "retrain"]


class DriftReference(BaseModel):
    source: Literal["application_train"] = Field(description="The training applications")
    rows: int


class DriftCurrent(BaseModel):
    """The compared current data: the production applications, or the scoring API's prediction log."""

    source: Literal["application_test", "prediction_log"]
    rows: int
    window: str | None = Field(default=None, description="prediction_log: the time window read")
    filters: dict[str, str] | None = Field(
        default=None, description="prediction_log: endpoint, model name and version filters"
    )
    rows_with_batch_features: int | None = Field(
        default=None, description="prediction_log: rows of known clients (engineered features found)"
    )
    model_versions: list[str] | None = Field(
        default=None, description="prediction_log: model versions that answered the requests"
    )


class DriftModel(BaseModel):
    name: str | None = Field(description="The model family of the bundle, e.g. lgbm_class_weight")
    importance: str | None = Field(description="How importance was measured, e.g. lightgbm_gain")
    version: str | None = Field(
        default=None, description="The registered version described (null: unregistered)"
    )
    source: Literal["champion", "run"] | None = Field(
        default=None, description="champion: the model that serves; run: the run's selected model"
    )


class DriftSampling(BaseModel):
    report_reference_rows: int | None = Field(description="Rows of the Evidently report (null = all)")
    report_current_rows: int | None


class DriftMetrics(BaseModel):
    """The figures the alert rules test (``drift.alert_rules``)."""

    number_of_columns: int
    number_of_drifted_columns: int
    share_of_drifted_columns: float
    top_features: int = Field(description="The model's top features that were compared")
    top_features_drifted_share: float
    top_features_drifted_importance: float = Field(description="Importance share of the drifted top features")
    score_psi: float | None = Field(description="PSI of the predicted probabilities")
    score_psi_band: StabilityBand
    max_top_feature_csi: float | None
    score_mean_reference: float | None
    score_mean_current: float | None
    current_rows: float
    psi_moderate: float
    psi_significant: float


class ScoreStability(BaseModel):
    psi: float | None = Field(description="Population stability index of the predicted probabilities")
    band: StabilityBand
    bins: int
    reference_rows: int
    current_rows: int


class FeatureStability(BaseModel):
    column: str
    csi: float | None = Field(description="Characteristic stability index over every row")
    band: StabilityBand
    importance_share: float


class ColumnDrift(BaseModel):
    """One compared column: Evidently's test, its verdict and the column's weight in the model."""

    column: str
    column_type: Literal["numerical", "categorical", "empty"]
    method: str = Field(description="The test, e.g. Wasserstein distance (normed) or K-S p_value")
    score: float | None = Field(
        description="The test's value: a distance, or a p-value for the p_value tests"
    )
    threshold: float | None = Field(description="Drifted at or above it (distances), below it (p-values)")
    drifted: bool
    missing_share_reference: float | None
    missing_share_current: float | None
    source: Literal["application", "model_feature"]
    importance_share: float = Field(description="Share of the model's importance (0 if unused)")
    importance_rank: int | None
    top_feature: bool


class FiredRule(BaseModel):
    rule: str
    severity: Literal["warn", "alert"]
    metric: str
    value: float | None
    condition: str = Field(description="e.g. score_psi > 0.25")
    description: str


class DriftSummary(BaseModel):
    """The drift summary as the drift pipeline's ``summarize_drift`` node writes it
    (``08_reporting/drift_summary.json``, validated before it is written). Columns are sorted by model
    importance."""

    generated_at: str = Field(description="ISO-8601 UTC")
    status: DriftStatus = Field(description="The worst severity among the fired rules")
    dataset_drift: bool = Field(description="At least drift_share_threshold of the columns drifted")
    number_of_columns: int
    number_of_drifted_columns: int
    share_of_drifted_columns: float
    drift_share_threshold: float
    reference: DriftReference
    current: DriftCurrent
    model: DriftModel
    sampling: DriftSampling
    metrics: DriftMetrics
    score_stability: ScoreStability
    feature_stability: list[FeatureStability] = Field(description="CSI of the model's top features")
    columns: list[ColumnDrift]
    fired_rules: list[FiredRule]
    recommended_action: RecommendedAction
    interpretation: str = Field(description="The pipeline's reading of the figures, in English")


# --- live performance (``credit_scoring.pipelines.performance``) -------------------------------------------


class Bounds(BaseModel):
    """A percentile interval: where the figure lies with ``confidence``."""

    low: float
    high: float
    confidence: float


class PeriodAlert(BaseModel):
    """The cost alert rule's verdict for one period and model version."""

    status: Literal["ok", "alert", "unknown"]
    bound: float | None = Field(description="The estimated cost per client above which the rule fires")
    reference_cost: float | None = Field(description="The model version's holdout cost per client")
    reason: str


class PerformancePeriod(BaseModel):
    """One model version in one period: the decisions, the estimate before the labels (CBPE), the realised
    figures on the labelled loans, the drift of its inputs and the alert. A figure is null when ``notes``
    says why (no decision, too few labelled loans, one class only)."""

    period: str = Field(description="2027-01 (month) or 2027-W03 (ISO week)")
    period_start: str = Field(description="ISO-8601 UTC, included")
    period_end: str = Field(description="ISO-8601 UTC, excluded")
    model_name: str | None
    model_version: str | None = Field(description="null: no decision in this period")
    n_decisions: int
    n_granted: int
    n_refused: int
    approval_rate: float | None
    estimated_cost: float | None = Field(description="Expected cost per client, every decision (CBPE)")
    estimated_cost_interval: Bounds | None
    estimated_auc: float | None = Field(description="Expected ROC AUC, every decision (CBPE)")
    estimated_auc_interval: Bounds | None
    estimated_default_rate_granted: float | None
    estimated_cost_granted: float | None = Field(
        description="Expected cost per granted loan (the granted defaulters' cost), as realised_cost"
    )
    estimated_cost_granted_interval: Bounds | None
    estimated_auc_granted: float | None = Field(description="Expected AUC among granted loans")
    estimated_auc_granted_interval: Bounds | None
    n_labelled: int = Field(description="Granted loans whose observation window ended, outcome received")
    n_open: int = Field(description="Granted loans whose observation window has not ended yet")
    n_awaiting: int = Field(description="Granted loans whose window ended, outcome not received yet")
    n_defaults: int = Field(description="Defaults among the labelled loans")
    observed_default_rate: float | None
    observed_default_rate_interval: Bounds | None
    realised_auc: float | None = Field(description="AUC among the labelled (granted) loans")
    realised_auc_interval: Bounds | None
    realised_cost: float | None = Field(description="Cost per labelled loan: granted defaulters only")
    realised_cost_interval: Bounds | None
    estimated_cost_labelled_interval: Bounds | None = Field(
        default=None,
        description="The estimate's interval on exactly the labelled loans: where realised_cost falls if the "
        "model's probabilities are right for this population",
    )
    realised_vs_estimate: Literal["within", "above", "below"] | None = Field(
        default=None,
        description="realised_cost against estimated_cost_labelled_interval; above: the same profiles "
        "default more often than the model says (a change no estimate without labels sees: recalibrate or "
        "retrain)",
    )
    score_psi: float | None = Field(description="PSI of the period's probabilities against the reference")
    drift_share: float | None = Field(
        description="Share of the compared application fields whose CSI reaches the moderate band"
    )
    alert: PeriodAlert
    notes: list[str] = Field(default_factory=list)


class OutcomeFeedSummary(BaseModel):
    """What the outcome feed brought: accepted rows, refused rows (each with its source, line and reason)."""

    sources: list[str]
    accepted: int
    refused: int
    refused_by_reason: dict[str, int]
    refused_examples: list[str] = Field(description="The first refused rows, 'source:line: reason'")


class PerformanceSummary(BaseModel):
    """``08_reporting/performance_summary.json``, written by the performance pipeline (validated first), read
    by ``GET /api/v1/performance`` and the dashboard's Monitoring page."""

    generated_at: str = Field(description="ISO-8601 UTC")
    as_of: str = Field(description="The moment the label status is computed at (ISO-8601 UTC)")
    source: str = Field(description="Where the decisions came from, e.g. the decision log's database")
    period: Literal["week", "month"]
    observation_months: int = Field(description="A granted loan is labelled this long after its decision")
    cost_false_negative: float
    cost_false_positive: float
    alert_rule: str = Field(description="The cost alert rule in words")
    labelled_population: Literal["granted_only"] = Field(
        default="granted_only",
        description="Refused applicants get no loan, hence no outcome: realised figures cover granted loans",
    )
    status: Literal["ok", "alert", "unknown"] = Field(description="alert when a period's rule fired")
    outcomes: OutcomeFeedSummary
    periods: list[PerformancePeriod]


# --- a model version's figures (``credit_scoring.pipelines.modelling.assessment``) -------------------------


class EvaluationRuleRecord(BaseModel):
    """The rule that puts a client in the holdout: ``sha256(salt:id)/2^64 < fraction``."""

    method: str
    id_column: str
    salt: str
    fraction: float


#: The risk bands' upper bounds as multiples of the decision threshold t (low < 0.5 t <= moderate < t <= high
#: < 2 t <= very_high; `credit_scoring.serving.scoring.risk_band`): the default of the API's
#: ``scoring.risk_band_multiples`` and the bands of the modelling pipeline's score-band report. Declared here,
#: not in the serving package, so that the API's settings import it without the serving stack (the command
#: lines that only read settings start in a fraction of a second).
DEFAULT_BAND_MULTIPLES: tuple[float, float, float] = (0.5, 1.0, 2.0)


class ScoreBandRow(BaseModel):
    """The holdout clients of one band: a decile of the served probability or a risk band."""

    band: str = Field(description="1 (lowest probabilities) to 10 for a decile; the name of a risk band")
    lower: float | None = Field(
        description="A risk band's lower bound (included); a decile's lowest probability (null: no client)"
    )
    upper: float | None = Field(
        description="A risk band's upper bound (excluded, 1 for the top band); a decile's highest probability"
    )
    count: int
    defaults: int
    default_rate: float | None = Field(description="Observed default rate (null: no client in the band)")
    mean_predicted: float | None = Field(description="Mean predicted probability: calibration per band")
    rank_order_ok: bool | None = Field(
        description="False: a lower default rate than the nearest band below with clients (null: no client)"
    )
    break_beyond_noise: bool | None = Field(
        default=None,
        description="Where the order breaks: True when the fall exceeds sampling noise (one-sided "
        "two-proportion z-test at 5 %), False when it is within it; null where the order holds",
    )


class ProductionBandRow(BaseModel):
    """The production clients (``scoring_input_table``) of one risk band, as this model scores them."""

    band: str
    count: int
    mean_predicted: float | None = Field(description="Mean predicted probability (null: no client)")


class ScoreBands(BaseModel):
    """Holdout clients by decile and by risk band, with the rank-ordering check; production by risk band."""

    band_multiples: tuple[float, ...] = Field(description="Risk band bounds as multiples of the threshold")
    deciles: list[ScoreBandRow]
    risk_bands: list[ScoreBandRow]
    rank_ordering_ok: bool = Field(
        description="True when no decile and no risk band has a lower observed default rate than the band "
        "below it"
    )
    breaks_beyond_noise: list[str] = Field(
        default_factory=list,
        description="The deciles and risk bands whose fall in observed default rate exceeds sampling noise",
    )
    production_risk_bands: list[ProductionBandRow]


class CostSensitivityRow(BaseModel):
    """The decision at one FN:FP cost ratio: its threshold chosen on the out-of-fold rows (as the served one
    is), its cost and approval rate measured on the holdout with the served probabilities."""

    cost_ratio: float = Field(description="Cost of a granted defaulter over that of a refused good client")
    threshold: float
    cost_per_client: float = Field(description="Holdout cost at this threshold and this ratio")
    approval_rate: float = Field(description="Share of holdout clients granted at this threshold")
    approve_all_cost: float = Field(description="Holdout cost of granting every loan at this ratio")
    decision_ratio: bool = Field(description="True: the ratio the served threshold was chosen with")


class SegmentRow(BaseModel):
    """The holdout clients of one segment, at the served threshold (costs per client as in ModelMetrics)."""

    segment: str = Field(description="thin_file / no_bureau_record / others, or a NAME_CONTRACT_TYPE level")
    count: int
    share: float | None = Field(description="Share of the holdout clients in the segment (null: no holdout)")
    defaults: int
    default_rate: float | None = Field(description="Observed default rate (null: no client)")
    mean_predicted: float | None = Field(description="Mean predicted probability (null: no client)")
    auc: float | None = Field(description="AUC within the segment (null: no client or one class only)")
    cost_per_client: float | None = Field(description="Business cost per client at the threshold")
    approval_rate: float | None = Field(description="Share of the segment's clients granted at the threshold")
    undefined_reason: str | None = Field(
        default=None, description="Why a figure is null: no client in the segment, or a single class (AUC)"
    )


class SegmentComparison(BaseModel):
    """The holdout cut one way (`credit_scoring.features.segments`), one row per segment."""

    definition: str = Field(description="How a client is assigned to a segment")
    rows: list[SegmentRow] = Field(description="Empty when the segmentation is unavailable")
    unavailable_reason: str | None = Field(
        default=None, description="Why there are no rows: the model input lacks the columns it reads"
    )


class Segments(BaseModel):
    """``model_metrics.segments``: the selected model on the holdout by segment."""

    thin_file: SegmentComparison = Field(
        description="No credit-bureau record and no previous application at Home Credit, against the others"
    )
    no_bureau_record: SegmentComparison = Field(description="No credit-bureau record, against the others")
    contract_type: SegmentComparison = Field(description="One row per NAME_CONTRACT_TYPE level")


class ModelMetrics(BaseModel):
    """``model_metrics.json``: the selected model's figures, logged with its version (costs are per client, in
    units of a wrongly refused client; probabilities and thresholds on the served, calibrated scale).

    The modelling pipeline writes every field (`written`); a reader takes what an older version recorded: a
    field it did not record is None, one this release does not know is kept as it was.
    """

    model_config = ConfigDict(extra="allow")

    model_name: str = Field(description="The selected candidate, e.g. lgbm_class_weight")
    threshold: float = Field(description="Decision threshold: refused at or above it")
    holdout_auc: float
    gini: float | None = Field(default=None, description="2 x holdout AUC - 1")
    ks: float | None = Field(
        default=None,
        description="Kolmogorov-Smirnov: largest gap between the score distributions of "
        "defaulters and non-defaulters on the holdout",
    )
    business_cost_per_client: float = Field(description="Holdout cost at the threshold")
    cv_auc: float | None = None
    cv_auc_std: float | None = None
    n_folds: int | None = None
    holdout_accuracy: float | None = None
    holdout_precision: float | None = None
    holdout_recall: float | None = None
    probability_scale: Literal["calibrated", "raw"] | None = None
    calibration_method: str | None = None
    business_cost_at_0_5: float | None = None
    business_cost_uncalibrated: float | None = Field(
        default=None, description="The raw model's holdout cost at its own out-of-fold threshold"
    )
    raw_threshold: float | None = None
    approve_all_cost: float | None = Field(default=None, description="Holdout cost of granting every loan")
    n_features: int | None = None
    n_trees: float | None = Field(
        default=None, description="Mean trees over the folds (null: not early-stopped)"
    )
    training_time_s: float | None = None
    cv_business_cost_per_client: float | None = None
    cv_business_cost_std: float | None = None
    cv_business_cost_calibrated: float | None = None
    cv_train_auc: float | None = None
    train_validation_auc_gap: float | None = None
    large_train_validation_gap: bool | None = None
    holdout_tn: int | None = None
    holdout_fp: int | None = None
    holdout_fn: int | None = None
    holdout_tp: int | None = None
    predict_time_ms_per_1000: float | None = None
    false_negative_cost: float | None = None
    false_positive_cost: float | None = None
    bayes_threshold: float | None = None
    n_train: int | None = None
    n_holdout: int | None = None
    holdout_default_rate: float | None = None
    holdout_fingerprint: str | None = None
    evaluation_rule: EvaluationRuleRecord | None = None
    training_ids_sha256: str | None = None
    brier_score_raw: float | None = None
    brier_score: float | None = None
    holdout_mean_probability: float | None = None
    auc_above_kaggle_best: bool | None = None
    leakage_suspects: list[str] | None = None
    score_bands: ScoreBands | None = None
    cost_sensitivity: list[CostSensitivityRow] | None = Field(
        default=None, description="One row per FN:FP cost ratio of modelling.risk_report.cost_ratios"
    )
    segments: Segments | None = None

    @classmethod
    def written(cls, metrics: dict[str, Any]) -> dict[str, Any]:
        """``metrics`` as the modelling pipeline may write them: every declared field, nothing undeclared,
        every value of its declared type (a ValueError naming the fields otherwise)."""
        undeclared = sorted(set(metrics) - set(cls.model_fields))
        absent = sorted(set(cls.model_fields) - set(metrics))
        if undeclared or absent:
            raise ValueError(
                f"model_metrics must match credit_scoring.records.ModelMetrics: undeclared {undeclared}, "
                f"absent {absent}"
            )
        return cls.model_validate(metrics).model_dump(mode="json")


class CostCurvePoint(BaseModel):
    """One threshold of ``cost_threshold_curve.csv`` (`credit_scoring.cost.cost_curve`), on one sample."""

    threshold: float
    tn: int
    fp: int
    fn: int
    tp: int
    cost: float = Field(description="Total cost: false negatives x their weight + false positives")
    cost_per_client: float
    sample: Literal["holdout", "out-of-fold (training)"]


COST_CURVE_COLUMNS: tuple[str, ...] = tuple(CostCurvePoint.model_fields)
HOLDOUT_SAMPLE = "holdout"


def cost_curve_points(rows: list[dict[str, Any]]) -> list[CostCurvePoint]:
    """The rows of a cost curve as records (a ValueError naming the first bad row otherwise)."""
    points = []
    for index, row in enumerate(rows):
        try:
            points.append(CostCurvePoint.model_validate(row))
        except ValidationError as error:
            raise ValueError(f"cost curve row {index}: {error}") from error
    return points
