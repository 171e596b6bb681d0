"""Records that cross from the scoring services to the pipelines, declared once: the decision log's table
(written by `credit_scoring.serving.decision_log`, read by `credit_scoring.monitoring.prediction_log` and the
drift pipeline) and its row.

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
from typing import Any

import sqlalchemy as sa

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
