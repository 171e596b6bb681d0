"""Records that cross between the pipelines and the scoring services, declared once and validated where they
are written: the decision log's table and row (written by `credit_scoring.serving.decision_log`, read by
`credit_scoring.monitoring.prediction_log` and the drift pipeline), and the drift summary (written by the
drift pipeline, served by the API, shown by the dashboard).

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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

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
